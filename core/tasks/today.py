"""A rep's "today" list and the managers' overdue view."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from core.context import Ctx
from core.models import Customer, Order, OrderStatus, Rep, Return, Task, TaskStatus
from core.services.scoping import get_by_ref, policy
from core.tasks.rules import local_start_of_day

VALUE_WINDOW_DAYS = 365


@dataclass(frozen=True)
class TodayTask:
    """One line of a rep's today list."""

    task_id: int
    due_at: dt.datetime
    overdue: bool
    kind: str
    title: str
    customer_ref: str | None
    customer_value: Decimal


@dataclass(frozen=True)
class RepOverdue:
    """Overdue open tasks of one rep (``rep_ref`` None = tasks without an owner)."""

    rep_ref: str | None
    rep_name: str | None
    overdue: int
    oldest_due_at: dt.datetime


def customer_value(ctx: Ctx, days: int = VALUE_WINDOW_DAYS) -> Any:
    """Subquery ``(customer_id, value)``: net revenue of the last ``days`` days.

    Net revenue = totals of paid orders placed in the window minus the refunds paid on
    those orders.
    """
    since = ctx.now() - dt.timedelta(days=days)
    refunds = (select(Return.order_id, func.sum(Return.amount).label("refunded"))
               .where(Return.brand_id == ctx.brand_id, Return.refunded_at.is_not(None))
               .group_by(Return.order_id).subquery())
    net = Order.total_amount - func.coalesce(refunds.c.refunded, 0)
    return (select(Order.customer_id, func.sum(net).label("value"))
            .outerjoin(refunds, refunds.c.order_id == Order.id)
            .where(Order.brand_id == ctx.brand_id, Order.status == OrderStatus.PAID,
                   Order.ordered_at > since, Order.ordered_at <= ctx.now())
            .group_by(Order.customer_id).subquery())


def today_list(ctx: Ctx, rep_ref: str) -> list[TodayTask]:
    """Open tasks of the rep due before the end of the local day (so overdue ones too),
    by customer value (net revenue, last 365 days) descending, then due time, then id."""
    rep = get_by_ref(ctx, Rep, rep_ref)  # a rep user: only their own (the row policy)
    now = ctx.now()
    tomorrow = local_start_of_day(ctx, ctx.local_today() + dt.timedelta(days=1))
    value = customer_value(ctx)
    value_col = func.coalesce(value.c.value, 0)
    stmt = (select(Task.id, Task.due_at, Task.kind, Task.title, Customer.customer_ref,
                   value_col)
            .outerjoin(Customer, Customer.id == Task.customer_id)
            .outerjoin(value, value.c.customer_id == Task.customer_id)
            .where(Task.brand_id == ctx.brand_id, Task.rep_id == rep.id,
                   Task.status == TaskStatus.OPEN, Task.due_at < tomorrow)
            .order_by(value_col.desc(), Task.due_at, Task.id))
    return [TodayTask(task_id=tid, due_at=due, overdue=due < now, kind=kind, title=title,
                      customer_ref=ref, customer_value=Decimal(str(val)).quantize(
                          Decimal("0.01")))
            for tid, due, kind, title, ref, val in ctx.session.execute(stmt)]


def overdue_by_rep(ctx: Ctx) -> list[RepOverdue]:
    """Open tasks past their due time, counted per rep (most overdue first); a rep user
    sees only their own line."""
    stmt = (select(Rep.rep_ref, Rep.name, func.count(Task.id), func.min(Task.due_at))
            .select_from(Task).outerjoin(Rep, Rep.id == Task.rep_id)
            .where(Task.brand_id == ctx.brand_id, Task.status == TaskStatus.OPEN,
                   Task.due_at < ctx.now())
            .where(*policy(ctx, Task))
            .group_by(Rep.rep_ref, Rep.name)
            .order_by(func.count(Task.id).desc(), Rep.rep_ref))
    out = []
    for ref, name, count, oldest in ctx.session.execute(stmt):
        if oldest is not None and oldest.tzinfo is None:  # aggregates skip the column type
            oldest = oldest.replace(tzinfo=dt.UTC)
        elif isinstance(oldest, str):
            oldest = dt.datetime.fromisoformat(oldest).replace(tzinfo=dt.UTC)
        out.append(RepOverdue(rep_ref=ref, rep_name=name, overdue=count,
                              oldest_due_at=oldest))
    return out
