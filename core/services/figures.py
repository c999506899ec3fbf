"""Dashboard figures: sales and new customers by month, stages, segments, overdue tasks.

Months are calendar months in the brand's timezone; the queries fetch the rows of the
window (one brand, at most a year) and bucket them in Python so that SQLite and PostgreSQL
agree on time zones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, select

from core.analytics.sql import cents, money
from core.context import Ctx
from core.crypto import mask
from core.models import Customer, LifecycleStage, Order, OrderStatus, Rep, Task, TaskStatus
from core.services.browse import scoped_tasks
from core.services.scoping import scoped
from core.services.settings import get_setting


@dataclass(frozen=True)
class Figures:
    """What the dashboard shows."""

    months: list[str]  # "2026-03", oldest first
    sales: list[Decimal]
    new_customers: list[int]
    stages: list[tuple[str, int]]
    segments: list[tuple[str, int]]
    overdue_by_rep: list[tuple[str, int]]
    customers_total: int
    sales_this_month: Decimal
    orders_this_month: int
    overdue_total: int


def month_keys(today: dt.date, count: int = 12) -> list[str]:
    """The last ``count`` months up to ``today``'s, oldest first (``YYYY-MM``)."""
    y, m = today.year, today.month
    keys = []
    for _ in range(count):
        keys.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return keys[::-1]


def _month_start_utc(ctx: Ctx, key: str) -> dt.datetime:
    y, m = map(int, key.split("-"))
    return dt.datetime(y, m, 1, tzinfo=ctx.tz).astimezone(dt.UTC)


def _month_bounds(ctx: Ctx, keys: list[str]) -> list[dt.datetime]:
    """UTC instants where each month of ``keys`` starts, plus the end of the last one."""
    y, m = map(int, keys[-1].split("-"))
    after = f"{y + (m == 12):04d}-{m % 12 + 1:02d}"
    return [_month_start_utc(ctx, k) for k in [*keys, after]]


def dashboard_figures(ctx: Ctx, months: int = 12) -> Figures:
    """Figures for the acting brand (a rep: their own customers, orders and tasks).

    Set-based: one query buckets the paid orders into the brand's local months (whole
    cents, exact), one the new customers; the database does the work on a big brand.
    """
    keys = month_keys(ctx.local_today(), months)
    bounds = _month_bounds(ctx, keys)

    def bucket(column: Any, i: int) -> Any:
        return and_(column >= bounds[i], column < bounds[i + 1])

    row = ctx.session.execute(
        scoped(ctx, Order).with_only_columns(
            *[func.coalesce(func.sum(case((bucket(Order.ordered_at, i),
                                           cents(Order.total_amount)), else_=0)), 0)
              for i in range(len(keys))],
            func.count(case((bucket(Order.ordered_at, len(keys) - 1), Order.id))))
        .where(Order.status == OrderStatus.PAID, Order.ordered_at >= bounds[0],
               Order.ordered_at < bounds[-1])).one()
    sales = [money(v) for v in row[:len(keys)]]
    new_row = ctx.session.execute(
        scoped(ctx, Customer).with_only_columns(
            *[func.count(case((bucket(Customer.created_at, i), Customer.id)))
              for i in range(len(keys))])
        .where(Customer.created_at >= bounds[0], Customer.created_at < bounds[-1])).one()
    live = scoped(ctx, Customer).where(Customer.merged_into_id.is_(None))
    stage_counts = dict(ctx.session.execute(
        live.with_only_columns(Customer.lifecycle_stage, func.count())
        .group_by(Customer.lifecycle_stage)).all())
    stages = [(s.value, int(stage_counts.get(s, 0))) for s in LifecycleStage]
    overdue_rows = ctx.session.execute(
        scoped_tasks(ctx).with_only_columns(func.coalesce(Rep.name, ""), func.count(Task.id))
        .outerjoin(Rep, Rep.id == Task.rep_id)
        .where(Task.status == TaskStatus.OPEN, Task.due_at < ctx.now())
        .group_by(Rep.name).order_by(func.count(Task.id).desc()).limit(8)).all()
    overdue_total = ctx.session.scalar(
        scoped_tasks(ctx).with_only_columns(func.count(Task.id))
        .where(Task.status == TaskStatus.OPEN, Task.due_at < ctx.now()))
    return Figures(
        months=keys, sales=sales, new_customers=[int(n) for n in new_row],
        stages=stages, segments=_segment_counts(ctx),
        overdue_by_rep=[(name, int(n)) for name, n in overdue_rows],
        customers_total=int(ctx.session.scalar(live.with_only_columns(func.count())) or 0),
        sales_this_month=sales[-1], orders_this_month=int(row[len(keys)]),
        overdue_total=int(overdue_total or 0))


def _segment_counts(ctx: Ctx, scheme: str = "abc") -> list[tuple[str, int]]:
    """Customers per stored segment of ``scheme`` (a rep: their own customers); customers
    the scheme does not rank (``-``: no net revenue in the window) are left out."""
    from core.segmentation.models import CustomerSegment
    from core.segmentation.schemes import NOT_RANKED

    stmt = (select(CustomerSegment.segment, func.count())
            .where(CustomerSegment.brand_id == ctx.brand_id, CustomerSegment.scheme == scheme,
                   CustomerSegment.segment != NOT_RANKED)
            .group_by(CustomerSegment.segment).order_by(CustomerSegment.segment)
            .where(CustomerSegment.customer_id.in_(
                scoped(ctx, Customer).with_only_columns(Customer.id))))
    return [(str(seg), int(n)) for seg, n in ctx.session.execute(stmt)]


@dataclass(frozen=True)
class RepSummary:
    """A rep's page: customers, tasks due, sales this month."""

    rep: Rep
    customers: list[Customer]
    customers_total: int
    tasks_due: list[Task]
    sales_this_month: Decimal
    orders_this_month: int
    phone_masked: str | None = None
    certificate_days_left: int | None = None  # negative: expired that many days ago
    certificate_expiring: bool = False  # within the brand's warning window (or expired)


def rep_summary(ctx: Ctx, rep: Rep, limit: int = 20) -> RepSummary:
    """The rep's customers (the first ``limit`` by name), open tasks due within a week,
    this month's paid sales, the masked phone and how many days the certificate has left."""
    today = ctx.local_today()
    start = dt.datetime(today.year, today.month, 1, tzinfo=ctx.tz).astimezone(dt.UTC)
    customers_q = select(Customer).where(Customer.brand_id == ctx.brand_id,
                                         Customer.rep_id == rep.id,
                                         Customer.merged_into_id.is_(None))
    total = ctx.session.scalar(select(func.count()).select_from(customers_q.subquery()))
    customers = list(ctx.session.scalars(customers_q.order_by(Customer.name).limit(limit)))
    tasks = list(ctx.session.scalars(
        select(Task).where(Task.brand_id == ctx.brand_id, Task.rep_id == rep.id,
                           Task.status == TaskStatus.OPEN,
                           Task.due_at < ctx.now() + dt.timedelta(days=7))
        .order_by(Task.due_at).limit(limit)))
    count, amount = ctx.session.execute(
        select(func.count(Order.id), func.coalesce(func.sum(cents(Order.total_amount)), 0))
        .where(Order.brand_id == ctx.brand_id, Order.rep_id == rep.id,
               Order.status == OrderStatus.PAID, Order.ordered_at >= start)).one()
    days_left = None
    if rep.certificate_valid_until is not None:
        days_left = (rep.certificate_valid_until - today).days
    warn = int(get_setting(ctx, "reps.certificate_warning_days"))
    return RepSummary(rep=rep, customers=customers, customers_total=int(total or 0),
                      tasks_due=tasks,
                      sales_this_month=money(amount),
                      orders_this_month=int(count), phone_masked=mask(rep.phone),
                      certificate_days_left=days_left,
                      certificate_expiring=days_left is not None and days_left <= warn)
