"""What the module holds about a customer (data-subject export) and its erasure.

Tickets stay (the complaint happened: S1 figures, escalations, the audit trail) with the
caller's name and phone, the summary, the root cause and every timeline text replaced by
the erased marker; survey scores stay, their comments and extra answers go."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import select, update

from core.api import ERASED, Ctx, DataPart, _
from plugins.complaints.models import Survey, Ticket, TicketEntry


def personal_data(ctx: Ctx, customer_id: int) -> list[DataPart]:
    """The customer's tickets with their timelines, and their survey answers."""
    b = ctx.brand_id
    tickets = ctx.session.execute(
        select(Ticket.ref, Ticket.opened_at, Ticket.channel, Ticket.category,
               Ticket.severity, Ticket.status, Ticket.summary, Ticket.caller_name,
               Ticket.caller_phone, Ticket.resolution, Ticket.root_cause, Ticket.resolved_at)
        .where(Ticket.brand_id == b, Ticket.customer_id == customer_id)
        .order_by(Ticket.opened_at, Ticket.id))
    entries = ctx.session.execute(
        select(Ticket.ref, TicketEntry.at, TicketEntry.kind, TicketEntry.actor,
               TicketEntry.body)
        .join(Ticket, Ticket.id == TicketEntry.ticket_id)
        .where(TicketEntry.brand_id == b, Ticket.customer_id == customer_id,
               TicketEntry.kind.in_(("opened", "reply", "note", "resolution", "root_cause")))
        .order_by(TicketEntry.at, TicketEntry.id))
    answers = ctx.session.execute(
        select(Survey.kind, Survey.sent_at, Survey.answered_at, Survey.score, Survey.comment,
               Survey.answers)
        .where(Survey.brand_id == b, Survey.customer_id == customer_id)
        .order_by(Survey.sent_at, Survey.id))
    return [DataPart("complaints", _("Complaints"), tuple(tickets.keys()),
                     tuple(tuple(r) for r in tickets),
                     {name: f"complaints.{name}" for name in
                      ("channel", "category", "severity", "status", "resolution")}),
            DataPart("complaint_timeline", _("Timeline"), tuple(entries.keys()),
                     tuple(tuple(r) for r in entries),
                     {"kind": "complaints.kind", "actor": "actor"}),
            DataPart("surveys", _("Surveys"), tuple(answers.keys()),
                     tuple(tuple(r) for r in answers))]


def erase(ctx: Ctx, customer_ids: Sequence[int]) -> list[str]:
    """Replace the free texts and caller details of the customers' tickets, and drop their
    survey comments. Returns the erased values (the core scrubs them from the audit log)."""
    b, ids = ctx.brand_id, list(customer_ids)
    values: list[str] = []
    ticket_ids = []
    for tid, *texts in ctx.session.execute(
            select(Ticket.id, Ticket.caller_name, Ticket.caller_phone, Ticket.summary,
                   Ticket.root_cause).where(Ticket.brand_id == b,
                                            Ticket.customer_id.in_(ids))):
        ticket_ids.append(tid)
        values += [v for v in texts if v and v != ERASED]
    if ticket_ids:
        values += [v for v in ctx.session.scalars(select(TicketEntry.body).where(
            TicketEntry.brand_id == b, TicketEntry.ticket_id.in_(ticket_ids),
            TicketEntry.body.is_not(None))) if v != ERASED]
        ctx.session.execute(update(Ticket).where(Ticket.id.in_(ticket_ids)).values(
            caller_name=None, caller_phone=None, summary=ERASED,
            root_cause=None))
        ctx.session.execute(update(TicketEntry).where(
            TicketEntry.brand_id == b, TicketEntry.ticket_id.in_(ticket_ids),
            TicketEntry.body.is_not(None)).values(body=ERASED))
    for comment, answers in ctx.session.execute(select(Survey.comment, Survey.answers).where(
            Survey.brand_id == b, Survey.customer_id.in_(ids))):
        values += [comment] if comment else []
        values += [v for v in json.loads(answers).values()
                   if isinstance(v, str)] if answers else []
    ctx.session.execute(update(Survey).where(Survey.brand_id == b,
                                             Survey.customer_id.in_(ids))
                        .values(comment=None, answers=None))
    return values
