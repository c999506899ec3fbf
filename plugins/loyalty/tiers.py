"""Membership tiers: defaults, the rolling metric, and set-based evaluation.

A customer reaches the highest tier whose ``min_value`` their rolling metric meets
(upgrades happen on every paid-order batch and in the daily job). A customer keeps a tier
while the metric stays at or above its ``retain_value``; below it, the daily job moves them
down to the highest lower tier whose ``retain_value`` they meet. The metric is the net
paid amount (``spend``) or the points earned (``points``) over the last
``tier_window_months``, refunds and cancellations deducted.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, insert, select, update

from core.api import Ctx, OrderPaid, UTCDateTime, normalise_locale
from plugins.loyalty.ledger import chunks, ensure_accounts
from plugins.loyalty.models import (
    EntryKind,
    LoyaltyAccount,
    LoyaltyEntry,
    LoyaltyTier,
    LoyaltyTierChange,
    SourceKind,
)
from plugins.loyalty.settings import TierBasis, add_months, programme

# (code, rank, min_value, retain_value, multiplier); names per language below.
DEFAULT_TIERS = (
    ("member", 0, "0", "0", "1.00"),
    ("silver", 1, "2000", "1500", "1.20"),
    ("gold", 2, "5000", "4000", "1.50"),
    ("diamond", 3, "20000", "16000", "2.00"),
)
DEFAULT_NAMES = {
    "zh_Hans_CN": {"member": "普通会员", "silver": "银卡", "gold": "金卡", "diamond": "钻石"},
    "zh_Hant_TW": {"member": "普通會員", "silver": "銀卡", "gold": "金卡", "diamond": "鑽石"},
    "en": {"member": "Member", "silver": "Silver", "gold": "Gold", "diamond": "Diamond"},
}
SPEND_SOURCES = (SourceKind.ORDER.value, SourceKind.REFUND.value, SourceKind.CANCELLATION.value)


@dataclass(frozen=True, slots=True)
class TierChanged:
    """Payload of ``crm_loyalty_tier_changed``: one customer's move (``old_tier`` is None
    for a first placement)."""

    customer_id: int
    old_tier: str | None
    new_tier: str
    metric: Decimal
    reason: str
    changed_at: dt.datetime


def seed_default_tiers(ctx: Ctx) -> None:
    """Create the default tiers for the brand unless it has tiers already."""
    if ctx.session.scalar(select(LoyaltyTier.id).where(LoyaltyTier.brand_id == ctx.brand_id)
                          .limit(1)) is not None:
        return
    assert ctx.brand is not None
    names = DEFAULT_NAMES.get(normalise_locale(ctx.brand.default_locale), DEFAULT_NAMES["en"])
    ctx.session.execute(insert(LoyaltyTier), [
        {"brand_id": ctx.brand_id, "code": code, "name": names[code], "rank": rank,
         "min_value": Decimal(lo), "retain_value": Decimal(keep), "multiplier": Decimal(mult),
         "benefits": None, "created_at": ctx.now()}
        for code, rank, lo, keep, mult in DEFAULT_TIERS])


def list_tiers(ctx: Ctx) -> list[LoyaltyTier]:
    """The brand's tiers, lowest first."""
    return list(ctx.session.scalars(select(LoyaltyTier).where(
        LoyaltyTier.brand_id == ctx.brand_id).order_by(LoyaltyTier.rank)))


def window_start(ctx: Ctx) -> dt.datetime:
    """Start of the rolling window: local midnight ``tier_window_months`` ago."""
    months = programme(ctx).tier_window_months
    start = add_months(ctx.local_today(), -months)
    return dt.datetime.combine(start, dt.time(0), ctx.tz).astimezone(dt.UTC)


def metrics(ctx: Ctx, customer_ids: Sequence[int]) -> dict[int, Decimal]:
    """``{customer_id: rolling spend or points}`` as of ``ctx.now()``."""
    basis = programme(ctx).tier_basis
    column = LoyaltyEntry.base_amount if basis == TierBasis.SPEND else LoyaltyEntry.points
    start, now = window_start(ctx), ctx.now()
    out = {c: Decimal("0.00") for c in customer_ids}
    for chunk in chunks(list(customer_ids)):
        rows = ctx.session.execute(
            select(LoyaltyEntry.customer_id, func.sum(column))
            .where(LoyaltyEntry.brand_id == ctx.brand_id, LoyaltyEntry.customer_id.in_(chunk),
                   LoyaltyEntry.source_kind.in_(SPEND_SOURCES),
                   LoyaltyEntry.kind.in_((EntryKind.EARN.value, EntryKind.REVERSE.value)),
                   LoyaltyEntry.effective_at >= start, LoyaltyEntry.effective_at <= now)
            .group_by(LoyaltyEntry.customer_id))
        for cid, total in rows:
            out[cid] = Decimal(str(total or 0)).quantize(Decimal("0.01"))
    return out


def _target(tiers: list[LoyaltyTier], current: LoyaltyTier | None, metric: Decimal,
            allow_downgrade: bool) -> LoyaltyTier:
    reach = max((t for t in tiers if t.min_value <= metric), key=lambda t: t.rank,
                default=tiers[0])
    if current is None or reach.rank > current.rank:
        return reach
    if allow_downgrade and metric < current.retain_value:
        lower = [t for t in tiers if t.rank < current.rank and t.retain_value <= metric]
        return max(lower, key=lambda t: t.rank, default=tiers[0])
    return current


def current_tiers(ctx: Ctx, customer_ids: Sequence[int]) -> dict[int, int | None]:
    """``{customer_id: tier_id}`` of existing accounts."""
    out: dict[int, int | None] = {}
    for chunk in chunks(list(customer_ids)):
        out.update(ctx.session.execute(
            select(LoyaltyAccount.customer_id, LoyaltyAccount.tier_id).where(
                LoyaltyAccount.brand_id == ctx.brand_id,
                LoyaltyAccount.customer_id.in_(chunk))).all())
    return out


def evaluate(ctx: Ctx, customer_ids: Iterable[int] | None = None, *,
             allow_downgrade: bool, reason: str,
             known: dict[int, int | None] | None = None) -> list[TierChanged]:
    """Re-place customers (all members when ``customer_ids`` is None) in their tiers;
    writes tier history and fires ``crm_loyalty_tier_changed`` once for the batch.

    ``known`` (``{customer_id: tier_id}`` read by the caller, accounts existing) saves
    the batch path a query; without it missing accounts are created first."""
    tiers = list_tiers(ctx)
    if not tiers:
        return []
    by_id = {t.id: t for t in tiers}
    top = tiers[-1].id
    if customer_ids is None:
        ids = list(ctx.session.scalars(select(LoyaltyAccount.customer_id).where(
            LoyaltyAccount.brand_id == ctx.brand_id).order_by(LoyaltyAccount.customer_id)))
    else:
        ids = sorted(set(customer_ids))
        if known is None:
            ensure_accounts(ctx, ids)
    if known is not None and not allow_downgrade:
        ids = [c for c in ids if known.get(c) != top]  # nothing above the top tier
    now = ctx.now()
    changes: list[TierChanged] = []
    for chunk in chunks(ids):
        current = ({c: known.get(c) for c in chunk} if known is not None
                   else current_tiers(ctx, chunk))
        values = metrics(ctx, chunk)
        moves: dict[int, list[int]] = {}
        history = []
        for cid in chunk:
            old = by_id.get(current.get(cid)) if current.get(cid) else None
            new = _target(tiers, old, values[cid], allow_downgrade)
            if old is not None and new.id == old.id:
                continue
            moves.setdefault(new.id, []).append(cid)
            history.append({"brand_id": ctx.brand_id, "customer_id": cid,
                            "old_tier_id": old.id if old else None, "new_tier_id": new.id,
                            "metric": values[cid], "reason": reason, "changed_at": now})
            changes.append(TierChanged(cid, old.code if old else None, new.code, values[cid],
                                       reason, now))
        for tier_id, cids in moves.items():
            ctx.session.execute(update(LoyaltyAccount).where(
                LoyaltyAccount.brand_id == ctx.brand_id, LoyaltyAccount.customer_id.in_(cids))
                .values(tier_id=tier_id, tier_since=now)
                .execution_options(synchronize_session=False))
        if history:
            ctx.session.execute(insert(LoyaltyTierChange), history)
    if changes:
        ctx.hooks.crm_loyalty_tier_changed(ctx=ctx, changes=changes)
    return changes


def _window_start_at(ctx: Ctx, moment: dt.datetime, months: int) -> dt.datetime:
    start = add_months(moment.astimezone(ctx.tz).date(), -months)
    return dt.datetime.combine(start, dt.time(0), ctx.tz).astimezone(dt.UTC)


def multipliers_at(ctx: Ctx, orders: Sequence[OrderPaid]) -> dict[int, Decimal]:
    """``{order_id: multiplier}`` of the tier each customer had reached when the order was
    paid: the rolling metric over the window before the order (the ledger's entries, plus
    earlier orders of the same batch), placed without retention rules. For orders paid
    before the current window (imported history); later ones use the stored tier.

    Set-based for import batches: the database sums each order's window in one query per
    chunk of orders (metrics in integer cents, or points); the batch's own earlier orders
    are added from running sums."""
    tiers = list_tiers(ctx)
    if not tiers or not orders:
        return {}
    settings = programme(ctx)
    months = settings.tier_window_months
    by_points = settings.tier_basis == TierBasis.POINTS
    starts: dict[dt.datetime, dt.datetime] = {}  # window start per hour of payment

    def window_start(paid_at: dt.datetime) -> dt.datetime:
        hour = paid_at.replace(minute=0, second=0, microsecond=0)
        if hour not in starts:
            starts[hour] = _window_start_at(ctx, paid_at, months)
        return starts[hour]

    metric = _ledger_window_sums(ctx, [(o.order_id, o.customer_id, window_start(o.paid_at),
                                        o.paid_at) for o in orders], by_points)
    if not by_points:  # the batch's own earlier orders count as spend before later ones
        batch: dict[int, list[tuple[dt.datetime, int]]] = {}
        for o in orders:
            batch.setdefault(o.customer_id, []).append(
                (o.paid_at, int((o.amount - o.points_amount) * 100)))
        running: dict[int, tuple[list[dt.datetime], list[int]]] = {}
        for cid, items in batch.items():
            items.sort(key=lambda item: item[0])
            sums = [0]
            for _at, amount in items:
                sums.append(sums[-1] + amount)
            running[cid] = ([at for at, _a in items], sums)
        for o in orders:
            times, sums = running[o.customer_id]
            metric[o.order_id] = (metric.get(o.order_id, 0) + sums[bisect_left(times, o.paid_at)]
                                  - sums[bisect_left(times, window_start(o.paid_at))])
    scale = 1 if by_points else 100
    thresholds = sorted(((int(t.min_value * scale), t.multiplier) for t in tiers),
                        reverse=True)
    return {o.order_id: next((m for floor, m in thresholds if floor <= metric.get(o.order_id, 0)),
                             tiers[0].multiplier)
            for o in orders}


def _ledger_window_sums(ctx: Ctx, probes: list[tuple[int, int, dt.datetime, dt.datetime]],
                        by_points: bool) -> dict[int, int]:
    """``{order_id: spend}`` from ``(order_id, customer_id, start, end)``: the customer's
    earned and reversed spend (integer cents, or points) effective in ``[start, end)``.
    The database walks its customer/time index once per probe, so no ledger row travels
    to Python (an import of one-line orders spent a fifth of its time reading them).

    Plain SQL on purpose: SQLAlchemy compiles a ``VALUES`` of thousands of rows anew for
    every chunk, which cost more than reading the rows did."""
    conn = ctx.session.connection()
    dialect = conn.dialect
    to_db = UTCDateTime().bind_processor(dialect) or (lambda value: value)
    mark = "?" if dialect.name == "sqlite" else "%s"
    first = (f"(CAST({mark} AS INTEGER), CAST({mark} AS INTEGER), "
             f"CAST({mark} AS TIMESTAMP WITH TIME ZONE), CAST({mark} AS TIMESTAMP WITH TIME ZONE))"
             if dialect.name == "postgresql" else f"({mark}, {mark}, {mark}, {mark})")
    row = f"({mark}, {mark}, {mark}, {mark})"
    table = LoyaltyEntry.__tablename__
    value = "e.points" if by_points else "CAST(ROUND(e.base_amount * 100) AS BIGINT)"
    sources = ", ".join(f"'{kind}'" for kind in SPEND_SOURCES)  # enum values, not input
    kinds = f"'{EntryKind.EARN.value}', '{EntryKind.REVERSE.value}'"
    out: dict[int, int] = {}
    for chunk in chunks(probes, 2000):
        sql = (f"WITH probe(order_id, customer_id, start_at, end_at) AS "
               f"(VALUES {', '.join([first] + [row] * (len(chunk) - 1))}) "
               f"SELECT probe.order_id, SUM({value}) FROM probe JOIN {table} e "
               f"ON e.brand_id = {mark} AND e.customer_id = probe.customer_id "
               f"AND e.effective_at >= probe.start_at AND e.effective_at < probe.end_at "
               f"AND e.source_kind IN ({sources}) AND e.kind IN ({kinds}) "
               f"GROUP BY probe.order_id")
        params: list[object] = []
        for order_id, customer_id, start, end in chunk:
            params += (order_id, customer_id, to_db(start), to_db(end))
        params.append(ctx.brand_id)
        out.update((order_id, int(total or 0))
                   for order_id, total in conn.exec_driver_sql(sql, tuple(params)))
    return out


def multipliers(ctx: Ctx, tier_ids: dict[int, int | None]) -> dict[int, Decimal]:
    """``{customer_id: multiplier}`` from ``{customer_id: tier_id}`` (1 without a tier)."""
    by_id = {t.id: t.multiplier for t in list_tiers(ctx)}
    return {cid: by_id.get(tid, Decimal("1")) if tid else Decimal("1")
            for cid, tid in tier_ids.items()}
