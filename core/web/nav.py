"""The sidebar: core screens, plus the screens of the modules the brand enabled.

Modules add their views through the ``crm_register_views`` hook with FAB's usual
``appbuilder.add_view(...)``; every menu item they add is remembered as belonging to that
module, and shown only to users whose brand enabled it. Their pages answer 404 for the
other brands' users.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, request, url_for

from core.i18n import N_
from core.web import roles


@dataclass(frozen=True)
class NavItem:
    """One sidebar entry."""

    label: str
    endpoint: str
    resource: str
    icon: str
    module: str | None = None
    href: str | None = None


CORE_NAV: tuple[NavItem, ...] = (
    NavItem(N_("Dashboard"), "DashboardView.index", "Dashboard", "◧"),
    NavItem(N_("Today"), "TodayView.index", "Tasks", "☀"),
    NavItem(N_("Customers"), "CustomerView.list", "Customers", "☺"),
    NavItem(N_("At risk"), "AtRiskView.list", "Customers", "⚠"),
    NavItem(N_("Segments"), "SegmentsView.index", roles.SEGMENTS, "◔"),
    NavItem(N_("Leads"), "LeadView.list", "Customers", "➚"),
    NavItem(N_("Duplicates"), "DuplicateView.list", "Brands", "⇄"),
    NavItem(N_("Orders"), "OrderView.list", "Orders", "▤"),
    NavItem(N_("Returns"), "ReturnView.list", "Returns", "↺"),
    NavItem(N_("Interactions"), "InteractionView.list", "Interactions", "✎"),
    NavItem(N_("Tasks"), "TaskView.list", "Tasks", "✓"),
    NavItem(N_("Reps"), "RepView.list", "Reps", "★"),
    NavItem(N_("Products"), "ProductView.list", "Products", "◆"),
    NavItem(N_("Brands"), "BrandView.list", "Brands", "⚑"),
    NavItem(N_("Settings"), "SettingsView.list", roles.SETTINGS, "⚙"),
    NavItem(N_("Users"), "UserView.list", "Users", "⚷"),
    NavItem(N_("Audit log"), "AuditView.list", roles.AUDIT, "☰"),
    NavItem(N_("API docs"), "ApiDocsView.index", "Customers", "⌘"),
    NavItem(N_("Import CSV"), "ImportView.form", roles.IMPORTS, "⇪"),
    NavItem(N_("Jobs"), "JobView.list", roles.JOBS, "◷"),
)


def module_nav() -> list[NavItem]:
    """Menu items contributed by modules (filled in by ``register_module_views``)."""
    return current_app.extensions.setdefault("crm_module_nav", [])


def module_blueprints() -> dict[str, str]:
    """Blueprint name → module, for the views that modules registered."""
    return current_app.extensions.setdefault("crm_module_blueprints", {})


def visible_nav(enabled_modules: frozenset[str]) -> list[dict[str, Any]]:
    """The entries this user may open, with ``active`` set for the current page."""
    sm = current_app.appbuilder.sm
    out = []
    for item in (*CORE_NAV, *module_nav()):
        if item.module is not None and item.module not in enabled_modules:
            continue
        if not sm.has_access(roles.READ, item.resource) and not sm.has_access(
                "can_list", item.resource):
            continue
        href = item.href or url_for(item.endpoint)
        blueprint = item.endpoint.split(".")[0]
        out.append({"label": item.label, "href": href, "icon": item.icon,
                    "active": request.blueprint == blueprint})
    return out
