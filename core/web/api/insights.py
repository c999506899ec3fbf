"""REST endpoints for customer management: figures, churn risk, segments, today lists.

``/api/v1/figures/`` (brand) and ``/figures/<rep_ref>``; ``/risk/`` (at-risk customers)
and ``/risk/<customer_ref>`` (a customer's flags and stored segments); ``/segments/moves``;
``/leads/`` (list, capture); ``/today/`` (the
calling rep's list), ``/today/<rep_ref>`` and ``/today/overdue`` (overdue tasks per rep).
Thin wrappers over the services, with the permissions of the matching core resources.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from flask import request
from flask_appbuilder.api import expose, protect

from core.analytics.figures import figures
from core.analytics.sql import check_days
from core.errors import NotFound, ValidationFailed
from core.i18n import gettext_core as _
from core.leads.browse import rep_refs, search_leads
from core.leads.models import Lead, LeadChannel, LeadStatus
from core.leads.schemas import LeadSchema
from core.leads.services import create_lead
from core.models import Customer, Rep
from core.privacy import masked
from core.segmentation.services import customer_segments, segment_moves
from core.services.churn_risk import at_risk_customers, customer_risk_flags
from core.services.scoping import get_by_ref
from core.tasks.today import overdue_by_rep, today_list
from core.web.api import schemas as out
from core.web.api.base import CrmApi, api_errors, jsonable, openapi
from core.web.context import crm_ctx, rep_of_user


def _day(name: str) -> dt.date | None:
    """An optional ``YYYY-MM-DD`` query argument (422 naming it when malformed)."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed({name: [_("Not a valid date, e.g. 2026-03-01.")]}) from None
    check_days(**{name: day})
    return day


class FiguresApi(CrmApi):
    """Customer figures of the brand or of a rep: orders, revenue, AOV, LTV, follow-ups."""

    resource_name = "figures"
    class_permission_name = "Dashboard"

    @expose("/", methods=["GET"])
    @protect()
    @api_errors
    @openapi("Customer figures of the brand (a rep gets their own)",
             query={"as_of": "date", "since": "date"}, response=out.FiguresOut)
    def get_list(self) -> Any:
        ctx = crm_ctx()
        own = rep_of_user(ctx)
        if ctx.acts_as_rep and own is None:  # a rep login without a rep row has no figures
            raise NotFound(_("No %(kind)s with reference %(ref)s.", kind="reps", ref="—"))
        result = figures(ctx, own.rep_ref if own else None, _day("as_of"), _day("since"))
        return self.response(200, result=jsonable(result.as_dict()))

    @expose("/<string:ref>", methods=["GET"])
    @protect()
    @api_errors
    @openapi("Customer figures of one rep", path=("ref",),
             query={"as_of": "date", "since": "date"}, response=out.FiguresOut)
    def get_one(self, ref: str) -> Any:
        ctx = crm_ctx()
        get_by_ref(ctx, Rep, ref)  # the row policy: a rep user reaches only their own
        result = figures(ctx, ref, _day("as_of"), _day("since"))
        return self.response(200, result=jsonable(result.as_dict()))


class RiskApi(CrmApi):
    """Churn risk: customers flagged, and one customer's flags and segments."""

    resource_name = "risk"
    class_permission_name = "Customers"

    @expose("/", methods=["GET"])
    @protect()
    @api_errors
    @openapi("Customers with at least one churn-risk flag", query={"as_of": "date"},
             response=out.AtRiskOut, many=True, envelope={"count": "integer"})
    def get_list(self) -> Any:
        rows = at_risk_customers(crm_ctx(), _day("as_of"))
        return self.response(200, count=len(rows), result=[jsonable({
            "customer_ref": r.customer_ref, "last_order_at": r.last_order_at,
            "last_contact_at": r.last_contact_at,
            "flags": [asdict(f) for f in r.flags]}) for r in rows])

    @expose("/<string:ref>", methods=["GET"])
    @protect()
    @api_errors
    @openapi("A customer's churn-risk flags and stored segments", path=("ref",),
             query={"as_of": "date"}, response=out.CustomerRiskOut)
    def get_one(self, ref: str) -> Any:
        ctx = crm_ctx()
        customer = get_by_ref(ctx, Customer, ref)
        flags = customer_risk_flags(ctx, customer.id, _day("as_of"))
        return self.response(200, result={
            "customer_ref": customer.customer_ref, "flags": [asdict(f) for f in flags],
            "segments": customer_segments(ctx, customer.id)})


class SegmentApi(CrmApi):
    """Segment moves over a period."""

    resource_name = "segments"
    class_permission_name = "Customers"

    @expose("/moves", methods=["GET"])
    @protect()
    @api_errors
    @openapi("Stored segment moves in a scheme over local days (default this month)",
             query={"scheme": "string", "first_day": "date", "last_day": "date",
                    "from": "string", "to": "string"}, response=out.SegmentMoveOut,
             many=True, envelope={"count": "integer"})
    def get_list(self) -> Any:
        ctx = crm_ctx()
        last = _day("last_day") or ctx.local_today()
        first = _day("first_day") or last.replace(day=1)
        rows = segment_moves(ctx, request.args.get("scheme") or "abc", first, last,
                             from_segment=request.args.get("from") or None,
                             to_segment=request.args.get("to") or None)
        return self.response(200, count=len(rows), result=[jsonable(
            {"customer_ref": r.customer_ref, "old": r.old, "new": r.new, "as_of": r.as_of})
            for r in rows])


class TodayApi(CrmApi):
    """A rep's list for today, and overdue tasks per rep."""

    resource_name = "today"
    class_permission_name = "Tasks"
    method_permission_name = {**CrmApi.method_permission_name, "overdue": "read"}

    @expose("/", methods=["GET"])
    @protect()
    @api_errors
    @openapi("The calling rep's tasks due today and overdue", response=out.TodayTaskOut,
             many=True, envelope={"rep_ref": "string", "count": "integer"})
    def get_list(self) -> Any:
        own = rep_of_user(crm_ctx())
        if own is None:
            raise ValidationFailed({"rep_ref": [_(
                "Your login is not a rep: ask for /today/<rep_ref>.")]})
        return self._list(own.rep_ref)

    @expose("/<string:ref>", methods=["GET"])
    @protect()
    @api_errors
    @openapi("A rep's tasks due today and overdue, by customer value", path=("ref",),
             response=out.TodayTaskOut, many=True,
             envelope={"rep_ref": "string", "count": "integer"})
    def get_one(self, ref: str) -> Any:
        return self._list(ref)

    @expose("/overdue", methods=["GET"])
    @protect()
    @api_errors
    @openapi("Overdue open tasks per rep (a rep sees their own line)",
             response=out.RepOverdueOut, many=True)
    def overdue(self) -> Any:
        rows = overdue_by_rep(crm_ctx())
        return self.response(200, result=[jsonable(asdict(r)) for r in rows])

    def _list(self, rep_ref: str) -> Any:
        rows = today_list(crm_ctx(), rep_ref)
        return self.response(200, rep_ref=rep_ref, count=len(rows),
                             result=[jsonable(asdict(r)) for r in rows])


def _lead(lead: Lead, rep_ref: str | None = None) -> dict[str, Any]:
    return jsonable({"lead_ref": lead.lead_ref, "name": lead.name, "phone": masked(lead.phone),
                     "province": lead.province, "channel": lead.channel,
                     "status": lead.status, "score": lead.score, "rep_ref": rep_ref,
                     "contacts_count": lead.contacts_count, "created_at": lead.created_at,
                     "converted_at": lead.converted_at})


class LeadApi(CrmApi):
    """Leads: list and capture."""

    resource_name = "leads"
    class_permission_name = "Customers"

    @expose("/", methods=["GET"])
    @protect()
    @api_errors
    @openapi("List leads", query={"q": "string", "rep_ref": "string",
                                  "status": {"type": "string",
                                             "enum": [s.value for s in LeadStatus]},
                                  "channel": {"type": "string",
                                              "enum": [c.value for c in LeadChannel]}},
             paged=True,
             response=out.LeadOut)
    def get_list(self) -> Any:
        ctx = crm_ctx()
        page, size = self.paging()
        result = search_leads(ctx, q=request.args.get("q"), status=request.args.get("status"),
                              channel=request.args.get("channel"),
                              rep_ref=request.args.get("rep_ref"), page=page, per_page=size)
        refs = rep_refs(ctx, {lead.rep_id for lead in result.items if lead.rep_id})
        return self.page_response(result, lambda lead: _lead(lead, refs.get(lead.rep_id)))

    @expose("/", methods=["POST"])
    @protect()
    @api_errors
    @openapi("Capture a lead (placed by the brand's assignment strategies)", body=LeadSchema,
             response=out.LeadOut)
    def post(self) -> Any:
        ctx = crm_ctx()
        lead = create_lead(ctx, self.json_body())
        refs = rep_refs(ctx, {lead.rep_id} if lead.rep_id else set())
        return self.response(201, result=_lead(lead, refs.get(lead.rep_id)))


CM_APIS: tuple[type[CrmApi], ...] = (FiguresApi, RiskApi, SegmentApi, TodayApi, LeadApi)
