"""Customers: list with search and filters, the 360° page, create and edit."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_appbuilder import expose, has_access

from core.i18n import N_
from core.i18n import gettext_core as _
from core.models import Customer, Rep
from core.privacy import masked
from core.services import browse
from core.services.churn_risk import customer_risk_flags
from core.services.customers import create_customer, update_customer
from core.services.profile import customer_profile
from core.services.scoping import get_by_id
from core.web import labels
from core.web.context import crm_ctx, rep_of_user
from core.web.views.base import CrmView, Field, not_found_on_missing

# Segmentation schemes shown on the 360° page, in this order (label, scheme).
SCHEMES = ((N_("ABC"), "abc"), (N_("Value grid"), "grid"), (N_("RFM"), "rfm"),
           (N_("Size"), "size"))


def rep_choices() -> list[tuple[str, str]]:
    """The brand's reps for a select (a rep user sees only themselves)."""
    ctx = crm_ctx()
    reps = browse.search_reps(ctx, per_page=100).items  # the row policy: a rep sees self
    return [("", "—")] + [(r.rep_ref, f"{r.name} ({r.rep_ref})") for r in reps]


def customer_fields(new: bool) -> list[Field]:
    """The customer form."""
    return [
        *([Field("customer_ref", N_("Customer ref"), required=True)] if new else []),
        Field("name", N_("Name"), required=new),
        Field("phone", N_("Phone"), help=N_("Stored encrypted; shown masked.")
              if new else N_("Leave blank to keep the current number.")),
        Field("email", N_("E-mail"), "email"),
        Field("wechat_id", N_("WeChat ID")),
        Field("birthday", N_("Birthday"), "date"),
        Field("source_channel", N_("Source channel")),
        Field("rep_ref", N_("Owning rep"), "picker", picker="RepView.pick",
              help=N_("Type part of a rep's name or ref; blank for no owner.")),
        Field("tags", N_("Tags"), "tags", help=N_("Separate tags with commas.")),
    ]


class CustomerView(CrmView):
    """The customer screens."""

    route_base = "/customers"
    class_permission_name = "Customers"
    method_permission_name = {**CrmView.method_permission_name, "reveal": "write"}

    def _search(self, page: int, per_page: int = 25) -> Any:
        return browse.search_customers(
            crm_ctx(), q=request.args.get("q"), stage=request.args.get("stage"),
            rep_ref=request.args.get("rep"), tag=request.args.get("tag"),
            page=page, per_page=per_page, sort=request.args.get("sort"))

    @expose("/pick")
    @has_access
    @not_found_on_missing
    def pick(self) -> Any:
        """Suggestions for the customer picker of the forms (JSON)."""
        return self.suggestions("customers")

    @expose("/list/")
    @has_access
    @not_found_on_missing
    def list(self) -> Any:
        result = self._search(self.args_int("page"))
        return self.page("crm/customers/list.html", result=result,
                         stages=labels.choices("stage"),
                         title=_("Customers"))

    @expose("/export.csv")
    @has_access
    @not_found_on_missing
    def export(self) -> Any:
        """The filtered, sorted list as CSV (phones masked, as on the screen)."""
        return self.csv_export("customers", [
            (N_("Customer no."), lambda c: c.customer_ref), (N_("Name"), lambda c: c.name),
            (N_("Phone"), lambda c: masked(c.phone)),
            (N_("Rep"), lambda c: f"{c.rep.name} ({c.rep.rep_ref})" if c.rep else ""),
            (N_("Stage"), lambda c: labels.label("stage", c.lifecycle_stage)),
            (N_("Tags"), lambda c: ", ".join(t.tag for t in c.tags)),
            (N_("Since"), lambda c: c.created_at),
            (N_("Source channel"), lambda c: labels.label("source_channel", c.source_channel)),
            ], self._search)

    @expose("/show/<int:pk>")
    @has_access
    @not_found_on_missing
    def show(self, pk: int) -> Any:
        ctx = crm_ctx()
        profile = customer_profile(ctx, pk)
        return self.page("crm/customers/show.html", p=profile, title=profile.customer.name,
                         risk=customer_risk_flags(ctx, pk), schemes=SCHEMES)

    @expose("/reveal/<int:pk>", methods=["POST"])
    @has_access
    @not_found_on_missing
    def reveal(self, pk: int) -> Any:
        """Show the full phone number once; the reveal is written to the audit log."""
        from core import audit

        ctx = crm_ctx()
        profile = customer_profile(ctx, pk)
        with ctx.write():
            phone = audit.reveal(ctx, profile.customer, "phone")
        return self.page("crm/customers/show.html", p=profile, revealed_phone=phone,
                         title=profile.customer.name, risk=customer_risk_flags(ctx, pk),
                         schemes=SCHEMES)

    @expose("/add", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def add(self) -> Any:
        ctx = crm_ctx()
        defaults: dict[str, Any] = {}
        own = rep_of_user(ctx)
        if own is not None:
            defaults["rep_ref"] = own.rep_ref
        return self.save(customer_fields(True), lambda data: create_customer(ctx, data),
                         "crm/form.html", lambda c: url_for(".show", pk=c.id),
                         _("New customer"), defaults, back=url_for(".list"))

    @expose("/edit/<int:pk>", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def edit(self, pk: int) -> Any:
        ctx = crm_ctx()
        customer = get_by_id(ctx, Customer, pk)
        rep = ctx.session.get(Rep, customer.rep_id) if customer.rep_id else None
        values = {"name": customer.name, "email": customer.email or "",
                  "wechat_id": "", "birthday": customer.birthday.isoformat()
                  if customer.birthday else "", "source_channel": customer.source_channel or "",
                  "rep_ref": rep.rep_ref if rep else "",
                  "tags": ", ".join(sorted(t.tag for t in customer.tags))}
        ref = customer.customer_ref
        return self.save(customer_fields(False),
                         lambda data: update_customer(ctx, ref, data), "crm/form.html",
                         lambda c: url_for(".show", pk=c.id),
                         _("Edit %(name)s", name=customer.name), values,
                         back=url_for(".show", pk=pk))
