"""The append-only points ledger: accounts, locks, lots, debits and hand-backs.

Every function here runs inside the caller's write transaction (``ctx.write()``) and only
ever INSERTs into ``loyalty_entries`` and ``loyalty_allocations``.

Concurrency: a debit first locks the customer's account row. On PostgreSQL that is
``SELECT ... FOR UPDATE`` (a concurrent debit of the same customer waits, then reads the
lots as they are after the first one committed: READ COMMITTED takes a fresh snapshot per
statement). On SQLite ``FOR UPDATE`` is not emitted, and needs not be: ``ctx.write()``
starts with ``BEGIN IMMEDIATE``, so writers are already serialised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, insert, select

from core.api import (
    Ctx,
    DomainError,
    _,
    chunks,
    insert_many,
    insert_returning_ids,
)
from plugins.loyalty.models import (
    EntryKind,
    LoyaltyAccount,
    LoyaltyAllocation,
    LoyaltyEntry,
    LoyaltyTier,
    SourceKind,
)

LOT_KINDS = (EntryKind.EARN.value, EntryKind.ADJUST.value)


class InsufficientPoints(DomainError):
    """A debit asked for more points than the customer can spend."""

    code = "insufficient_points"


@dataclass(frozen=True)
class Lot:
    """What remains of one earned lot."""

    id: int
    customer_id: int
    remaining: int
    expires_at: dt.datetime | None
    order_id: int | None


def insert_ignore(ctx: Ctx, model: type[Any]) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` for the session's database."""
    if ctx.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(model).on_conflict_do_nothing()


# -- accounts ----------------------------------------------------------------------------


def base_tier_id(ctx: Ctx) -> int | None:
    """The lowest tier of the brand (new members start there)."""
    return ctx.session.scalar(select(LoyaltyTier.id).where(LoyaltyTier.brand_id == ctx.brand_id)
                              .order_by(LoyaltyTier.rank).limit(1))


def ensure_accounts(ctx: Ctx, customer_ids: Iterable[int]) -> dict[int, int | None]:
    """Create the missing accounts (in the base tier), set-based and race-free; returns
    ``{customer_id: tier_id}`` of every one of the customers' accounts."""
    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    tier_id = base_tier_id(ctx)
    now = ctx.now()
    tiers: dict[int, int | None] = {}
    for chunk in chunks(ids):
        tiers.update(ctx.session.execute(
            select(LoyaltyAccount.customer_id, LoyaltyAccount.tier_id).where(
                LoyaltyAccount.brand_id == ctx.brand_id,
                LoyaltyAccount.customer_id.in_(chunk))).all())
        missing = [c for c in chunk if c not in tiers]
        # a concurrent writer may create one first: it starts in the base tier too
        insert_many(ctx, LoyaltyAccount.__table__, [
            {"brand_id": ctx.brand_id, "customer_id": c, "tier_id": tier_id,
             "tier_since": now, "created_at": now} for c in missing], ignore_conflicts=True)
        tiers.update(dict.fromkeys(missing, tier_id))
    return tiers


def lock_accounts(ctx: Ctx, customer_ids: Iterable[int]) -> None:
    """Create and lock the customers' accounts, in customer order (no deadlocks)."""
    ids = sorted(set(customer_ids))
    ensure_accounts(ctx, ids)
    for chunk in chunks(ids):
        ctx.session.execute(select(LoyaltyAccount.id).where(
            LoyaltyAccount.brand_id == ctx.brand_id, LoyaltyAccount.customer_id.in_(chunk))
            .order_by(LoyaltyAccount.customer_id).with_for_update()).all()


# -- reading ---------------------------------------------------------------------------


def balances(ctx: Ctx, customer_ids: Iterable[int]) -> dict[int, int]:
    """``{customer_id: sum of entry points}`` (0 for customers without entries)."""
    ids = sorted(set(customer_ids))
    out = dict.fromkeys(ids, 0)
    for chunk in chunks(ids):
        for cid, total in ctx.session.execute(
                select(LoyaltyEntry.customer_id, func.sum(LoyaltyEntry.points))
                .where(LoyaltyEntry.brand_id == ctx.brand_id,
                       LoyaltyEntry.customer_id.in_(chunk))
                .group_by(LoyaltyEntry.customer_id)):
            out[cid] = int(total or 0)
    return out


def open_lots(ctx: Ctx, customer_ids: Iterable[int] | None = None,
              expired_by: dt.datetime | None = None,
              lot_ids: Iterable[int] | None = None) -> list[Lot]:
    """Lots with points remaining, soonest-expiring first (never-expiring last).

    ``expired_by`` keeps only lots expiring at or before that time (the expiry job);
    ``customer_ids`` / ``lot_ids`` narrow the search.
    """
    used = (select(LoyaltyAllocation.lot_id, func.sum(LoyaltyAllocation.points).label("used"))
            .where(LoyaltyAllocation.brand_id == ctx.brand_id)
            .group_by(LoyaltyAllocation.lot_id).subquery())
    remaining = (LoyaltyEntry.points - func.coalesce(used.c.used, 0)).label("remaining")
    stmt = (select(LoyaltyEntry.id, LoyaltyEntry.customer_id, remaining,
                   LoyaltyEntry.expires_at, LoyaltyEntry.order_id)
            .outerjoin(used, used.c.lot_id == LoyaltyEntry.id)
            .where(LoyaltyEntry.brand_id == ctx.brand_id, LoyaltyEntry.points > 0,
                   LoyaltyEntry.kind.in_(LOT_KINDS), remaining > 0))
    if expired_by is not None:
        stmt = stmt.where(LoyaltyEntry.expires_at.is_not(None),
                          LoyaltyEntry.expires_at <= expired_by)
    filters: list[tuple[Any, list[int]]] = []
    if customer_ids is not None:
        filters.append((LoyaltyEntry.customer_id, sorted(set(customer_ids))))
    if lot_ids is not None:
        filters.append((LoyaltyEntry.id, sorted(set(lot_ids))))
    rows: list[Any] = []
    if filters:
        column, values = filters[0]
        for chunk in chunks(values):
            s = stmt.where(column.in_(chunk))
            for col, vals in filters[1:]:
                s = s.where(col.in_(vals))
            rows.extend(ctx.session.execute(s))
    else:
        rows = list(ctx.session.execute(stmt))
    lots = [Lot(r.id, r.customer_id, int(r.remaining), r.expires_at, r.order_id) for r in rows]
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(lots, key=lambda lot: (lot.expires_at or far, lot.id))


def spendable(ctx: Ctx, customer_id: int, at: dt.datetime | None = None) -> int:
    """Points the customer can spend at ``at``: what remains in lots not yet expired."""
    at = at or ctx.now()
    return sum(lot.remaining for lot in open_lots(ctx, [customer_id])
               if lot.expires_at is None or lot.expires_at > at)


def entry_id(ctx: Ctx, source_kind: SourceKind, source_ref: str, kind: EntryKind) -> int | None:
    """The entry with this idempotency key, if it was written already."""
    return ctx.session.scalar(select(LoyaltyEntry.id).where(
        LoyaltyEntry.brand_id == ctx.brand_id, LoyaltyEntry.source_kind == source_kind,
        LoyaltyEntry.source_ref == source_ref, LoyaltyEntry.kind == kind))


# -- writing ---------------------------------------------------------------------------


def add_entry(ctx: Ctx, *, customer_id: int, kind: EntryKind, points: int,
              source_kind: SourceKind, source_ref: str, effective_at: dt.datetime,
              expires_at: dt.datetime | None = None, order_id: int | None = None,
              base_amount: Decimal | None = None, reason: str | None = None) -> int:
    """Append one entry and return its id (the caller checked the key is new)."""
    return ctx.session.execute(insert(LoyaltyEntry).values(
        brand_id=ctx.brand_id, customer_id=customer_id, kind=kind.value, points=points,
        source_kind=source_kind.value, source_ref=source_ref, effective_at=effective_at,
        expires_at=expires_at, order_id=order_id, base_amount=base_amount, reason=reason,
        created_by=ctx.user, created_at=ctx.now()).returning(LoyaltyEntry.id)).scalar_one()


def add_allocations(ctx: Ctx, entry: int, parts: Sequence[tuple[int, int]]) -> None:
    """Record which lots an entry drew from (``(lot_id, points)``, negative = restored)."""
    if parts:
        ctx.session.execute(insert(LoyaltyAllocation), [
            {"brand_id": ctx.brand_id, "entry_id": entry, "lot_id": lot, "points": pts}
            for lot, pts in parts])


def debit(ctx: Ctx, *, customer_id: int, points: int, kind: EntryKind,
          source_kind: SourceKind, source_ref: str, effective_at: dt.datetime | None = None,
          order_id: int | None = None, base_amount: Decimal | None = None,
          reason: str | None = None, prefer_lots: Sequence[int] = (),
          allow_partial: bool = False) -> int | None:
    """Take ``points`` from the customer's unexpired lots, soonest-expiring first.

    ``prefer_lots`` are drawn first (a refund takes back the order's own lot first).
    Without ``allow_partial`` a shortfall raises :class:`InsufficientPoints`; with it, the
    debit takes what there is (a reversal never drives the balance below zero).
    Returns the new entry id, or None when the key exists (a retried event) or nothing
    could be taken. The caller holds the account lock (:func:`lock_accounts`).
    """
    if entry_id(ctx, source_kind, source_ref, kind) is not None:
        return None
    now = effective_at or ctx.now()
    lots = [lot for lot in open_lots(ctx, [customer_id])
            if lot.expires_at is None or lot.expires_at > ctx.now()]
    preferred = set(prefer_lots)
    lots.sort(key=lambda lot: lot.id not in preferred)  # stable: keeps expiry order
    available = sum(lot.remaining for lot in lots)
    if available < points and not allow_partial:
        raise InsufficientPoints(_("Not enough points: %(needed)s needed, %(available)s "
                                   "available.", needed=points, available=available))
    take = min(points, available)
    if take <= 0:
        return None
    parts: list[tuple[int, int]] = []
    left = take
    for lot in lots:
        if left == 0:
            break
        part = min(left, lot.remaining)
        parts.append((lot.id, part))
        left -= part
    new_id = add_entry(ctx, customer_id=customer_id, kind=kind, points=-take,
                       source_kind=source_kind, source_ref=source_ref, effective_at=now,
                       order_id=order_id, base_amount=base_amount, reason=reason)
    add_allocations(ctx, new_id, parts)
    return new_id


def hand_back(ctx: Ctx, *, customer_id: int, from_entry: int, points: int,
              source_kind: SourceKind, source_ref: str, effective_at: dt.datetime,
              order_id: int | None = None, reason: str | None = None) -> int | None:
    """Give back up to ``points`` that debit ``from_entry`` took, into the lots it took
    them from (latest-expiring first), never more than it took and has not given back.

    The restored points keep their lot's expiry: points that would have expired meanwhile
    are expired by the next expiry run, as if they had never been spent.
    """
    assert order_id is not None, "hand-backs are of order payments"
    if entry_id(ctx, source_kind, source_ref, EntryKind.REVERSE) is not None:
        return None
    taken = dict(ctx.session.execute(
        select(LoyaltyAllocation.lot_id, LoyaltyAllocation.points).where(
            LoyaltyAllocation.brand_id == ctx.brand_id, LoyaltyAllocation.entry_id == from_entry)
        ).all())
    if not taken:
        return None
    restored = dict(ctx.session.execute(
        select(LoyaltyAllocation.lot_id, func.sum(LoyaltyAllocation.points))
        .join(LoyaltyEntry, and_(LoyaltyEntry.id == LoyaltyAllocation.entry_id,
                                 LoyaltyEntry.brand_id == LoyaltyAllocation.brand_id))
        .where(LoyaltyAllocation.brand_id == ctx.brand_id,
               LoyaltyAllocation.lot_id.in_(list(taken)), LoyaltyAllocation.points < 0,
               LoyaltyEntry.order_id == order_id, LoyaltyEntry.kind == EntryKind.REVERSE.value)
        .group_by(LoyaltyAllocation.lot_id)).all())
    expiries = dict(ctx.session.execute(select(LoyaltyEntry.id, LoyaltyEntry.expires_at).where(
        LoyaltyEntry.id.in_(list(taken)))).all())
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    order = sorted(taken, key=lambda lot: (expiries[lot] or far, lot), reverse=True)
    parts: list[tuple[int, int]] = []
    left = points
    for lot in order:
        room = taken[lot] + int(restored.get(lot) or 0)
        part = min(left, room)
        if part > 0:
            parts.append((lot, -part))
            left -= part
    give = points - left
    if give <= 0:
        return None
    new_id = add_entry(ctx, customer_id=customer_id, kind=EntryKind.REVERSE, points=give,
                       source_kind=source_kind, source_ref=source_ref, effective_at=effective_at,
                       order_id=order_id, reason=reason)
    add_allocations(ctx, new_id, parts)
    return new_id


def expire_due(ctx: Ctx, customer_ids: Iterable[int] | None = None) -> int:
    """Expire what remains of every lot whose expiry has passed; returns points expired.

    Idempotent: a lot with nothing left is skipped; each expiry of a lot has its own key
    ``<lot id>:<n>`` (a lot expires again only if a refunded redemption restored points
    into it after it had expired). The expire entry is dated at the lot's expiry time,
    so balances "as of" a date stay right whenever the job runs.
    """
    now = ctx.now()
    due = open_lots(ctx, customer_ids, expired_by=now)
    if not due:
        return 0
    lock_accounts(ctx, {lot.customer_id for lot in due})
    due = open_lots(ctx, customer_ids, expired_by=now, lot_ids=[lot.id for lot in due])
    total = 0
    for chunk in chunks(due):
        counts = dict(ctx.session.execute(
            select(LoyaltyAllocation.lot_id, func.count())
            .join(LoyaltyEntry, LoyaltyEntry.id == LoyaltyAllocation.entry_id)
            .where(LoyaltyAllocation.brand_id == ctx.brand_id,
                   LoyaltyAllocation.lot_id.in_([lot.id for lot in chunk]),
                   LoyaltyEntry.kind == EntryKind.EXPIRE.value)
            .group_by(LoyaltyAllocation.lot_id)).all())
        # A lot restored after its expiry expires again at the restoring time, not before.
        restored_at = dict(ctx.session.execute(
            select(LoyaltyAllocation.lot_id, func.max(LoyaltyEntry.effective_at))
            .join(LoyaltyEntry, LoyaltyEntry.id == LoyaltyAllocation.entry_id)
            .where(LoyaltyAllocation.brand_id == ctx.brand_id,
                   LoyaltyAllocation.lot_id.in_([lot.id for lot in chunk]),
                   LoyaltyAllocation.points < 0)
            .group_by(LoyaltyAllocation.lot_id)).all())
        rows = [{"brand_id": ctx.brand_id, "customer_id": lot.customer_id,
                 "kind": EntryKind.EXPIRE.value, "points": -lot.remaining,
                 "source_kind": SourceKind.EXPIRY.value,
                 "source_ref": f"{lot.id}:{counts.get(lot.id, 0) + 1}",
                 "effective_at": max(lot.expires_at, restored_at.get(lot.id, lot.expires_at)),
                 "expires_at": None, "order_id": lot.order_id, "base_amount": None,
                 "reason": None, "created_by": ctx.user, "created_at": now} for lot in chunk]
        ids = insert_returning_ids(ctx, LoyaltyEntry.__table__, rows, audit_details={
            "kind": EntryKind.EXPIRE.value, "points": sum(lot.remaining for lot in chunk)})
        insert_many(ctx, LoyaltyAllocation.__table__, [
            {"brand_id": ctx.brand_id, "entry_id": new_id, "lot_id": lot.id,
             "points": lot.remaining} for new_id, lot in zip(ids, chunk, strict=True)])
        total += sum(lot.remaining for lot in chunk)
    return total

