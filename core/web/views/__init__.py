"""Admin views of the core, and the hook through which modules add theirs."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, g, request
from flask_appbuilder import AppBuilder

from core.web import nav


def register_views(appbuilder: AppBuilder) -> None:
    """Add the core screens (their menu is the sidebar in ``core.web.nav``)."""
    from core.web.views.audit import AuditView
    from core.web.views.brands import BrandView
    from core.web.views.customers import CustomerView
    from core.web.views.dashboard import DashboardView
    from core.web.views.imports import ImportView
    from core.web.views.index import LanguageView
    from core.web.views.insights import cm_views
    from core.web.views.interactions import InteractionView
    from core.web.views.jobs import JobView
    from core.web.views.orders import OrderView, ReturnView
    from core.web.views.products import ProductView
    from core.web.views.reps import RepView
    from core.web.views.segments import SegmentsView
    from core.web.views.settings import SettingsView
    from core.web.views.tasks import TaskView
    from core.web.views.users import UserView

    for view in (LanguageView, DashboardView, CustomerView, OrderView, ReturnView,
                 InteractionView, TaskView, RepView, ProductView, BrandView, UserView,
                 AuditView, SettingsView, JobView, ImportView, SegmentsView):
        appbuilder.add_view_no_menu(view)
    for view in cm_views():
        appbuilder.add_view_no_menu(view)
    _install_layout_context(appbuilder)


def register_module_views(appbuilder: AppBuilder) -> None:
    """Call each module's ``crm_register_views`` and remember which views it added."""
    rt = current_app.extensions["directcrm"]
    registry = rt.registry
    for name in registry.ordered_names():
        info = registry.modules[name]
        if "crm_register_views" not in info.hooks:
            continue
        before = set(map(id, appbuilder.baseviews))
        caller = registry.pm.subset_hook_caller(
            "crm_register_views",
            remove_plugins=[i.impl for n, i in registry.modules.items() if n != name])
        ctx = rt.ctx()
        failed = False
        try:
            caller(ctx=ctx, appbuilder=appbuilder)
        except Exception as exc:  # noqa: BLE001 - one module must not take the app down
            registry.mark_broken(name, f"crm_register_views: {type(exc).__name__}: {exc}")
            failed = True
        finally:
            ctx.session.close()
        for view in appbuilder.baseviews:
            if id(view) in before:
                continue
            # Mapped to the module even when it failed half-way: its pages then answer
            # 404, the module being treated as not installed.
            nav.module_blueprints()[view.blueprint.name] = name
            if failed:
                continue
            for item in _menu_items(appbuilder.menu.get_list()):
                if getattr(item, "baseview", None) is view:
                    nav.module_nav().append(nav.NavItem(
                        label=str(item.label or item.name),
                        endpoint=f"{view.endpoint}.{view.default_view}",
                        resource=view.class_permission_name, icon="✦", module=name,
                        href=item.href or None))


def _menu_items(items: list[Any]) -> list[Any]:
    out = []
    for item in items:
        out.append(item)
        out.extend(_menu_items(getattr(item, "childs", []) or []))
    return out


def _install_layout_context(appbuilder: AppBuilder) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    @app.before_request
    def _module_views_only_for_enabled_brands() -> None:
        module = nav.module_blueprints().get(request.blueprint or "")
        if module is None:
            return
        from core.web.context import NoBrand, crm_ctx

        try:
            ctx = crm_ctx()
        except NoBrand:
            return  # FAB's permission check sends the visitor to the login page
        if module not in ctx.enabled_modules:
            abort(404)

    @app.context_processor
    def _layout() -> dict[str, Any]:
        from core.services.brands import list_brands
        from core.web.context import NoBrand, crm_ctx, current_user, is_super_admin

        user = current_user()
        if user is None:  # the login page: in the language chosen for the request
            return {"crm_nav": [], "crm_user": None, "crm_locale": g.get("crm_locale")}
        try:
            ctx = crm_ctx()
        except NoBrand:
            return {"crm_nav": [], "crm_user": user, "crm_brand": None}
        brands = list_brands(ctx) if is_super_admin(user) else []
        return {"crm_nav": nav.visible_nav(ctx.enabled_modules), "crm_user": user,
                "crm_brand": ctx.brand, "crm_brands": brands,
                "crm_locale": g.get("crm_locale", ctx.locale)}
