"""Returns and refunds: DS8 (30 days unopened, refund in 7 days) and C1 (distance sales).

The customer gets the better of the two return windows (:func:`return_window`); both rules
require the refund within their own number of days of the request.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select

from core.api import ComplianceResult, Ctx, Order, Return, _
from plugins.compliance.checks.base import Check, Period, outcome
from plugins.compliance.rules import Rule, rule_in_force


def return_window(ctx: Ctx, channel: str | None, on: dt.date) -> int | None:
    """Days a customer has to return an order of ``channel`` placed on ``on``: the better
    of DS8 and C1 (C1 only for its distance channels); None when neither applies."""
    windows = []
    ds8 = rule_in_force(ctx, "DS8", on)
    if ds8 is not None:
        windows.append(int(ds8.parameters.get("return_days", 30)))
    c1 = rule_in_force(ctx, "C1", on)
    if c1 is not None and channel in c1.parameters.get("channels", ()):
        windows.append(int(c1.parameters.get("return_days", 7)))
    return max(windows) if windows else None


def _returns(ctx: Ctx, period: Period, channels: list[str] | None) -> list[Any]:
    """Returns requested in the period, and older ones still unrefunded at its start."""
    stmt = (select(Return.id, Return.return_ref, Order.order_ref, Order.channel,
                   Return.amount, Return.requested_at, Return.refunded_at)
            .join(Order, Order.id == Return.order_id)
            .where(Return.brand_id == ctx.brand_id, Order.brand_id == ctx.brand_id,
                   Return.requested_at < period.end_utc,
                   or_(Return.requested_at >= period.start_utc,
                       Return.refunded_at.is_(None),
                       Return.refunded_at >= period.start_utc))
            .order_by(Return.requested_at, Return.return_ref))
    if channels is not None:
        stmt = stmt.where(Order.channel.in_(channels))
    return list(ctx.session.execute(stmt))


def _earlier_requests(ctx: Ctx, return_ids: list[int]) -> dict[int, dt.datetime]:
    """The earliest request other modules know for each return (a complaint asking for the
    refund before the return was recorded): the refund clock starts there."""
    out: dict[int, dt.datetime] = {}
    for answer in ctx.hooks.crm_refund_requested_at(ctx=ctx, return_ids=return_ids) \
            if return_ids else ():
        for return_id, moment in (answer or {}).items():
            if return_id not in out or moment < out[return_id]:
                out[return_id] = moment
    return out


def _refund_check(ctx: Ctx, rule: Rule, period: Period,
                  channels: list[str] | None) -> ComplianceResult:
    days = int(rule.parameters.get("refund_days", 7))
    as_of = min(ctx.now(), period.end_utc)
    rows = _returns(ctx, period, channels)
    earlier = _earlier_requests(ctx, [row[0] for row in rows])
    records, on_time, refunded = [], 0, 0
    for return_id, ref, order_ref, channel, amount, requested, refunded_at in rows:
        requested = min(requested, earlier.get(return_id, requested))
        due = requested + dt.timedelta(days=days)
        if refunded_at is not None:
            refunded += 1
            if refunded_at <= due:
                on_time += 1
                continue
            late = (refunded_at - requested).days
            records.append((ref, order_ref, channel or "", amount, requested, refunded_at,
                            _("refunded after %(days)s days", days=late)))
        elif due < as_of:
            records.append((ref, order_ref, channel or "", amount, requested, None,
                            _("overdue since %(date)s", date=due.astimezone(ctx.tz)
                              .date().isoformat())))
    share = on_time / refunded if refunded else 1.0
    figures = [(_("Returns"), len(rows)), (_("Refunded"), refunded),
               (_("Refunded within %(days)s days", days=days), share)]
    return outcome(ctx, rule, checked=len(rows), records=records, figures=figures, columns=(
        _("Return"), _("Order"), _("Channel"), _("Amount"), _("Requested at"),
        _("Refunded at"), _("Finding")))


def check_ds8(ctx: Ctx, rule: Rule, period: Period) -> ComplianceResult:
    """Every return: refunded within ``refund_days`` of the request, none overdue."""
    return _refund_check(ctx, rule, period, None)


def check_c1(ctx: Ctx, rule: Rule, period: Period) -> ComplianceResult:
    """Returns of distance sales (C1's channels): refunded within C1's ``refund_days``."""
    return _refund_check(ctx, rule, period, list(rule.parameters.get("channels", ())))


CHECKS: dict[str, Check] = {"DS8": check_ds8, "C1": check_c1}
