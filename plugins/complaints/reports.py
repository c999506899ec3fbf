"""Read-only figures of the module: the S1 section of the compliance report."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.api import ComplianceResult, Ctx, Customer, _
from plugins.complaints import services
from plugins.complaints.labels import label
from plugins.complaints.models import SEVERITIES, Ticket


def _met(done: dt.datetime | None, due: dt.datetime, now: dt.datetime,
         waiting: bool = False) -> bool | None:
    """True when the target was met, False when missed, None when not decided yet."""
    if done is not None:
        return done <= due
    if waiting or now <= due:
        return None
    return False


def s1_check(ctx: Ctx, start: dt.date, end: dt.date) -> ComplianceResult:
    """S1 for the complaints opened from ``start`` to ``end`` (local dates): the share
    within target per severity (first response and resolution, among tickets whose
    outcome is known), breaches and escalations. Findings: each missed target."""
    since = dt.datetime.combine(start, dt.time.min, ctx.tz).astimezone(dt.UTC)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, ctx.tz).astimezone(
        dt.UTC)
    rows = ctx.session.execute(
        select(Ticket, Customer.customer_ref).outerjoin(Customer,
                                                        Customer.id == Ticket.customer_id)
        .where(Ticket.brand_id == ctx.brand_id, Ticket.opened_at >= since,
               Ticket.opened_at < until).order_by(Ticket.opened_at, Ticket.id)).all()
    now = ctx.now()
    records = []
    figures: list[tuple[str, object]] = [(_("Complaints opened"), len(rows))]
    stats = {s: {"fr": [0, 0], "res": [0, 0]} for s in SEVERITIES}
    for t, customer_ref in rows:
        for key, target, done, due, waiting in (
                ("fr", "first_response", t.first_response_at, t.first_response_due, False),
                ("res", "resolution", t.resolved_at, t.resolution_due,
                 t.status == "waiting_on_customer")):
            met = _met(done, due, now, waiting)
            if met is None:
                continue
            stats[t.severity][key][1] += 1
            if met:
                stats[t.severity][key][0] += 1
            else:
                records.append((t.ref, customer_ref or "", label("severity", t.severity),
                                label("target", target), due, done))
    for sev in SEVERITIES:
        for key, text in (("fr", _("First response within target: %(severity)s",
                                   severity=label("severity", sev))),
                          ("res", _("Resolution within target: %(severity)s",
                                    severity=label("severity", sev)))):
            met, decided = stats[sev][key]
            if decided:
                figures.append((text, met / decided))
    figures.append((_("Targets missed"), len(records)))
    figures.append((_("Complaints escalated"),
                    sum(1 for t, _c in rows if t.escalation_level >= 1)))
    figures.append((_("Complaints escalated to brand admins"),
                    sum(1 for t, _c in rows if t.escalation_level >= 2)))
    return ComplianceResult(
        rule_id="S1", status="pass" if not records else "fail",
        title=_("Complaints handled within the service levels"),
        checked=len(rows), failed=len({r[0] for r in records}),
        columns=(_("Complaint"), _("Customer"), _("Severity"), _("Target"), _("Due"),
                 _("Done")),
        records=tuple(records), figures=tuple(figures),
        source="消费者权益保护法; 直销企业信息报备、披露管理办法 art. 5", module=services.MODULE)
