"""Silent customers (沉默客户), the reactivation report and the churned lifecycle stage.

A customer is *silent* as of local day D with N days (default 180, brand setting
``lifecycle.silent_days``) when they have at least one paid order placed before the end of
D and none placed on the local days D−N+1 .. D (the last N days, D included). Days are the
brand's local days: an order at 23:30 in Shanghai belongs to that Shanghai day although it
is 15:30 UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select, update

from core.analytics.sql import customer_stats, day_start, lifetime, money, paid_in, ratio
from core.bulk import chunks
from core.context import Ctx
from core.errors import ValidationFailed
from core.i18n import _
from core.models import Customer, LifecycleStage, Order
from core.services.lifecycle import refresh_stages
from core.services.scoping import scoped
from core.services.settings import find, get_setting
from core.settings import SettingError


@dataclass(frozen=True, slots=True)
class SilentCustomer:
    """A silent customer: last paid order (UTC) and lifetime net revenue up to the date."""

    customer_id: int
    customer_ref: str
    last_order_at: dt.datetime
    lifetime_revenue: Decimal


@dataclass(frozen=True, slots=True)
class Reactivation:
    """Of ``silent`` customers silent at one date, ``reactivated`` ordered again by another;
    ``rate`` in percent (None when nobody was silent)."""

    silent_at: dt.date
    by: dt.date
    days: int
    silent: int
    reactivated: int
    rate: Decimal | None
    reactivated_refs: tuple[str, ...]


def silent_days(ctx: Ctx, days: int | None = None) -> int:
    """``days`` if given (validated like the setting), else ``lifecycle.silent_days``."""
    if days is None:
        return int(get_setting(ctx, "lifecycle.silent_days"))
    try:
        return int(find(ctx, "lifecycle.silent_days").clean(days))
    except SettingError as exc:
        raise ValidationFailed({"days": [str(exc)]}) from None


def _silent_stmt(ctx: Ctx, as_of: dt.date, days: int) -> Select[Any]:
    stats = customer_stats(ctx, lifetime(ctx, as_of)).subquery("stats")
    cutoff = day_start(as_of - dt.timedelta(days=days - 1), ctx.tz)
    stmt = select(stats).where(stats.c.orders > 0, stats.c.last_at < cutoff)
    return stmt.where(stats.c.id.in_(scoped(ctx, Customer).with_only_columns(Customer.id)))


def silent_customers(ctx: Ctx, as_of: dt.date | None = None, days: int | None = None
                     ) -> list[SilentCustomer]:
    """Customers silent as of ``as_of`` (default today), longest silent first."""
    as_of = as_of or ctx.local_today()
    sub = _silent_stmt(ctx, as_of, silent_days(ctx, days)).subquery()
    rows = ctx.session.execute(select(sub).order_by(sub.c.last_at, sub.c.customer_ref))
    return [SilentCustomer(r.id, r.customer_ref, _aware(r.last_at), money(r.net))
            for r in rows]


def _aware(value: dt.datetime) -> dt.datetime:
    # max() over a UTCDateTime column comes back raw on SQLite (naive, or even a string)
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def reactivation_report(ctx: Ctx, silent_at: dt.date, by: dt.date, days: int | None = None
                        ) -> Reactivation:
    """Of the customers silent at ``silent_at``, those with a paid order placed after that
    day and up to the end of local day ``by``."""
    if by < silent_at:
        raise ValidationFailed({"by": [_("Must not be before %(date)s.",
                                         date=silent_at.isoformat())]})
    n = silent_days(ctx, days)
    silent = _silent_stmt(ctx, silent_at, n).subquery("silent")
    after = day_start(silent_at + dt.timedelta(days=1), ctx.tz)
    until = day_start(by + dt.timedelta(days=1), ctx.tz)
    came_back = (select(Order.id).where(Order.customer_id == silent.c.id,
                                        paid_in(ctx, after, until)).exists())
    rows = ctx.session.execute(select(silent.c.customer_ref, came_back.label("back"))
                               .order_by(silent.c.customer_ref)).all()
    back = tuple(r.customer_ref for r in rows if r.back)
    return Reactivation(silent_at, by, n, len(rows), len(back),
                        ratio(len(back) * 100, len(rows)), back)


def mark_churned(ctx: Ctx) -> dict[str, int]:
    """Scheduled job: customers silent today (first purchase or repeat) become ``churned``;
    churned customers no longer silent (a late-recorded order, a longer setting) get their
    stage back from their orders. Advocates keep their stage. Idempotent."""
    today = ctx.local_today()
    n = silent_days(ctx)
    with ctx.write() as session:
        # the silent set once (the lifetime aggregate over every order line is the cost)
        silent = set(session.scalars(select(_silent_stmt(ctx, today, n).subquery().c.id)))
        churned = 0
        for chunk in chunks(sorted(silent)):
            churned += session.execute(
                update(Customer)
                .where(Customer.brand_id == ctx.brand_id, Customer.id.in_(chunk),
                       Customer.lifecycle_stage.in_([LifecycleStage.FIRST_PURCHASE.value,
                                                     LifecycleStage.REPEAT.value]))
                .values(lifecycle_stage=LifecycleStage.CHURNED.value, updated_at=ctx.now())
                .execution_options(synchronize_session=False)).rowcount
        back = [cid for cid in session.scalars(select(Customer.id).where(
            Customer.brand_id == ctx.brand_id,
            Customer.lifecycle_stage == LifecycleStage.CHURNED.value)) if cid not in silent]
        refresh_stages(ctx, back)
    return {"churned": churned, "restored": len(back)}


def lifetime_revenue(ctx: Ctx, customer_id: int, as_of: dt.date | None = None) -> Decimal:
    """One customer's net revenue up to the end of ``as_of`` (default today)."""
    stats = customer_stats(ctx, lifetime(ctx, as_of or ctx.local_today())).subquery()
    net = ctx.session.scalar(select(stats.c.net).where(stats.c.id == customer_id))
    return money(net)
