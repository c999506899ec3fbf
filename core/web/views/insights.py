"""Customer-management screens: a rep's today list, overdue tasks per rep, at-risk customers.

Thin views over ``core.tasks.today`` and ``core.services.churn_risk``; permissions reuse the
core resources (``Tasks`` for the today page, ``Customers`` for the at-risk list), and
brand and rep scoping is done by the services.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_appbuilder import expose, has_access

from core.i18n import N_
from core.i18n import gettext_core as _
from core.models import Customer
from core.services.churn_risk import at_risk_customers
from core.tasks.today import overdue_by_rep, today_list
from core.web import labels
from core.web.context import crm_ctx, rep_of_user
from core.web.views.base import CrmView, not_found_on_missing, rows_page, sorted_rows


def manages_brand(view: CrmView) -> bool:
    """Brand admins and managers (not reps, customer service or compliance): they may
    move leads, merge duplicates and offboard reps (write access to the rep screens)."""
    return not crm_ctx().acts_as_rep and view.appbuilder.sm.has_access(
        "can_write", "Reps")


class TodayView(CrmView):
    """``/today/``: the rep's due and overdue tasks; for managers also overdue per rep."""

    route_base = "/today"
    class_permission_name = "Tasks"
    default_view = "index"
    method_permission_name = {"index": "read"}

    @expose("/")
    @has_access
    @not_found_on_missing
    def index(self) -> Any:
        ctx = crm_ctx()
        own = rep_of_user(ctx)
        rep_ref = request.args.get("rep") or (own.rep_ref if own else None)
        if ctx.acts_as_rep and own is None:
            abort(404)  # a rep login without a rep row has no list
        tasks = today_list(ctx, rep_ref) if rep_ref else []
        overdue = overdue_by_rep(ctx) if not ctx.acts_as_rep else []
        return self.page("crm/insights/today.html", tasks=tasks, rep_ref=rep_ref,
                         overdue=overdue,
                         pick_rep=not ctx.acts_as_rep,
                         customer_ids=_customer_ids(ctx, [t.customer_ref for t in tasks]),
                         title=_("Today"))


class AtRiskView(CrmView):
    """``/at-risk/``: purchasing customers with at least one churn-risk flag."""

    route_base = "/at-risk"
    class_permission_name = "Customers"
    default_view = "list"

    def _rows(self) -> tuple[list[Any], dict[int, str]]:
        ctx = crm_ctx()
        rows = at_risk_customers(ctx)
        names = _customer_names(ctx, [r.customer_id for r in rows])
        keys: dict[str, Any] = {
            "customer": lambda r: names.get(r.customer_id, r.customer_ref),
            "ref": lambda r: r.customer_ref,
            "order": lambda r: r.last_order_at, "contact": lambda r: r.last_contact_at,
            "signals": lambda r: len(r.flags)}
        return sorted_rows(rows, keys, request.args.get("sort")), names

    @expose("/list/")
    @has_access
    @not_found_on_missing
    def list(self) -> Any:
        rows, names = self._rows()
        return self.page("crm/insights/at_risk.html", rows=rows, names=names,
                         title=_("At-risk customers"))

    @expose("/export.csv")
    @has_access
    @not_found_on_missing
    def export(self) -> Any:
        """The at-risk customers as CSV, in the list's order, signals by their labels."""
        rows, names = self._rows()
        return self.csv_export("at_risk", [
            (N_("Customer no."), lambda r: r.customer_ref),
            (N_("Name"), lambda r: names.get(r.customer_id, "")),
            (N_("Last order"), lambda r: r.last_order_at),
            (N_("Last contact"), lambda r: r.last_contact_at),
            (N_("Risk signals"),
             lambda r: ", ".join(labels.label("risk_rule", f.rule) for f in r.flags))],
            lambda page, per_page: rows_page(rows, page, per_page))


def _customer_ids(ctx: Any, refs: list[str | None]) -> dict[str, int]:
    """customer_ref → id for links (one query, brand-scoped)."""
    from sqlalchemy import select

    wanted = {r for r in refs if r}
    if not wanted:
        return {}
    return dict(ctx.session.execute(select(Customer.customer_ref, Customer.id).where(
        Customer.brand_id == ctx.brand_id, Customer.customer_ref.in_(wanted))).all())


def _customer_names(ctx: Any, ids: list[int]) -> dict[int, str]:
    """id → name for the list (one query, brand-scoped)."""
    from sqlalchemy import select

    if not ids:
        return {}
    return dict(ctx.session.execute(select(Customer.id, Customer.name).where(
        Customer.brand_id == ctx.brand_id, Customer.id.in_(ids))).all())


# The customer-management screens (registered by ``core.web.views.register_views``).
def cm_views() -> tuple[type[CrmView], ...]:
    from core.web.views.duplicates import DuplicateView, OffboardView
    from core.web.views.leads import LeadView

    return (TodayView, AtRiskView, LeadView, DuplicateView, OffboardView)
