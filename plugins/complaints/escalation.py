"""The escalation job (``directcrm tick``): warnings, breaches and escalations, each
recorded once on the ticket's timeline (a unique key per ticket, target and kind) and told
to the people concerned as tasks (idempotent by rule key).

- warning: ``complaints.warning_share`` % of a target (first response, resolution) has
  passed -> a task for the ticket's assignee (or the service team when unassigned);
- breach: a target has passed -> escalation level 1, a task for the brand's managers;
- second level: the severity's escalation target has passed and the ticket is still not
  resolved -> level 2, a task for the brand admins.
A ticket waiting on the customer has its resolution clock stopped: nothing is raised on it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from core.api import (
    N_,
    Ctx,
    _,
    get_setting,
    insert_ignore,
    insert_tasks,
    label,
    register_stored_texts,
    task_row,
    use_locale,
)
from plugins.complaints import services
from plugins.complaints.models import OPEN_STATUSES, Ticket, TicketEntry

# Task titles written in the brand's language, shown in the reader's.
register_stored_texts((
    N_("Complaint %(ref)s: %(target)s due soon (%(due)s), for %(who)s"),
    N_("Complaint %(ref)s: %(target)s target missed (due %(due)s), for the brand's managers"),
    N_("Complaint %(ref)s escalated to the brand's managers"),
    N_("Complaint %(ref)s escalated to the brand admins"),
))


def _raise(ctx: Ctx, ticket: Ticket, kind: str, target: str | None, title: str,
           new: str | None = None) -> int:
    key = f"{ticket.id}:{kind}:{target or new}"
    now = ctx.now()
    added = insert_ignore(ctx, TicketEntry.__table__, [{
        "brand_id": ctx.brand_id, "ticket_id": ticket.id, "at": now, "kind": kind,
        "actor": "system", "body": title, "old": target, "new": new, "key": key}],
        ("brand_id", "key"))
    if added:
        insert_tasks(ctx, [task_row(ctx, rule_key=f"complaints:{key}", kind="complaint",
                                    title=title, due_at=now, customer_id=None, rep_id=None)])
    return added


def run(ctx: Ctx) -> dict[str, int]:
    """Check every open ticket of the brand at ``ctx.now()``; returns the counts raised."""
    counts = {"warnings": 0, "breaches": 0, "escalations": 0}
    now = ctx.now()
    share = get_setting(ctx, "complaints.warning_share") / 100
    # Task titles are written in the brand's language (shown in the reader's).
    with ctx.write(), use_locale(ctx.locale):
        # Policies changed on the settings screen, closures, a holiday library update:
        # the due times of open tickets follow at the next tick.
        services.recompute_open(ctx)
        base = services.calendar(ctx)
        tickets = ctx.session.scalars(select(Ticket).where(
            Ticket.brand_id == ctx.brand_id, Ticket.status.in_(OPEN_STATUSES))
            .order_by(Ticket.id)).all()
        for ticket in tickets:
            _check(ctx, ticket, base, share, now, counts)
    return counts


def _check(ctx: Ctx, ticket: Ticket, base: Any, share: float, now: dt.datetime,
           counts: dict[str, int]) -> None:
    pol = services.policy(ctx, ticket.severity)
    cal = base.as_clock(pol.clock)
    who = label("actor", ticket.assignee) if ticket.assignee else _("customer service")
    checks = []
    if ticket.first_response_at is None:
        checks.append(("first_response", pol.first_response, 0, ticket.first_response_due))
    elif ticket.first_response_at > ticket.first_response_due:
        checks.append(("first_response", None, 0, ticket.first_response_due))
    if ticket.status != "waiting_on_customer":
        checks.append(("resolution", pol.resolution, ticket.paused_seconds,
                       ticket.resolution_due))
    labels = {"first_response": _("first response"), "resolution": _("resolution")}
    breached = False
    for target, seconds, paused, due in checks:
        if seconds is not None and now >= cal.add_working_time(ticket.opened_at,
                                                               seconds * share + paused):
            counts["warnings"] += _raise(ctx, ticket, "warning", target, _(
                "Complaint %(ref)s: %(target)s due soon (%(due)s), for %(who)s",
                ref=ticket.ref, target=labels[target], who=who,
                due=due.astimezone(ctx.tz).strftime("%Y-%m-%d %H:%M")))
        done = ticket.first_response_at if target == "first_response" else None
        if (done or now) > due:
            breached = True
            counts["breaches"] += _raise(ctx, ticket, "breach", target, _(
                "Complaint %(ref)s: %(target)s target missed (due %(due)s), for the brand's "
                "managers", ref=ticket.ref, target=labels[target],
                due=due.astimezone(ctx.tz).strftime("%Y-%m-%d %H:%M")))
    if breached and ticket.escalation_level < 1:
        counts["escalations"] += _raise(ctx, ticket, "escalation", None, _(
            "Complaint %(ref)s escalated to the brand's managers", ref=ticket.ref), new="1")
        ticket.escalation_level = 1
    if now > ticket.escalation_due and ticket.status != "waiting_on_customer" \
            and ticket.escalation_level < 2:
        counts["escalations"] += _raise(ctx, ticket, "escalation", None, _(
            "Complaint %(ref)s escalated to the brand admins", ref=ticket.ref), new="2")
        ticket.escalation_level = 2
