"""Leads: filtered list, detail with contacts and assignment history, capture, contact
logging, manual move (managers), and the funnel by channel and by rep.

Thin views over ``core.leads``; the permission is the ``Customers`` resource (a rep sees
the leads they hold), moving a lead needs :func:`manages_brand`.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request, url_for
from flask_appbuilder import expose, has_access

from core.i18n import N_
from core.i18n import gettext_core as _
from core.leads.assignment import move_lead
from core.leads.browse import lead_history, search_leads
from core.leads.funnel import funnel
from core.leads.schemas import CHANNELS, CONTACT_KINDS
from core.leads.services import create_lead, log_contact
from core.web import labels
from core.web.context import as_own_rep, crm_ctx
from core.web.views.base import CrmView, Field, not_found_on_missing
from core.web.views.customers import rep_choices
from core.web.views.insights import manages_brand


def lead_fields() -> list[Field]:
    """The capture form."""
    return [Field("lead_ref", N_("Lead ref"), required=True),
            Field("name", N_("Name"), required=True),
            Field("phone", N_("Phone"), help=N_("Stored encrypted; shown masked.")),
            Field("province", N_("Province")),
            Field("channel", N_("Channel"), "select", required=True,
                  choices=lambda: [("", "—")] + [(c, labels.label("lead_channel", c))
                                                  for c in CHANNELS]),
            Field("score", N_("Score"), "number", help=N_("0 to 100; blank to compute it.")),
            Field("note", N_("Note"), "textarea")]


CONTACT_FIELDS = [
    Field("kind", N_("Kind"), "select",
          choices=lambda: [(k, labels.label("lead_contact", k)) for k in CONTACT_KINDS]),
    Field("occurred_at", N_("When"), "datetime", help=N_("Blank for now.")),
    Field("summary", N_("Summary"), "textarea"),
]

MOVE_FIELDS = [
    Field("rep_ref", N_("Move to"), "picker", picker="RepView.pick",
          help=N_("Type part of a rep's name or ref; blank returns the lead to the pool.")),
    Field("reason", N_("Reason")),
]


class LeadView(CrmView):
    """``/leads/``."""

    route_base = "/leads"
    class_permission_name = "Customers"
    method_permission_name = {**CrmView.method_permission_name, "contact": "write",
                              "move": "write", "funnel": "read"}

    @expose("/list/")
    @has_access
    @not_found_on_missing
    def list(self) -> Any:
        ctx = crm_ctx()
        result = self._search(self.args_int("page"))
        owners = rep_choices() + ([("-", _("The pool"))] if not ctx.acts_as_rep else [])
        return self.page("crm/leads/list.html", result=result,
                         statuses=labels.choices("lead_status"),
                         channels=labels.choices("lead_channel"), reps=owners,
                         title=_("Leads"))

    def _search(self, page: int, per_page: int = 25) -> Any:
        return search_leads(crm_ctx(), q=request.args.get("q"),
                            status=request.args.get("status"),
                            channel=request.args.get("channel"), rep_ref=request.args.get("rep"),
                            page=page, per_page=per_page, sort=request.args.get("sort"))

    @expose("/export.csv")
    @has_access
    @not_found_on_missing
    def export(self) -> Any:
        """The filtered, sorted leads as CSV (labels for channel and status)."""
        return self.csv_export("leads", [
            (N_("Lead no."), lambda lead: lead.lead_ref), (N_("Name"), lambda lead: lead.name),
            (N_("Channel"), lambda lead: labels.label("lead_channel", lead.channel)),
            (N_("Status"), lambda lead: labels.label("lead_status", lead.status)),
            (N_("Score"), lambda lead: lead.score),
            (N_("Contacts"), lambda lead: lead.contacts_count),
            (N_("Captured"), lambda lead: lead.created_at)], self._search)

    @expose("/show/<string:ref>")
    @has_access
    @not_found_on_missing
    def show(self, ref: str) -> Any:
        h = lead_history(crm_ctx(), ref)
        return self.page("crm/leads/show.html", h=h, can_move=manages_brand(self),
                         title=h.lead.name)

    @expose("/add", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def add(self) -> Any:
        ctx = crm_ctx()
        return self.save(lead_fields(), lambda data: create_lead(ctx, data), "crm/form.html",
                         lambda lead: url_for(".show", ref=lead.lead_ref), _("New lead"),
                         back=url_for(".list"))

    @expose("/contact/<string:ref>", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def contact(self, ref: str) -> Any:
        ctx = crm_ctx()
        lead = lead_history(ctx, ref).lead  # 404 outside the user's leads
        return self.save(CONTACT_FIELDS,
                         lambda data: log_contact(ctx, ref, as_own_rep(ctx, data)),
                         "crm/form.html", lambda c: url_for(".show", ref=ref),
                         _("Log contact: %(name)s", name=lead.name), {"kind": "call"},
                         back=url_for(".show", ref=ref))

    @expose("/move/<string:ref>", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def move(self, ref: str) -> Any:
        ctx = crm_ctx()
        if not manages_brand(self):
            abort(403)
        h = lead_history(ctx, ref)
        return self.save(MOVE_FIELDS,
                         lambda data: move_lead(ctx, ref, data.get("rep_ref"),
                                                data.get("reason")),
                         "crm/form.html", lambda lead: url_for(".show", ref=ref),
                         _("Move lead: %(name)s", name=h.lead.name),
                         {"rep_ref": h.rep_ref or ""}, back=url_for(".show", ref=ref))

    @expose("/funnel/")
    @has_access
    @not_found_on_missing
    def funnel(self) -> Any:
        ctx = crm_ctx()
        if ctx.acts_as_rep:
            abort(404)  # the funnel compares reps: brand-wide roles only
        return self.page("crm/leads/funnel.html", by_channel=funnel(ctx, "channel"),
                         by_rep=funnel(ctx, "rep"), title=_("Lead funnel"))
