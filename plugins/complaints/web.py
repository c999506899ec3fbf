"""The complaints screens and REST API: the queue with due-time countdowns, the ticket
page with its timeline and actions, a section on the customer 360° page, and
``/api/v1/complaints``. Thin: read the request, call the services. Resource
``mod_complaints``; 404 for brands without the module; a rep sees only tickets about their
own customers (``services.ticket_scope``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from flask import current_app, flash, redirect, request, url_for
from flask_appbuilder import AppBuilder, expose, has_access
from flask_appbuilder.api import protect
from markupsafe import Markup
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from core.api import N_, Ctx, Customer, DomainError, ProfileSection, Rep, ValidationFailed, _
from core.api.web import (
    CrmApi,
    CrmView,
    Field,
    api_errors,
    format_number,
    jsonable,
    module_ctx,
    not_found_on_missing,
    openapi,
    out,
    page_url,
    teammates,
)
from plugins.complaints import services, surveys
from plugins.complaints.labels import choices, label
from plugins.complaints.models import (
    CATEGORIES,
    CHANNELS,
    RESOLUTIONS,
    SEVERITIES,
    STATUSES,
    Ticket,
)

RESOURCE = "mod_complaints"
WEB_ACTIONS = ("respond", "note", "start", "pause", "resume", "resolve", "close", "reopen",
               "assign", "severity")


def duration_text(days: int, hours: int, minutes: int) -> str:
    """``2d 3h``, ``5h 20min`` or ``20min``, translated."""
    if days:
        return _("%(d)sd %(h)sh", d=days, h=hours)
    if hours:
        return _("%(h)sh %(m)smin", h=hours, m=minutes)
    return _("%(m)smin", m=minutes)


def countdown(ticket: Ticket, now: dt.datetime) -> dict[str, Any] | None:
    """What the queue shows for a ticket's running target: its label, due time, the time
    left (or overdue) as text, and whether it is breached."""
    nxt = services.next_due(ticket)
    if nxt is None:
        return None
    target, due = nxt
    left = int((due - now).total_seconds())
    span = abs(left)
    days, rest = divmod(span, 86400)
    hours, rest = divmod(rest, 3600)
    text = duration_text(days, hours, rest // 60)
    return {"target": label("target", target), "due": due, "breached": left < 0,
            "text": _("overdue by %(t)s", t=text) if left < 0 else _("due in %(t)s", t=text)}


def _customers(ctx: Ctx, ids: set[int | None]) -> dict[int, tuple[str, str]]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {i: (ref, name) for i, ref, name in ctx.session.execute(
        select(Customer.id, Customer.customer_ref, Customer.name).where(
            Customer.brand_id == ctx.brand_id, Customer.id.in_(ids)))}


def profile_section(ctx: Ctx, customer_id: int) -> ProfileSection:
    """The customer's complaints, newest first (escaped)."""
    tickets = ctx.session.scalars(select(Ticket).where(
        *services.ticket_scope(ctx), Ticket.customer_id == customer_id)
        .order_by(Ticket.opened_at.desc()).limit(20)).all()
    rows = Markup("").join(Markup(
        "<tr><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"
    ).format(Markup("<a href=\"{}\">{}</a>").format(link, t.ref) if (
        link := page_url("ComplaintsView.ticket", ref=t.ref)) else t.ref,
        t.opened_at.astimezone(ctx.tz).strftime("%Y-%m-%d %H:%M"), label("category", t.category),
        label("severity", t.severity), label("status", t.status)) for t in tickets)
    open_count = sum(1 for t in tickets if t.status not in ("resolved", "closed"))
    html = Markup(
        "<p>{}</p><table class=\"table\"><thead><tr><th>{}</th><th>{}</th><th>{}</th>"
        "<th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>").format(
        _("Open complaints: %(n)s", n=open_count), _("Ticket"), _("Opened"), _("Category"),
        _("Severity"), _("Status"),
        rows or Markup("<tr><td colspan=\"5\">{}</td></tr>").format(_("No complaints.")))
    return ProfileSection(key="complaints", title=_("Complaints"), html=str(html), order=70)


def _open_fields() -> list[Field]:
    return [Field("customer_ref", N_("Customer ref"), "picker", picker="CustomerView.pick"),
            Field("caller_name", N_("Caller's name (unidentified caller)")),
            Field("caller_phone", N_("Caller's phone")),
            Field("channel", N_("Channel"), "select", True, lambda: choices("channel")),
            Field("category", N_("Category"), "select", True, lambda: choices("category")),
            Field("severity", N_("Severity"), "select", True, lambda: choices("severity")),
            Field("summary", N_("Summary"), "textarea", True),
            Field("order_ref", N_("Order ref")),
            Field("rep_ref", N_("Rep involved"), "picker", picker="RepView.pick"),
            Field("opened_at", N_("Received at"), "datetime"),
            Field("assignee", N_("Assign to (user name)"))]



def dashboard_section(ctx: Ctx) -> ProfileSection:
    """Service this month on the dashboard: open and overdue tickets, first responses in
    time for the month's tickets, and the month's CSAT, NPS and CES."""
    local = ctx.now().astimezone(ctx.tz)
    period = local.strftime("%Y-%m")
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    fig = services.service_figures(ctx, month_start)
    overdue = fig.overdue
    scores = {f.kind: f for f in surveys.stats(ctx, period) if f.group == "all"}

    def score(kind: str) -> str:
        f = scores.get(kind)
        return f"{f.value} ({format_number(f.responses, ctx.locale)})" if f else "–"

    tiles = [(_("Open tickets"), format_number(fig.open, ctx.locale)),
             (_("Overdue"), format_number(overdue, ctx.locale)),
             (_("First responses in time this month"),
              f"{fig.answered_in_time} / {fig.answered}" if fig.answered else "–"),
             ("CSAT", score("csat")), ("NPS", score("nps")), ("CES", score("ces"))]
    html = Markup("<div class=\"kpis\">{}</div><p><a href=\"{}\">{}</a></p>").format(
        Markup("").join(Markup("<div class=\"kpi{}\"><span>{}</span><strong>{}</strong></div>")
                        .format(" warn" if name == _("Overdue") and overdue else "", name,
                                value) for name, value in tiles),
        page_url("ComplaintsView.queue") or "#", _("Open the queue"))
    return ProfileSection(key="complaints", title=_("Service this month"), html=str(html),
                          order=50)


class ComplaintsView(CrmView):
    """The queue, the ticket page, the intake form."""

    route_base = "/complaints"
    default_view = "queue"
    class_permission_name = RESOURCE
    template_folder = str(Path(__file__).resolve().parent / "templates")
    method_permission_name = {"queue": "read", "ticket": "read", "new": "write",
                              "act": "write", "surveys": "read"}

    @expose("/surveys/")
    @has_access
    @not_found_on_missing
    def surveys(self) -> Any:
        ctx = module_ctx(services.MODULE)
        period = request.args.get("period") or ctx.now().astimezone(ctx.tz).strftime("%Y-%m")
        try:
            figures = surveys.stats(ctx, period)
        except ValidationFailed:
            period = ctx.now().astimezone(ctx.tz).strftime("%Y-%m")
            figures = surveys.stats(ctx, period)
        if ctx.acts_as_rep:  # a rep sees the brand's figures and their own line only
            own = ctx.session.scalar(select(Rep.rep_ref).where(Rep.id == ctx.rep_scope_id))
            figures = [f for f in figures if f.group != "rep" or f.key == own]
        return self.page("complaints/surveys.html", figures=figures, period=period,
                         counts=surveys.counts(ctx), label=label,
                         title=_("Satisfaction surveys"))

    @expose("/queue/")
    @has_access
    @not_found_on_missing
    def queue(self) -> Any:
        ctx = module_ctx(services.MODULE)
        scope = request.args.get("scope", "all")
        status = request.args.get("status") or None
        if status not in (None, "open", *STATUSES):
            status = None
        breached = request.args.get("breached") == "1"
        tickets = services.list_tickets(
            ctx, status=None if status == "open" else status, breached=breached,
            mine=ctx.user if scope == "mine" else None,
            team=teammates(ctx) if scope == "team" else None)
        if status is None or status == "open":
            tickets = [t for t in tickets if t.status not in ("resolved", "closed")]
        now = ctx.now()
        rows = [{"t": t, "due": countdown(t, now)} for t in tickets]
        rows.sort(key=lambda r: (r["due"] is None, r["due"]["due"] if r["due"] else now))
        return self.page("complaints/queue.html", rows=rows, scope=scope,
                         status=status or "open", breached=breached, label=label,
                         statuses=STATUSES,
                         customers=_customers(ctx, {t.customer_id for t in tickets}),
                         title=_("Complaints"))

    @expose("/ticket/<string:ref>")
    @has_access
    @not_found_on_missing
    def ticket(self, ref: str) -> Any:
        ctx = module_ctx(services.MODULE)
        t = services.get_ticket(ctx, ref)
        hours, seconds = divmod(t.paused_seconds, 3600)
        paused = duration_text(0, hours, seconds // 60)
        return self.page("complaints/ticket.html", t=t, paused=paused,
                         entries=services.timeline(ctx, t),
                         due=countdown(t, ctx.now()), label=label, choices=choices,
                         breaches=services.breaches(t, ctx.now()),
                         customer=_customers(ctx, {t.customer_id}).get(t.customer_id or 0),
                         allowed={a for a in WEB_ACTIONS
                                  if t.status in services.ALLOWED[a]},
                         title=_("Complaint %(ref)s", ref=t.ref))

    @expose("/new/", methods=["GET", "POST"])
    @has_access
    @not_found_on_missing
    def new(self) -> Any:
        ctx = module_ctx(services.MODULE)
        back = url_for(".queue")
        return self.save(_open_fields(), lambda data: services.open_ticket(ctx, data),
                         "crm/form.html",
                         lambda t: url_for(".ticket", ref=t.ref), _("New complaint"),
                         {"severity": "normal", "channel": "phone"}, back=back)

    @expose("/ticket/<string:ref>/act", methods=["POST"])
    @has_access
    @not_found_on_missing
    def act(self, ref: str) -> Any:
        ctx = module_ctx(services.MODULE)
        action = request.form.get("action", "")
        data = {k: v.strip() for k, v in request.form.items()
                if k not in ("csrf_token", "action") and v.strip()}
        try:
            services.act(ctx, ref, action, data)
            flash(_("Saved."), "success")
        except ValidationFailed as exc:
            flash("; ".join(f"{label('field', k)}: {m}" if k != "_schema" else m
                            for k, msgs in exc.errors.items() for m in msgs), "danger")
        except DomainError as exc:
            flash(exc.message, "danger")
        return redirect(url_for(".ticket", ref=ref))


class TicketOut(Schema):
    """A ticket with its SLA times (in the brand's offset)."""

    ref = out.text()
    status = out.one_of(list(STATUSES))
    severity = out.one_of(list(SEVERITIES))
    category = out.one_of(list(CATEGORIES))
    channel = out.one_of(list(CHANNELS))
    customer_ref = out.text(nullable=True)
    summary = out.text()
    assignee = out.text(nullable=True)
    owner = out.text(nullable=True)
    opened_at = out.when()
    first_response_due = out.when()
    first_response_at = out.when(nullable=True)
    resolution_due = out.when()
    resolved_at = out.when(nullable=True)
    escalation_due = out.when(nullable=True)
    closed_at = out.when(nullable=True)
    paused_working_seconds = out.integer()
    breaches = fields.List(fields.String(validate=validate.OneOf(
        ["first_response", "resolution"])), required=True)
    escalation_level = out.integer()
    resolution = out.one_of(list(RESOLUTIONS), nullable=True)
    root_cause = out.text(nullable=True)


class TimelineEntryOut(Schema):
    at = out.when()
    kind = out.text()
    actor = out.text(nullable=True)
    body = out.text(nullable=True)
    old = out.text(nullable=True)
    new = out.text(nullable=True)


class TicketWithTimelineOut(TicketOut):
    timeline = fields.List(fields.Nested(TimelineEntryOut), required=True)


class ComplaintsApi(CrmApi):
    """Tickets: list, open, read, act."""

    resource_name = "complaints"
    class_permission_name = RESOURCE
    method_permission_name = {"tickets": "read", "open": "write", "show": "read",
                              "act": "write"}

    @expose("/tickets", methods=["GET"])
    @protect()
    @api_errors
    def tickets(self) -> Any:
        ctx = module_ctx(services.MODULE)
        status = request.args.get("status") or None
        rows = services.list_tickets(ctx, status=status if status in STATUSES else None,
                                     breached=request.args.get("breached") in ("1", "true"))
        return self.response(200, result=[services.ticket_dict(ctx, t) for t in rows])

    openapi("Complaint tickets, most urgent first (a rep: their customers')",
            query={"status": {"type": "string", "enum": list(STATUSES)},
                   "breached": "boolean"}, method="get", response=TicketOut,
            many=True)(tickets)

    @expose("/tickets", methods=["POST"])
    @protect()
    @api_errors
    def open(self) -> Any:
        ctx = module_ctx(services.MODULE)
        ticket = services.open_ticket(ctx, self.json_body())
        return self.response(201, result=services.ticket_dict(ctx, ticket))

    openapi("Open a ticket (for a customer_ref, or a caller_name)",
            body=services.OpenSchema, method="post", response=TicketOut)(open)

    @expose("/tickets/<string:ref>", methods=["GET"])
    @protect()
    @api_errors
    def show(self, ref: str) -> Any:
        ctx = module_ctx(services.MODULE)
        ticket = services.get_ticket(ctx, ref)
        return self.response(200, result=services.ticket_dict(ctx, ticket, with_timeline=True))

    openapi("A ticket with its SLA times and timeline", path=("ref",), method="get",
            response=TicketWithTimelineOut)(show)

    @expose("/tickets/<string:ref>/<string:action>", methods=["POST"])
    @protect()
    @api_errors
    def act(self, ref: str, action: str) -> Any:
        ctx = module_ctx(services.MODULE)
        ticket = services.act(ctx, ref, action, self.json_body())
        return self.response(200, result={k: jsonable(v) for k, v in
                                          services.ticket_dict(ctx, ticket).items()})

    openapi("Act on a ticket: respond, note, start, pause, resume, resolve, close, reopen, "
            "assign, severity", path={"ref": "string", "action": {
                "type": "string", "enum": list(services.ALLOWED)}},
            body=services.ActSchema, method="post", status=200, response=TicketOut)(act)


def register(appbuilder: AppBuilder) -> None:
    """The queue (menu), the API and the public complaint form."""
    from plugins.complaints import public

    appbuilder.add_view(ComplaintsView, "Complaints", label=N_("Complaints"))
    appbuilder.add_api(ComplaintsApi)
    public.register(current_app._get_current_object(), appbuilder.sm.limiter)
