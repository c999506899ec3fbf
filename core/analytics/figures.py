"""Customer figures per brand and per rep (for the dashboard, the API and the CLI).

A period is local days ``first_day..last_day`` (default: the 365 days ending today). "Paid
orders" are orders with status paid placed in the period; for a rep, those credited to
the rep (``orders.rep_id``). Definitions:

- ``orders``: paid orders in the period; ``buyers``: customers with at least one.
- ``revenue``: their net revenue (line amounts minus what was refunded on them by the end
  of the period).
- ``aov`` (average order value) = revenue ÷ orders.
- ``repurchase_rate`` = buyers with 2 or more paid orders in the period ÷ buyers, in %.
- ``purchases_per_year`` = orders ÷ buyers × 365 ÷ days in the period.
- ``years_retained``: the brand setting ``figures.years_retained`` if set; otherwise the
  mean, over customers with a paid order up to the end of the period (credited to the rep
  for a rep), of (local day of their last paid order − local day of their first) ÷ 365,
  plus one purchase interval (1 ÷ ``purchases_per_year``). The span from the first to the
  last of n orders covers only n − 1 intervals between them: without the added interval a
  one-time buyer counted as 1/365 of a year, and LTV came out below AOV (a brand whose
  buyers mostly bought once showed 0.23 years retained). With it, ``ltv`` ≥ ``aov``.
- ``ltv`` = aov × purchases_per_year × years_retained (computed unrounded, then rounded
  to the cent).
- ``new_customers``: customers whose first paid order ever was placed in the period (and,
  for a rep, was credited to the rep).
- ``tasks_due``: tasks due in the period, not cancelled; ``tasks_on_time``: those done at
  or before their due time; ``follow_up_timeliness`` = tasks_on_time ÷ tasks_due, in %.
- ``leads_converted``: leads converted (first paid order) in the period; for a rep, the
  leads the rep owned at conversion.

Ratios are rounded half up to two places and are None when their denominator is 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, and_, cast, func, select

from core.analytics.sql import (
    CENT,
    Window,
    customer_stats,
    local_day_number,
    money,
    paid_in,
    ratio,
    report_window,
)
from core.context import Ctx
from core.leads.models import Lead
from core.models import Order, Rep, Task, TaskStatus
from core.services.scoping import get_by_ref
from core.services.settings import get_setting

# Extra figure providers (plugins, later features): ``fn(ctx, window, rep_id) -> {name: value}``.
EXTRA_FIGURES: list[Callable[[Ctx, Window, int | None], dict[str, Any]]] = []


@dataclass(frozen=True)
class Figures:
    """The figures of a brand (``rep_ref`` None) or of one rep over a period."""

    rep_ref: str | None
    first_day: dt.date
    last_day: dt.date
    orders: int
    buyers: int
    revenue: Decimal
    aov: Decimal | None
    repurchase_rate: Decimal | None
    purchases_per_year: Decimal | None
    years_retained: Decimal | None
    ltv: Decimal | None
    new_customers: int
    tasks_due: int
    tasks_on_time: int
    follow_up_timeliness: Decimal | None
    leads_converted: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The figures as a flat dict (``extra`` merged in)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "extra"}
        return {**out, **self.extra}


def _years_retained(ctx: Ctx, window: Window, rep_id: int | None) -> tuple[int, int]:
    """(sum of days from first to last paid order, customers) for the mean span."""
    cond = paid_in(ctx, None, window.end)
    if rep_id is not None:
        cond = and_(cond, Order.rep_id == rep_id)
    first_ever = ctx.session.scalar(select(func.min(Order.ordered_at)).where(cond))
    if first_ever is None:
        return 0, 0
    if isinstance(first_ever, str):
        first_ever = dt.datetime.fromisoformat(first_ever)
    if first_ever.tzinfo is None:
        first_ever = first_ever.replace(tzinfo=dt.UTC)
    spans = (select(Order.customer_id,
                    func.min(Order.ordered_at).label("first_at"),
                    func.max(Order.ordered_at).label("last_at"))
             .where(cond).group_by(Order.customer_id).subquery("spans"))
    span_days = (local_day_number(ctx, spans.c.last_at, first_ever, window.end)
                 - local_day_number(ctx, spans.c.first_at, first_ever, window.end))
    total, count = ctx.session.execute(
        select(cast(func.coalesce(func.sum(span_days), 0), BigInteger), func.count())
        .select_from(spans)).one()
    return int(total), int(count)


def figures(ctx: Ctx, rep_ref: str | None = None, as_of: dt.date | None = None,
            since: dt.date | None = None) -> Figures:
    """The figures of the brand, or of the rep ``rep_ref``, over ``since..as_of``."""
    as_of = as_of or ctx.local_today()
    window = report_window(ctx, as_of, since)
    rep_id = get_by_ref(ctx, Rep, rep_ref).id if rep_ref else None
    stats = customer_stats(ctx, window, rep_id=rep_id).subquery("stats")
    orders, buyers, repeaters, net = ctx.session.execute(select(
        func.coalesce(func.sum(stats.c.orders), 0),
        func.count().filter(stats.c.orders > 0),
        func.count().filter(stats.c.orders >= 2),
        cast(func.coalesce(func.sum(stats.c.net), 0), BigInteger))).one()
    orders, buyers, repeaters = int(orders), int(buyers), int(repeaters)
    revenue = money(net)

    first = (select(Order.customer_id, func.min(Order.ordered_at).label("first_at"))
             .where(paid_in(ctx, None, window.end)).group_by(Order.customer_id)
             .subquery("first"))
    new_stmt = select(func.count()).select_from(first).where(first.c.first_at >= window.start)
    if rep_id is not None:
        new_stmt = new_stmt.where(select(Order.id).where(
            Order.customer_id == first.c.customer_id, Order.ordered_at == first.c.first_at,
            Order.rep_id == rep_id, paid_in(ctx, window.start, window.end)).exists())
    new_customers = int(ctx.session.scalar(new_stmt) or 0)

    task_cond = [Task.brand_id == ctx.brand_id, Task.due_at >= window.start,
                 Task.due_at < window.end, Task.status != TaskStatus.CANCELLED.value]
    if rep_id is not None:
        task_cond.append(Task.rep_id == rep_id)
    due, on_time = ctx.session.execute(select(
        func.count(), func.count().filter(and_(Task.status == TaskStatus.DONE.value,
                                               Task.done_at <= Task.due_at)))
        .where(*task_cond)).one()

    lead_cond = [Lead.brand_id == ctx.brand_id, Lead.converted_at >= window.start,
                 Lead.converted_at < window.end]
    if rep_id is not None:
        lead_cond.append(Lead.rep_id == rep_id)
    leads_converted = int(ctx.session.scalar(select(func.count()).where(*lead_cond)) or 0)

    aov = ratio(revenue, orders)
    per_year_exact = (Decimal(orders) / buyers * 365 / window.days) if buyers else None
    fixed = get_setting(ctx, "figures.years_retained")
    if fixed is not None:
        years_exact: Decimal | None = Decimal(str(fixed))
    else:
        span_total, span_customers = _years_retained(ctx, window, rep_id)
        years_exact = None
        if span_customers:
            years_exact = Decimal(span_total) / span_customers / 365
            if per_year_exact:  # one more purchase interval: see the module docstring
                years_exact += 1 / per_year_exact
    ltv = None
    if orders and per_year_exact is not None and years_exact is not None:
        ltv = (Decimal(net) / 100 / orders * per_year_exact * years_exact).quantize(
            CENT, ROUND_HALF_UP)
    result = Figures(
        rep_ref=rep_ref, first_day=window.first_day or as_of, last_day=as_of,
        orders=orders, buyers=buyers, revenue=revenue, aov=aov,
        repurchase_rate=ratio(repeaters * 100, buyers),
        purchases_per_year=_round(per_year_exact), years_retained=_round(years_exact),
        ltv=ltv, new_customers=new_customers, tasks_due=int(due),
        tasks_on_time=int(on_time), follow_up_timeliness=ratio(int(on_time) * 100, int(due)),
        leads_converted=leads_converted)
    extra: dict[str, Any] = {}
    for provider in EXTRA_FIGURES:
        extra.update(provider(ctx, window, rep_id))
    return replace(result, extra=extra)


def _round(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENT, ROUND_HALF_UP)
