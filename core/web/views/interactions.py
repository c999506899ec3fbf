"""Interactions (客史记录): the contact log."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_appbuilder import expose, has_access

from core.i18n import N_
from core.i18n import gettext_core as _
from core.models import Customer
from core.services import browse
from core.services.activities import create_interaction, get_interaction, update_interaction
from core.web import labels
from core.web.context import as_own_rep, crm_ctx
from core.web.views.base import (
    CrmView,
    Field,
    blanks_for_required,
    name_and_ref,
    not_found_on_missing,
)

FIELDS = [
    Field("customer_ref", N_("Customer"), "picker", required=True, picker="CustomerView.pick"),
    Field("kind", N_("Kind"), "select", required=True,
          choices=lambda: labels.choices("interaction")),
    Field("occurred_at", N_("When"), "datetime", required=True),
    Field("summary", N_("Summary"), "textarea", required=True),
]

EDIT_FIELDS = [f for f in FIELDS if f.name != "customer_ref"]


class InteractionView(CrmView):
    """The interaction screens."""

    route_base = "/interactions"
    class_permission_name = "Interactions"

    @expose("/list/")
    @has_access
    @not_found_on_missing
    def list(self) -> Any:
        result = self._search(self.args_int("page"))
        return self.page("crm/interactions/list.html", result=result,
                         kinds=labels.choices("interaction"), title=_("Interactions"))

    def _search(self, page: int, per_page: int = 25) -> Any:
        return browse.search_interactions(crm_ctx(), q=request.args.get("q"),
                                          kind=request.args.get("kind"), page=page,
                                          per_page=per_page, sort=request.args.get("sort"))

    @expose("/export.csv")
    @has_access
    @not_found_on_missing
    def export(self) -> Any:
        """The filtered, sorted interactions as CSV."""
        ctx = crm_ctx()
        return self.csv_export("interactions", [
            (N_("When"), lambda i: i.occurred_at),
            (N_("Kind"), lambda i: labels.label("interaction", i.kind)),
            (N_("Customer"), lambda i: name_and_ref(ctx, Customer, i.customer_id,
                                                    "customer_ref")),
            (N_("Summary"), lambda i: i.summary),
            (N_("By"), lambda i: labels.label("actor", i.created_by))], self._search)

    @expose("/add", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def add(self) -> Any:
        ctx = crm_ctx()
        ref = request.args.get("customer", "")

        def done(i: Any) -> str:
            return url_for("CustomerView.show", pk=i.customer_id)

        return self.save(FIELDS, lambda data: create_interaction(ctx, as_own_rep(ctx, data)),
                         "crm/form.html",
                         done, _("Log an interaction"),
                         {"customer_ref": ref, "kind": "call",
                          "occurred_at": ctx.now().astimezone(ctx.tz).strftime("%Y-%m-%dT%H:%M")},
                         back=url_for(".list"))

    @expose("/edit/<int:pk>", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def edit(self, pk: int) -> Any:
        ctx = crm_ctx()
        interaction = get_interaction(ctx, pk, write=True)
        values = {"kind": interaction.kind.value,
                  "occurred_at": interaction.occurred_at.astimezone(ctx.tz)
                  .strftime("%Y-%m-%dT%H:%M"),
                  "summary": interaction.summary}
        return self.save(EDIT_FIELDS, lambda data: update_interaction(
                             ctx, pk, blanks_for_required(EDIT_FIELDS, data)),
                         "crm/form.html",
                         lambda i: url_for("CustomerView.show", pk=i.customer_id),
                         _("Edit %(name)s", name=_("Interaction")), values, back=url_for(".list"))
