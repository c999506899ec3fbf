"""Complaint tickets: the one write path (CLI, API, web) and the SLA clocks.

Statuses: ``new`` -> ``responded`` -> ``in_progress`` <-> ``waiting_on_customer`` ->
``resolved`` -> ``closed``; ``reopen`` brings a resolved or closed ticket back to
``in_progress`` within ``complaints.reopen_days`` of its resolution.

- The first person who responds becomes the ticket's owner (首问负责制) and stays so
  until it is closed, whoever it is assigned to; every change is on the timeline.
- An adverse reaction is at least ``high`` and makes a task for the compliance officers.
- ``high`` and ``critical`` tickets are not closed without a root cause.
- Due times are computed from the opening with the severity's policy: on the ``business``
  clock in the brand's working calendar (a ticket opened outside working time starts at
  the next working moment), on the ``calendar`` clock 24x7. The resolution due time is
  pushed back by the working time inside the pauses (waiting on the customer) only.
  A severity change, a pause ending, a closure or a policy change recomputes them from
  the opening.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from marshmallow import fields, validate
from sqlalchemy import ColumnElement, func, select

from core.api import (
    N_,
    AwareDateTime,
    BrandScopedSchema,
    Ctx,
    Customer,
    DomainError,
    NotFound,
    Order,
    Rep,
    Return,
    ValidationFailed,
    _,
    get_by_ref,
    get_setting,
    insert_ignore,
    insert_tasks,
    load_or_raise,
    register_stored_texts,
    require_module,
    resolve_customer,
    row_policy,
    set_settings,
    task_row,
)
from plugins.complaints.calendar import WorkingCalendar
from plugins.complaints.labels import label
from plugins.complaints.models import (
    CATEGORIES,
    CHANNELS,
    OPEN_STATUSES,
    RESOLUTIONS,
    SEVERITIES,
    Closure,
    Ticket,
    TicketEntry,
    TicketPause,
)
from plugins.complaints.settings import CLOCKS, TARGETS, parse_duration, parse_hours

# Task titles written in the brand's language, shown in the reader's.
register_stored_texts((
    N_("Compliance officers: adverse reaction reported in complaint %(ref)s"),
))

MODULE = "complaints"
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}  # 0 = critical, the most serious
ROOT_CAUSE_REQUIRED = ("critical", "high")
PHONE = re.compile(r"^\+?[0-9 ()-]{5,20}$")


def require_enabled(ctx: Ctx) -> None:
    """Refuse calls for a brand that has not enabled the module."""
    require_module(ctx, MODULE)


# -- calendar and policies -----------------------------------------------------------------


def calendar(ctx: Ctx, clock: str = "business") -> WorkingCalendar:
    """The brand's working calendar: weekly hours, jurisdiction, closures."""
    closures = dict(ctx.session.execute(select(Closure.day, Closure.reason).where(
        Closure.brand_id == ctx.brand_id)).all())
    return WorkingCalendar(ctx.tz, parse_hours(get_setting(ctx, "complaints.working_hours")),
                           ctx.brand.jurisdiction, closures, clock)


@dataclass(frozen=True, slots=True)
class Policy:
    """A severity's targets in seconds and its clock."""

    first_response: int
    escalation: int
    resolution: int
    clock: str


def policy(ctx: Ctx, severity: str) -> Policy:
    """The severity's policy from the brand's settings."""
    values = {t: parse_duration(get_setting(ctx, f"complaints.{severity}_{t}")) for t in TARGETS}
    return Policy(clock=get_setting(ctx, f"complaints.{severity}_clock"), **values)


def set_policy(ctx: Ctx, severity: str, values: Mapping[str, str | None]) -> None:
    """Change a severity's policy (``first_response``, ``escalation``, ``resolution``,
    ``clock``), through the settings (validated, audited), and recompute open tickets."""
    require_enabled(ctx)
    if severity not in SEVERITIES:
        raise ValidationFailed({"severity": [_("Must be one of: %(choices)s.",
                                               choices=", ".join(SEVERITIES))]})
    if values.get("clock") not in (None, *CLOCKS):
        raise ValidationFailed({"clock": [_("Must be one of: %(choices)s.",
                                            choices=", ".join(CLOCKS))]})
    changes = {f"complaints.{severity}_{k}": v for k, v in values.items() if v is not None}
    with ctx.write():
        if changes:
            set_settings(ctx, changes)
        recompute_open(ctx)


# -- scoping -------------------------------------------------------------------------------


def ticket_scope(ctx: Ctx) -> list[ColumnElement[bool]]:
    """The brand's tickets; for a rep, only tickets about the rep's own customers."""
    clauses: list[ColumnElement[bool]] = [Ticket.brand_id == ctx.brand_id]
    if ctx.rep_scope_id is not None:
        clauses.append(Ticket.customer_id.in_(
            select(Customer.id).where(*row_policy(ctx, Customer))))
    return clauses


def get_ticket(ctx: Ctx, ref: str, *, lock: bool = False) -> Ticket:
    """A ticket of the brand by ref (NotFound for another brand, or another rep's)."""
    stmt = select(Ticket).where(*ticket_scope(ctx), Ticket.ref == str(ref).strip())
    if lock:
        stmt = stmt.with_for_update()
    ticket = ctx.session.scalar(stmt)
    if ticket is None:
        raise NotFound(_("No complaint %(ref)s.", ref=ref))
    return ticket


# -- SLA arithmetic ------------------------------------------------------------------------


def paused_seconds(ctx: Ctx, ticket: Ticket, cal: WorkingCalendar, upto: dt.datetime) -> int:
    """Time inside the ticket's ended pauses, on ``cal``'s clock (working time only on the
    business clock); a pause still running counts up to ``upto``."""
    total = 0
    for start, end in ctx.session.execute(select(TicketPause.started_at, TicketPause.ended_at)
                                          .where(TicketPause.brand_id == ctx.brand_id,
                                                 TicketPause.ticket_id == ticket.id)).all():
        total += cal.working_seconds_between(start, end or upto)
    return total


def recompute(ctx: Ctx, ticket: Ticket, base: WorkingCalendar | None = None) -> None:
    """Due times from the opening, with the severity's policy and the pauses so far."""
    pol = policy(ctx, ticket.severity)
    cal = (base or calendar(ctx)).as_clock(pol.clock)
    ticket.first_response_due = cal.add_working_time(ticket.opened_at, pol.first_response)
    ticket.paused_seconds = paused_seconds(ctx, ticket, cal, ctx.now())
    ticket.resolution_due = cal.add_working_time(ticket.opened_at,
                                                 pol.resolution + ticket.paused_seconds)
    ticket.escalation_due = cal.add_working_time(ticket.opened_at,
                                                 pol.escalation + ticket.paused_seconds)


def recompute_open(ctx: Ctx) -> int:
    """Recompute every open ticket of the brand (after a closure or a policy change)."""
    base = calendar(ctx)
    tickets = ctx.session.scalars(select(Ticket).where(
        Ticket.brand_id == ctx.brand_id, Ticket.status.in_(OPEN_STATUSES))).all()
    for ticket in tickets:
        recompute(ctx, ticket, base)
    return len(tickets)


def breaches(ticket: Ticket, now: dt.datetime) -> list[str]:
    """Which targets the ticket missed: ``first_response``, ``resolution``."""
    out = []
    if (ticket.first_response_at or now) > ticket.first_response_due:
        out.append("first_response")
    done = ticket.resolved_at
    if ticket.status == "waiting_on_customer" and done is None:
        pass  # the clock stands still while the customer is asked
    elif (done or now) > ticket.resolution_due:
        out.append("resolution")
    return out


# -- intake --------------------------------------------------------------------------------


class OpenSchema(BrandScopedSchema):
    customer_ref = fields.String(validate=validate.Length(min=1, max=64))
    caller_name = fields.String(validate=validate.Length(min=1, max=100))
    caller_phone = fields.String(validate=validate.Length(min=1, max=32))
    order_ref = fields.String(validate=validate.Length(min=1, max=64))
    return_ref = fields.String(validate=validate.Length(min=1, max=64))
    rep_ref = fields.String(validate=validate.Length(min=1, max=64))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    severity = fields.String(load_default="normal", validate=validate.OneOf(SEVERITIES))
    summary = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    opened_at = AwareDateTime()
    assignee = fields.String(validate=validate.Length(min=1, max=100))


REF_LOCK = 0x43504C0000  # "CPL": the advisory lock namespace of ticket numbering


def _next_ref(ctx: Ctx) -> str:
    """The brand's next ticket number. Two PostgreSQL writers opening tickets at once
    would count the same number: a transaction-scoped advisory lock per brand serialises
    the numbering (SQLite's BEGIN IMMEDIATE already does)."""
    if ctx.session.get_bind().dialect.name == "postgresql":
        ctx.session.execute(select(func.pg_advisory_xact_lock(REF_LOCK + ctx.brand_id)))
    count = ctx.session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.brand_id == ctx.brand_id)) or 0
    return f"CPL-{count + 1:06d}"


def _entry(ctx: Ctx, ticket: Ticket, kind: str, at: dt.datetime, *, body: str | None = None,
           old: str | None = None, new: str | None = None, actor: str | None = None) -> None:
    ctx.session.add(TicketEntry(brand_id=ctx.brand_id, ticket_id=ticket.id, at=at, kind=kind,
                                actor=actor or ctx.user, body=body, old=old, new=new))


def open_ticket(ctx: Ctx, data: Mapping[str, Any]) -> Ticket:
    """Open a ticket (web, API, CLI, public form). Every problem is named before anything
    is written; an adverse reaction is raised to ``high`` and told to compliance."""
    require_enabled(ctx)
    values = load_or_raise(OpenSchema(tz=ctx.tz), data)
    errors: dict[str, list[str]] = {}
    customer_id = order_id = rep_id = None
    with ctx.write():
        if values.get("customer_ref"):
            try:
                customer = resolve_customer(ctx, values["customer_ref"])
                customer_id, rep_id = customer.id, customer.rep_id
            except NotFound:
                errors["customer_ref"] = [_("No such customer.")]
        elif not values.get("caller_name"):
            errors["customer_ref"] = [_("Give a customer, or the caller's name.")]
        if values.get("caller_phone") and not PHONE.match(values["caller_phone"]):
            errors["caller_phone"] = [_("Not a phone number.")]
        if values.get("order_ref"):
            try:
                order = get_by_ref(ctx, Order, values["order_ref"])
                order_id = order.id
                if customer_id is not None and order.customer_id != customer_id:
                    errors["order_ref"] = [_("The order is not this customer's.")]
                rep_id = rep_id or order.rep_id
            except NotFound:
                errors["order_ref"] = [_("No such order.")]
        return_id = None
        if values.get("return_ref"):
            # A complaint about a return: DS8's refund clock starts at the earlier of the
            # two requests (crm_refund_requested_at).
            ret = ctx.session.scalar(select(Return).where(
                Return.brand_id == ctx.brand_id, Return.return_ref == values["return_ref"]))
            if ret is None:
                errors["return_ref"] = [_("No such return.")]
            else:
                return_id = ret.id
                if order_id is not None and ret.order_id != order_id:
                    errors["return_ref"] = [_("The return is not of this order.")]
                order_id = order_id or ret.order_id
                owner = ctx.session.scalar(select(Order.customer_id).where(
                    Order.id == ret.order_id))
                if customer_id is not None and owner != customer_id:
                    errors["return_ref"] = [_("The return is not this customer's.")]
        if values.get("rep_ref"):
            try:
                rep_id = get_by_ref(ctx, Rep, values["rep_ref"]).id
            except NotFound:
                errors["rep_ref"] = [_("No such rep.")]
        opened = values.get("opened_at") or ctx.now()
        if opened > ctx.now():
            errors["opened_at"] = [_("Must not be in the future.")]
        if errors:
            raise ValidationFailed(errors)
        severity = values["severity"]
        adverse = values["category"] == "adverse_reaction"
        raised = adverse and SEVERITY_RANK[severity] > SEVERITY_RANK["high"]
        if raised:
            severity = "high"
        ticket = Ticket(brand_id=ctx.brand_id, ref=_next_ref(ctx), customer_id=customer_id,
                        caller_name=values.get("caller_name"),
                        caller_phone=values.get("caller_phone"), order_id=order_id,
                        return_id=return_id, rep_id=rep_id, channel=values["channel"],
                        category=values["category"],
                        severity=severity, summary=values["summary"], status="new",
                        assignee=values.get("assignee"), opened_at=opened,
                        created_by=ctx.user, created_at=ctx.now(), escalation_level=0,
                        paused_seconds=0)
        recompute(ctx, ticket)
        ctx.session.add(ticket)
        ctx.session.flush()
        _entry(ctx, ticket, "opened", opened, body=values["summary"], new=severity)
        if ticket.assignee:
            _entry(ctx, ticket, "assignee", opened, new=ticket.assignee)
        if raised:
            _entry(ctx, ticket, "severity_raised", opened, old=values["severity"],
                   new=severity)
        if adverse:
            insert_tasks(ctx, [task_row(
                ctx, rule_key=f"complaints:adverse:{ticket.id}", kind="complaint",
                title=_("Compliance officers: adverse reaction reported in complaint "
                        "%(ref)s", ref=ticket.ref),
                due_at=ticket.first_response_due, customer_id=None, rep_id=None)])
    return ticket


# -- actions -------------------------------------------------------------------------------

# action -> statuses it may start from
ALLOWED = {
    "respond": ("new", "responded", "in_progress", "waiting_on_customer"),
    "start": ("responded",),
    "pause": ("responded", "in_progress"),
    "resume": ("waiting_on_customer",),
    "resolve": ("responded", "in_progress", "waiting_on_customer"),
    "close": ("resolved",),
    "reopen": ("resolved", "closed"),
    "note": ("new", "responded", "in_progress", "waiting_on_customer", "resolved"),
    "assign": OPEN_STATUSES + ("resolved",),
    "severity": OPEN_STATUSES,
}
ACTIONS = tuple(ALLOWED)
STATUS_ACTIONS = ("respond", "start", "pause", "resume", "resolve", "close", "reopen")


def _last_change(ctx: Ctx, ticket: Ticket) -> dt.datetime | None:
    return ctx.session.scalar(select(func.max(TicketEntry.at)).where(
        TicketEntry.brand_id == ctx.brand_id, TicketEntry.ticket_id == ticket.id,
        TicketEntry.kind == "status"))


class ActSchema(BrandScopedSchema):
    at = AwareDateTime()
    note = fields.String(validate=validate.Length(min=1, max=4000))
    resolution = fields.String(validate=validate.OneOf(RESOLUTIONS))
    root_cause = fields.String(validate=validate.Length(min=1, max=4000))
    assignee = fields.String(validate=validate.Length(min=1, max=100))
    severity = fields.String(validate=validate.OneOf(SEVERITIES))


def _set_status(ctx: Ctx, ticket: Ticket, status: str, at: dt.datetime) -> None:
    _entry(ctx, ticket, "status", at, old=ticket.status, new=status)
    ticket.status = status


def act(ctx: Ctx, ref: str, action: str, data: Mapping[str, Any] | None = None) -> Ticket:
    """Apply ``action`` (respond, start, pause, resume, resolve, close, reopen, note,
    assign, severity) to the ticket ``ref``, at ``data["at"]`` (default now)."""
    require_enabled(ctx)
    if action not in ALLOWED:
        raise ValidationFailed({"action": [_("Must be one of: %(choices)s.",
                                             choices=", ".join(ACTIONS))]})
    values = load_or_raise(ActSchema(tz=ctx.tz), data or {})
    with ctx.write():
        ticket = get_ticket(ctx, ref, lock=True)
        at = values.get("at") or ctx.now()
        errors: dict[str, list[str]] = {}
        if at > ctx.now():
            errors["at"] = [_("Must not be in the future.")]
        elif at < ticket.opened_at:
            errors["at"] = [_("Must not be before the ticket was opened.")]
        elif action in STATUS_ACTIONS and at < (_last_change(ctx, ticket) or at):
            errors["at"] = [_("Must not be before the ticket's last change of status.")]
        if ticket.status not in ALLOWED[action]:
            raise DomainError(_("A %(status)s ticket cannot be given the action %(action)s.",
                                status=label("status", ticket.status), action=action),
                              code="bad_status")
        need = {"note": "note", "assign": "assignee", "severity": "severity",
                "resolve": "resolution"}.get(action)
        if need and not values.get(need):
            errors[need] = [_("Missing data for required field.")]
        root_cause = values.get("root_cause") or ticket.root_cause
        if action == "close" and ticket.severity in ROOT_CAUSE_REQUIRED and not root_cause:
            errors["root_cause"] = [_("A high or critical complaint needs its root cause "
                                      "before it is closed.")]
        if action == "reopen":
            days = get_setting(ctx, "complaints.reopen_days")
            if ticket.resolved_at and at > ticket.resolved_at + dt.timedelta(days=days):
                errors["at"] = [_("Reopening is possible within %(days)s days of the "
                                  "resolution.", days=days)]
        if action == "severity" and values.get("severity") and ticket.category == \
                "adverse_reaction" and SEVERITY_RANK[values["severity"]] > SEVERITY_RANK["high"]:
            errors["severity"] = [_("An adverse reaction is at least high.")]
        if errors:
            raise ValidationFailed(errors)
        _apply(ctx, ticket, action, at, values, root_cause)
    return ticket


def _apply(ctx: Ctx, ticket: Ticket, action: str, at: dt.datetime, values: Mapping[str, Any],
           root_cause: str | None) -> None:
    note = values.get("note")
    if action == "respond":
        _entry(ctx, ticket, "reply", at, body=note)
        if ticket.first_response_at is None:
            ticket.first_response_at = at
            ticket.owner = ctx.user
            _entry(ctx, ticket, "owner", at, new=ctx.user)
            if ticket.assignee is None:
                ticket.assignee = ctx.user
                _entry(ctx, ticket, "assignee", at, new=ctx.user)
        if ticket.status == "new":
            _set_status(ctx, ticket, "responded", at)
        elif ticket.status == "waiting_on_customer":
            _resume(ctx, ticket, at)
        return
    if note and action != "note":
        _entry(ctx, ticket, "note", at, body=note)
    if action == "note":
        _entry(ctx, ticket, "note", at, body=note)
    elif action == "start":
        _set_status(ctx, ticket, "in_progress", at)
    elif action == "pause":
        ctx.session.add(TicketPause(brand_id=ctx.brand_id, ticket_id=ticket.id, started_at=at))
        _set_status(ctx, ticket, "waiting_on_customer", at)
    elif action == "resume":
        _resume(ctx, ticket, at)
    elif action == "resolve":
        if ticket.status == "waiting_on_customer":
            _end_pause(ctx, ticket, at)
        ticket.resolution = values["resolution"]
        ticket.root_cause = root_cause
        ticket.resolved_at = at
        _entry(ctx, ticket, "resolution", at, new=values["resolution"], body=root_cause)
        _set_status(ctx, ticket, "resolved", at)
        recompute(ctx, ticket)
        ctx.session.flush()
        from plugins.complaints import surveys

        surveys.send_csat(ctx, ticket)
    elif action == "close":
        if root_cause != ticket.root_cause:
            ticket.root_cause = root_cause
            _entry(ctx, ticket, "root_cause", at, body=root_cause)
        ticket.closed_at = at
        _set_status(ctx, ticket, "closed", at)
    elif action == "reopen":
        ticket.resolved_at = ticket.closed_at = None
        ticket.resolution = None
        _set_status(ctx, ticket, "in_progress", at)
        recompute(ctx, ticket)
    elif action == "assign":
        _entry(ctx, ticket, "assignee", at, old=ticket.assignee, new=values["assignee"])
        ticket.assignee = values["assignee"]
    elif action == "severity":
        _entry(ctx, ticket, "severity", at, old=ticket.severity, new=values["severity"])
        ticket.severity = values["severity"]
        recompute(ctx, ticket)


def _end_pause(ctx: Ctx, ticket: Ticket, at: dt.datetime) -> None:
    pause = ctx.session.scalar(select(TicketPause).where(
        TicketPause.brand_id == ctx.brand_id, TicketPause.ticket_id == ticket.id,
        TicketPause.ended_at.is_(None)))
    if pause is not None:
        pause.ended_at = at
        ctx.session.flush()


def _resume(ctx: Ctx, ticket: Ticket, at: dt.datetime) -> None:
    _end_pause(ctx, ticket, at)
    _set_status(ctx, ticket, "in_progress", at)
    recompute(ctx, ticket)


# -- closures ------------------------------------------------------------------------------


def add_closures(ctx: Ctx, first: dt.date, last: dt.date | None, reason: str) -> int:
    """Close the brand's service from ``first`` to ``last`` (local dates) and move the due
    times of open tickets. Returns the number of days added."""
    require_enabled(ctx)
    last = last or first
    errors: dict[str, list[str]] = {}
    if last < first:
        errors["to"] = [_("Must not be before the first day.")]
    elif (last - first).days > 366:
        errors["to"] = [_("At most a year at a time.")]
    if not reason or not reason.strip() or len(reason) > 200:
        errors["reason"] = [_("Give a reason of at most 200 characters.")]
    if errors:
        raise ValidationFailed(errors)
    rows = [{"brand_id": ctx.brand_id, "day": first + dt.timedelta(days=i),
             "reason": reason.strip(), "created_by": ctx.user, "created_at": ctx.now()}
            for i in range((last - first).days + 1)]
    with ctx.write():
        added = insert_ignore(ctx, Closure.__table__, rows, ("brand_id", "day"))
        recompute_open(ctx)
    return added


# -- reading -------------------------------------------------------------------------------


def timeline(ctx: Ctx, ticket: Ticket) -> Sequence[TicketEntry]:
    """The ticket's timeline, oldest first."""
    return ctx.session.scalars(select(TicketEntry).where(
        TicketEntry.brand_id == ctx.brand_id, TicketEntry.ticket_id == ticket.id)
        .order_by(TicketEntry.at, TicketEntry.id)).all()


@dataclass(frozen=True, slots=True)
class ServiceFigures:
    """The dashboard's service figures: open tickets, overdue ones, and of the tickets
    opened since ``since`` and answered, how many were answered in time."""

    open: int
    overdue: int
    answered: int
    answered_in_time: int


def service_figures(ctx: Ctx, since: dt.datetime) -> ServiceFigures:
    """Counted in the database; only the open tickets are read, to judge their clocks."""
    require_enabled(ctx)
    now = ctx.now()
    open_tickets = list(ctx.session.scalars(select(Ticket).where(
        *ticket_scope(ctx), Ticket.status.in_(OPEN_STATUSES))))
    answered, in_time = ctx.session.execute(
        select(func.count(), func.count().filter(
            Ticket.first_response_at <= Ticket.first_response_due))
        .where(*ticket_scope(ctx), Ticket.opened_at >= since,
               Ticket.first_response_at.is_not(None))).one()
    return ServiceFigures(open=len(open_tickets),
                          overdue=sum(1 for t in open_tickets if breaches(t, now)),
                          answered=int(answered), answered_in_time=int(in_time))


def refund_requests(ctx: Ctx, return_ids: Sequence[int]) -> dict[int, dt.datetime]:
    """``{return_id: opening of the earliest complaint about it}`` (DS8's refund clock)."""
    return dict(ctx.session.execute(
        select(Ticket.return_id, func.min(Ticket.opened_at)).where(
            Ticket.brand_id == ctx.brand_id, Ticket.return_id.in_(list(return_ids)))
        .group_by(Ticket.return_id)).all())


def list_tickets(ctx: Ctx, *, status: str | None = None, breached: bool = False,
                 customer_id: int | None = None, mine: str | None = None,
                 team: Sequence[str] | None = None) -> list[Ticket]:
    """The brand's tickets (a rep: their customers'), most urgent first; ``mine``: assigned
    to or owned by that user; ``team``: by any of those users."""
    require_enabled(ctx)
    stmt = select(Ticket).where(*ticket_scope(ctx))
    if status:
        stmt = stmt.where(Ticket.status == status)
    if customer_id is not None:
        stmt = stmt.where(Ticket.customer_id == customer_id)
    if mine:
        stmt = stmt.where((Ticket.assignee == mine) | (Ticket.owner == mine))
    if team is not None:
        stmt = stmt.where(Ticket.assignee.in_(list(team)) | Ticket.owner.in_(list(team)))
    rows = list(ctx.session.scalars(stmt.order_by(Ticket.resolution_due, Ticket.id)))
    if breached:
        rows = [t for t in rows if breaches(t, ctx.now())]
    return rows


def iso(ctx: Ctx, value: dt.datetime | None) -> str | None:
    """ISO 8601 with the brand's UTC offset."""
    return None if value is None else value.astimezone(ctx.tz).isoformat()


def ticket_dict(ctx: Ctx, ticket: Ticket, *, with_timeline: bool = False) -> dict[str, Any]:
    """The ticket as plain values (times in the brand's offset), for the CLI and the API."""
    customer_ref = None if ticket.customer_id is None else ctx.session.scalar(
        select(Customer.customer_ref).where(Customer.id == ticket.customer_id))
    out: dict[str, Any] = {
        "ref": ticket.ref, "status": ticket.status, "severity": ticket.severity,
        "category": ticket.category, "channel": ticket.channel, "customer_ref": customer_ref,
        "summary": ticket.summary, "assignee": ticket.assignee, "owner": ticket.owner,
        "opened_at": iso(ctx, ticket.opened_at),
        "first_response_due": iso(ctx, ticket.first_response_due),
        "first_response_at": iso(ctx, ticket.first_response_at),
        "resolution_due": iso(ctx, ticket.resolution_due),
        "resolved_at": iso(ctx, ticket.resolved_at),
        "escalation_due": iso(ctx, ticket.escalation_due),
        "closed_at": iso(ctx, ticket.closed_at),
        "paused_working_seconds": ticket.paused_seconds,
        "breaches": breaches(ticket, ctx.now()),
        "escalation_level": ticket.escalation_level,
        "resolution": ticket.resolution, "root_cause": ticket.root_cause,
    }
    if with_timeline:
        out["timeline"] = [{"at": iso(ctx, e.at), "kind": e.kind, "actor": e.actor,
                            "body": e.body, "old": e.old, "new": e.new}
                           for e in timeline(ctx, ticket)]
    return out


def next_due(ticket: Ticket) -> tuple[str, dt.datetime] | None:
    """The target the ticket is racing now and its due time: the first response until
    someone responds, then the resolution; None when resolved, closed or waiting on the
    customer (the clock stands still)."""
    if ticket.status not in OPEN_STATUSES or ticket.status == "waiting_on_customer":
        return None
    if ticket.first_response_at is None:
        return "first_response", ticket.first_response_due
    return "resolution", ticket.resolution_due


def complaint_counts(ctx: Ctx, customer_ids: Sequence[int], since: dt.datetime,
                     until: dt.datetime) -> dict[int, int]:
    """Tickets opened per customer in ``[since, until)`` (one query per chunk of ids)."""
    out: dict[int, int] = {}
    ids = list(customer_ids)
    for i in range(0, len(ids), 500):
        out.update(ctx.session.execute(
            select(Ticket.customer_id, func.count()).where(
                Ticket.brand_id == ctx.brand_id, Ticket.customer_id.in_(ids[i:i + 500]),
                Ticket.opened_at >= since, Ticket.opened_at < until)
            .group_by(Ticket.customer_id)).all())
    return out
