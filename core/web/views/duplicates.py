"""Duplicates and offboarding: brand admins' and managers' housekeeping screens.

``/duplicates/`` lists likely duplicate customers (same phone or WeChat ID, from
``core.services.merge.duplicate_groups``) to brand-wide roles, with a merge form per group
for those who manage the brand;
``/offboard/<rep id>`` terminates a rep and hands their book over
(``core.handover.services.offboard_rep``). Merging and offboarding need
:func:`manages_brand`.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import expose, has_access
from sqlalchemy import select

from core.errors import DomainError, ValidationFailed
from core.handover.services import offboard_rep
from core.i18n import N_
from core.i18n import gettext_core as _
from core.models import Customer, Rep
from core.services.merge import duplicate_groups, merge_customers
from core.services.scoping import get_by_id
from core.web import labels
from core.web.context import crm_ctx
from core.web.views.base import CrmView, Field, not_found_on_missing, rows_page
from core.web.views.insights import manages_brand


class DuplicateView(CrmView):
    """``/duplicates/``: likely duplicate groups and the merge action."""

    route_base = "/duplicates"
    class_permission_name = "Customers"
    method_permission_name = {"list": "read", "merge": "write", "export": "read"}

    def _groups(self) -> tuple[list[Any], dict[str, Customer]]:
        ctx = crm_ctx()
        if ctx.acts_as_rep:
            abort(403)  # brand-wide roles only; merging needs manages_brand
        groups = duplicate_groups(ctx)
        refs = {r for g in groups for r in g.customer_refs}
        customers = {c.customer_ref: c for c in ctx.session.scalars(select(Customer).where(
            Customer.brand_id == ctx.brand_id, Customer.customer_ref.in_(refs)))} if refs else {}
        return groups, customers

    @expose("/export.csv")
    @has_access
    @not_found_on_missing
    def export(self) -> Any:
        """One row per customer of each likely-duplicate group, groups numbered as listed."""
        groups, customers = self._groups()
        rows = [(n, g.match, ref, customers.get(ref)) for n, g in enumerate(groups, 1)
                for ref in g.customer_refs]
        match = {"phone": N_("Same phone number"), "wechat": N_("Same WeChat ID")}
        return self.csv_export("duplicates", [
            (N_("Duplicate group"), lambda r: r[0]),
            (N_("Match"), lambda r: _(match[r[1]]) if r[1] in match else r[1]),
            (N_("Customer no."), lambda r: r[2]),
            (N_("Name"), lambda r: r[3].name if r[3] else ""),
            (N_("Lifecycle stage"),
             lambda r: labels.label("stage", r[3].lifecycle_stage) if r[3] else ""),
            (N_("Customer since"), lambda r: r[3].created_at if r[3] else None)],
            lambda page, per_page: rows_page(rows, page, per_page))

    @expose("/list/")
    @has_access
    @not_found_on_missing
    def list(self) -> Any:
        groups, customers = self._groups()
        return self.page("crm/insights/duplicates.html", groups=groups, customers=customers,
                         can_merge=manages_brand(self), title=_("Likely duplicates"))

    @expose("/merge", methods=["POST"])
    @has_access
    @not_found_on_missing
    def merge(self) -> Any:
        if not manages_brand(self):
            abort(403)
        ctx = crm_ctx()
        survivor = request.form.get("survivor", "")
        merged = [r for r in request.form.getlist("merged") if r and r != survivor]
        try:
            kept = merge_customers(ctx, survivor, merged)
        except ValidationFailed as exc:
            flash(" ".join(m for msgs in exc.errors.values() for m in msgs), "danger")
        except DomainError as exc:
            flash(exc.message, "danger")
        else:
            flash(_("Merged %(merged)s into %(survivor)s.", merged=", ".join(merged),
                    survivor=kept.customer_ref), "success")
        return redirect(url_for(".list"))


OFFBOARD_FIELDS = [
    Field("to_rep_ref", N_("Hand over to"), "picker", picker="RepView.pick",
          help=N_("One rep takes everything, or name a team below.")),
    Field("team", N_("Team"), "tags",
          help=N_("Rep refs separated by commas: customers are spread by spare capacity.")),
    Field("effective_on", N_("Effective on"), "date", help=N_("Blank for today.")),
    Field("reason", N_("Reason")),
]


class OffboardView(CrmView):
    """``/offboard/<rep id>``: terminate a rep and hand over customers, tasks and leads."""

    route_base = "/offboard"
    class_permission_name = "Reps"
    default_view = "rep"
    method_permission_name = {"rep": "write"}

    @expose("/<int:pk>", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def rep(self, pk: int) -> Any:
        if not manages_brand(self):
            abort(403)
        ctx = crm_ctx()
        leaving = get_by_id(ctx, Rep, pk)
        ref = leaving.rep_ref

        def action(data: dict[str, Any]) -> Any:
            import datetime as dt

            day = data.get("effective_on")
            try:
                when = dt.date.fromisoformat(day) if day else None
            except ValueError:
                raise ValidationFailed({"effective_on": [_(
                    "Not a valid date, e.g. 2026-03-01.")]}) from None
            try:
                result = offboard_rep(ctx, ref, data.get("to_rep_ref"), data.get("team"),
                                      when, data.get("reason"))
            except ValidationFailed as exc:  # the service names the choice "to_rep"
                raise ValidationFailed({("to_rep_ref" if k == "to_rep" else k): v
                                        for k, v in exc.errors.items()}) from None
            flash(_("%(rep)s offboarded: %(customers)s customers, %(tasks)s tasks and "
                    "%(leads)s leads handed over.", rep=ref,
                    customers=result.count("customer"), tasks=result.count("task"),
                    leads=result.count("lead")), "success")
            return leaving

        return self.save(OFFBOARD_FIELDS, action, "crm/form.html",
                         lambda r: url_for("RepView.show", pk=pk),
                         _("Offboard %(name)s (%(ref)s)", name=leaving.name, ref=ref),
                         back=url_for("RepView.show", pk=pk))
