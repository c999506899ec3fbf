"""Loyalty business logic. Every function takes ``ctx``; public operations open and commit
their write transaction, event handlers run inside the core's.

Earning, reversal and hand-backs follow these rules (worked examples in the tests):

- An order earns ``round(net × earn_rate × tier multiplier)`` points, where ``net`` is the
  amount paid with money (the order amount minus ``points_amount``); the lot expires
  ``validity_months`` later.
- A refund takes back earned points in proportion to the money refunded so far:
  ``half_up(earned × refunded_total / order_amount) − taken back already``, so the last
  refund of an order takes back exactly what is left. It never takes back points that
  expired unspent, and never more than the balance (the balance never goes negative).
- Points that paid for an order are handed back the same way (``refunded_total`` over the
  order amount, of the points redeemed), once: each refund's hand-back has its own key.
- Cancelling a paid order takes back all earned points left and hands back all redeemed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select, update

from core.api import (
    N_,
    POINTS_METHOD,
    Ctx,
    Customer,
    DomainError,
    ModuleError,
    NotFound,
    OrderCancelled,
    OrderPaid,
    OrderRefunded,
    PaymentDraft,
    PointsAward,
    Problem,
    ValidationFailed,
    _,
    configure_area,
    get_by_id,
    get_by_ref,
    insert_many,
    load_or_raise,
    register_stored_texts,
)
from plugins.loyalty import ledger, tiers
from plugins.loyalty.ledger import InsufficientPoints, chunks
from plugins.loyalty.models import (
    EntryKind,
    LoyaltyAccount,
    LoyaltyAllocation,
    LoyaltyEntry,
    LoyaltyReward,
    LoyaltyRewardRedemption,
    LoyaltyTier,
    RewardKind,
    SourceKind,
)
from plugins.loyalty.schemas import (
    AdjustSchema,
    RedeemPointsSchema,
    RedeemRewardSchema,
    RewardSchema,
    TierSchema,
)
from plugins.loyalty.settings import (
    SECTION,
    ProgrammeSettings,
    lot_expiry,
    programme,
)

MODULE = "loyalty"
CENT = Decimal("0.01")

# A redemption's ledger reason, written in the language of the request that redeemed.
register_stored_texts((N_("Reward %(code)s: %(name)s"),), _)


def require_enabled(ctx: Ctx) -> None:
    """Refuse direct calls for a brand that has not enabled the module."""
    if MODULE not in ctx.enabled_modules:
        assert ctx.brand is not None
        raise ModuleError(_("The loyalty module is not enabled for brand %(brand)s.",
                            brand=ctx.brand.code))


# -- programme -------------------------------------------------------------------------


def install(ctx: Ctx) -> None:
    """Default tiers (settings need nothing: a value never set is its declared default)."""
    tiers.seed_default_tiers(ctx)


def update_settings(ctx: Ctx, data: Mapping[str, Any]) -> ProgrammeSettings:
    """Change some programme settings; returns the whole programme."""
    require_enabled(ctx)
    configure_area(ctx, SECTION, data)
    return programme(ctx)


def save_tier(ctx: Ctx, data: Mapping[str, Any]) -> LoyaltyTier:
    """Create a tier or change the one with the same ``code``."""
    require_enabled(ctx)
    values = load_or_raise(TierSchema(), data)
    values.setdefault("retain_value", values["min_value"])
    if values.get("multiplier") is None:
        values["multiplier"] = Decimal("1")
    with ctx.write() as session:
        tier = session.scalar(select(LoyaltyTier).where(LoyaltyTier.brand_id == ctx.brand_id,
                                                        LoyaltyTier.code == values["code"]))
        clash = session.scalar(select(LoyaltyTier).where(LoyaltyTier.brand_id == ctx.brand_id,
                                                         LoyaltyTier.rank == values["rank"]))
        if clash is not None and clash is not tier:
            raise ValidationFailed({"rank": [_("Tier %(code)s already has rank %(rank)s.",
                                               code=clash.code, rank=values["rank"])]})
        if tier is None:
            tier = LoyaltyTier(brand_id=ctx.brand_id, created_at=ctx.now(), **values)
            session.add(tier)
        else:
            for key, value in values.items():
                setattr(tier, key, value)
        session.flush()
    return tier


# -- events from the core --------------------------------------------------------------


def on_orders_paid(ctx: Ctx, orders: Sequence[OrderPaid]) -> None:
    """Spend the points that paid for orders, then earn on the money paid (set-based)."""
    if not orders:
        return
    settings = programme(ctx)
    with_points = [o for o in orders if o.points_amount > 0]
    if with_points:
        _redeem_for_orders(ctx, settings, with_points)
    customer_ids = sorted({o.customer_id for o in orders})
    current = ledger.ensure_accounts(ctx, customer_ids)
    multiplier = tiers.multipliers(ctx, current)
    # An order paid before the current tier window (imported history) earns with the tier
    # its customer had then, not today's.
    start = tiers.window_start(ctx)
    historical = tiers.multipliers_at(ctx, [o for o in orders if o.paid_at < start])
    rows = []
    now, brand_id, user, tz = ctx.now(), ctx.brand_id, ctx.user, ctx.tz
    expiries: dict[dt.date, dt.datetime | None] = {}  # one computation per local day
    for o in orders:
        net = o.amount - o.points_amount
        if net <= 0:
            continue
        rate = historical.get(o.order_id, multiplier[o.customer_id])
        points = settings.round_points(net * settings.earn_rate * rate)
        if points <= 0:
            continue
        day = o.paid_at.astimezone(tz).date()
        if day not in expiries:
            expiries[day] = lot_expiry(ctx, settings, o.paid_at)
        rows.append({"brand_id": brand_id, "customer_id": o.customer_id,
                     "kind": EntryKind.EARN.value, "points": points,
                     "source_kind": SourceKind.ORDER.value, "source_ref": o.order_ref,
                     "order_id": o.order_id, "base_amount": net, "effective_at": o.paid_at,
                     "expires_at": expiries[day], "reason": None,
                     "created_by": user, "created_at": now})
    insert_many(ctx, LoyaltyEntry.__table__, rows, ignore_conflicts=True)
    # Only an order paid inside the rolling tier window moves a customer's tier metric
    # (an import of years of history mostly brings older ones); the nightly tier job
    # re-places everyone as the window slides.
    moved = sorted({o.customer_id for o in orders if start <= o.paid_at <= now})
    tiers.evaluate(ctx, moved, allow_downgrade=False, reason="paid_order", known=current)


def payment_problems(ctx: Ctx, payment: PaymentDraft) -> list[Problem]:
    """Why the points share of a payment cannot be spent: below the minimum
    redemption, or more than the customer can spend at the payment's time."""
    money = payment.amount_by(POINTS_METHOD)
    if money <= 0:
        return []
    if not payment.settles:
        # Points are spent when the order becomes paid (crm_order_paid): a deposit in
        # points would hold nothing back, and could be spent twice meanwhile.
        return [Problem(code="loyalty.points_on_deposit", field="payments", message=_(
            "Points can pay only the payment that completes the order: pay the deposit "
            "another way and use points on the balance."))]
    settings = programme(ctx)
    points = settings.points_for_money(money)
    if points < settings.min_redemption:
        return [Problem(code="loyalty.min_redemption", field="payments", message=_(
            "Paying %(amount)s with points needs %(points)s points, below the minimum "
            "redemption of %(minimum)s.", amount=money, points=points,
            minimum=settings.min_redemption))]
    available = ledger.spendable(ctx, payment.customer_id, payment.paid_at)
    if points > available:
        return [Problem(code="loyalty.insufficient_points", field="payments", message=_(
            "Paying %(amount)s with points needs %(points)s points; the customer can "
            "spend %(available)s.", amount=money, points=points, available=available))]
    return []


def _redeem_for_orders(ctx: Ctx, settings: ProgrammeSettings, orders: Sequence[OrderPaid]
                       ) -> None:
    ledger.lock_accounts(ctx, {o.customer_id for o in orders})
    for o in sorted(orders, key=lambda o: o.paid_at):
        at_payment = ctx.at(o.paid_at)  # the points spendable when the order was paid
        ledger.expire_due(at_payment, [o.customer_id])
        points = settings.points_for_money(o.points_amount)
        if points < settings.min_redemption:
            raise ValidationFailed({"payments": [_(
                "Paying %(amount)s with points needs %(points)s points, below the minimum "
                "redemption of %(minimum)s.", amount=o.points_amount, points=points,
                minimum=settings.min_redemption)]})
        try:
            ledger.debit(at_payment, customer_id=o.customer_id, points=points,
                         kind=EntryKind.REDEEM,
                         source_kind=SourceKind.ORDER, source_ref=o.order_ref,
                         effective_at=o.paid_at, order_id=o.order_id,
                         base_amount=o.points_amount)
        except InsufficientPoints as exc:
            raise InsufficientPoints(_("Order %(ref)s: %(message)s", ref=o.order_ref,
                                       message=exc.message)) from None


@dataclass
class _OrderPoints:
    customer_id: int
    earn_id: int | None = None
    earned: int = 0
    net: Decimal = Decimal("0.00")
    expired: int = 0
    taken_back: int = 0
    base_taken_back: Decimal = Decimal("0.00")
    redeem_id: int | None = None
    redeemed: int = 0
    handed_back: int = 0


def _order_points(ctx: Ctx, order_ids: Sequence[int]) -> dict[int, _OrderPoints]:
    """What the ledger holds for each order: earned, redeemed, taken and handed back."""
    out: dict[int, _OrderPoints] = {}
    for chunk in chunks(sorted(set(order_ids))):
        rows = ctx.session.execute(select(
            LoyaltyEntry.id, LoyaltyEntry.order_id, LoyaltyEntry.customer_id, LoyaltyEntry.kind,
            LoyaltyEntry.source_kind, LoyaltyEntry.points, LoyaltyEntry.base_amount).where(
            LoyaltyEntry.brand_id == ctx.brand_id, LoyaltyEntry.order_id.in_(chunk)))
        for r in rows:
            op = out.setdefault(r.order_id, _OrderPoints(r.customer_id))
            if r.kind == EntryKind.EARN and r.source_kind == SourceKind.ORDER:
                op.earn_id, op.earned, op.net = r.id, r.points, r.base_amount or Decimal("0")
            elif r.kind == EntryKind.REDEEM and r.source_kind == SourceKind.ORDER:
                op.redeem_id, op.redeemed = r.id, -r.points
            elif r.kind == EntryKind.REVERSE and r.source_kind in (SourceKind.REFUND,
                                                                   SourceKind.CANCELLATION):
                op.taken_back += -r.points
                op.base_taken_back += -(r.base_amount or Decimal("0"))
            elif r.kind == EntryKind.REVERSE:
                op.handed_back += r.points
    earn_ids = {op.earn_id: op for op in out.values() if op.earn_id}
    for chunk in chunks(sorted(earn_ids)):
        for lot_id, expired in ctx.session.execute(
                select(LoyaltyAllocation.lot_id, func.sum(LoyaltyAllocation.points))
                .join(LoyaltyEntry, LoyaltyEntry.id == LoyaltyAllocation.entry_id)
                .where(LoyaltyAllocation.brand_id == ctx.brand_id,
                       LoyaltyAllocation.lot_id.in_(chunk),
                       LoyaltyEntry.kind == EntryKind.EXPIRE.value)
                .group_by(LoyaltyAllocation.lot_id)):
            earn_ids[lot_id].expired = int(expired or 0)
    return out


def _share(points: int, part: Decimal, whole: Decimal) -> int:
    """``points × part / whole`` rounded half up, never above ``points``."""
    if whole <= 0:
        return points
    return min(points, int((points * part / whole).quantize(Decimal("1"),
                                                             rounding=ROUND_HALF_UP)))


def _settle(ctx: Ctx, op: _OrderPoints, fraction: tuple[Decimal, Decimal], *,
            take_kind: SourceKind, give_kind: SourceKind, ref: str, order_id: int,
            at: dt.datetime) -> None:
    """Take back earned and hand back redeemed points up to ``fraction`` of the order."""
    part, whole = fraction
    if op.earn_id is not None:
        target = min(_share(op.earned, part, whole), op.earned - op.expired)
        take = target - op.taken_back
        base = (op.net * part / whole).quantize(CENT) if whole > 0 else op.net
        base = min(base, op.net) - op.base_taken_back
        written = None
        if take > 0:
            written = ledger.debit(ctx, customer_id=op.customer_id, points=take,
                                   kind=EntryKind.REVERSE, source_kind=take_kind,
                                   source_ref=ref, effective_at=at, order_id=order_id,
                                   base_amount=-base, prefer_lots=[op.earn_id],
                                   allow_partial=True)
        if (written is None and base > 0
                and ledger.entry_id(ctx, take_kind, ref, EntryKind.REVERSE) is None):
            # Nothing (left) to take back, but the refunded spend still leaves the tier metric.
            ledger.add_entry(ctx, customer_id=op.customer_id, kind=EntryKind.REVERSE, points=0,
                             source_kind=take_kind, source_ref=ref, effective_at=at,
                             order_id=order_id, base_amount=-base)
    if op.redeem_id is not None:
        give = _share(op.redeemed, part, whole) - op.handed_back
        if give > 0:
            ledger.hand_back(ctx, customer_id=op.customer_id, from_entry=op.redeem_id,
                             points=give, source_kind=give_kind, source_ref=ref,
                             effective_at=at, order_id=order_id)


def on_orders_refunded(ctx: Ctx, refunds: Sequence[OrderRefunded]) -> None:
    """Take back earned points and hand back redeemed points, pro rata to money refunded."""
    if not refunds:
        return
    known = _order_points(ctx, [r.order_id for r in refunds])
    refunds = [r for r in refunds if r.order_id in known]
    if not refunds:
        return
    customers = {r.customer_id for r in refunds}
    ledger.lock_accounts(ctx, customers)
    for r in sorted(refunds, key=lambda r: (r.refunded_at, r.return_id)):
        # The ledger as it was at the refund's time: a refund dated 1997 takes back points
        # that expire in 1998, whenever it is imported.
        at_refund = ctx.at(r.refunded_at)
        ledger.expire_due(at_refund, [r.customer_id])
        op = _order_points(ctx, [r.order_id])[r.order_id]
        op.customer_id = r.customer_id  # after a merge, the survivor holds the points
        _settle(at_refund, op, (r.refunded_total or r.amount, r.order_amount),
                take_kind=SourceKind.REFUND, give_kind=SourceKind.REFUND_POINTS,
                ref=r.return_ref, order_id=r.order_id, at=r.refunded_at)


def on_orders_cancelled(ctx: Ctx, orders: Sequence[OrderCancelled]) -> None:
    """A cancelled paid order gives back everything: earned points and redeemed points."""
    paid = [o for o in orders if o.was_paid]
    if not paid:
        return
    known = _order_points(ctx, [o.order_id for o in paid])
    paid = [o for o in paid if o.order_id in known]
    if not paid:
        return
    customers = {o.customer_id for o in paid}
    ledger.lock_accounts(ctx, customers)
    ledger.expire_due(ctx, customers)
    known = _order_points(ctx, [o.order_id for o in paid])
    for o in paid:
        known[o.order_id].customer_id = o.customer_id
        _settle(ctx, known[o.order_id], (Decimal(1), Decimal(1)),
                take_kind=SourceKind.CANCELLATION, give_kind=SourceKind.CANCELLATION_POINTS,
                ref=o.order_ref, order_id=o.order_id, at=o.cancelled_at)


def on_customers_merged(ctx: Ctx, survivor_id: int, merged_ids: Sequence[int]) -> int:
    """Move the merged records' unexpired points to the survivor, lot by lot, so each
    moved lot keeps its expiry: an ``adjust`` out of the merged record (drawing that lot
    empty) and an ``adjust`` lot into the survivor. Returns the points moved."""
    ids = sorted(set(merged_ids) - {survivor_id})
    if not ids or not ledger.open_lots(ctx, ids):
        return 0
    ledger.lock_accounts(ctx, [*ids, survivor_id])
    ledger.expire_due(ctx, ids)
    now = ctx.now()
    moved = 0
    for lot in ledger.open_lots(ctx, ids):
        if ledger.entry_id(ctx, SourceKind.MERGE, f"out:{lot.id}", EntryKind.ADJUST):
            continue
        reason = _("Customer records merged")
        out = ledger.add_entry(ctx, customer_id=lot.customer_id, kind=EntryKind.ADJUST,
                               points=-lot.remaining, source_kind=SourceKind.MERGE,
                               source_ref=f"out:{lot.id}", effective_at=now, reason=reason)
        ledger.add_allocations(ctx, out, [(lot.id, lot.remaining)])
        ledger.add_entry(ctx, customer_id=survivor_id, kind=EntryKind.ADJUST,
                         points=lot.remaining, source_kind=SourceKind.MERGE,
                         source_ref=f"in:{lot.id}", effective_at=now,
                         expires_at=lot.expires_at, reason=reason)
        moved += lot.remaining
    tiers.evaluate(ctx, [survivor_id], allow_downgrade=False, reason="merge")
    return moved


# -- operations by users ---------------------------------------------------------------


def adjust(ctx: Ctx, data: Mapping[str, Any]) -> LoyaltyEntry:
    """A manual adjustment by ``ctx.user`` with a reason. Positive points form a new lot
    (valid for the programme's validity); negative ones are spent like a redemption."""
    require_enabled(ctx)
    values = load_or_raise(AdjustSchema(), data)
    ref = values.get("adjustment_ref") or uuid.uuid4().hex
    with ctx.write():
        customer = get_by_ref(ctx, Customer, values["customer_ref"])
        existing = ledger.entry_id(ctx, SourceKind.MANUAL, ref, EntryKind.ADJUST)
        if existing is None:
            ledger.lock_accounts(ctx, [customer.id])
            ledger.expire_due(ctx, [customer.id])
            points = values["points"]
            if points > 0:
                existing = ledger.add_entry(
                    ctx, customer_id=customer.id, kind=EntryKind.ADJUST, points=points,
                    source_kind=SourceKind.MANUAL, source_ref=ref, effective_at=ctx.now(),
                    expires_at=lot_expiry(ctx, programme(ctx), ctx.now()),
                    reason=values["reason"])
            else:
                existing = ledger.debit(
                    ctx, customer_id=customer.id, points=-points, kind=EntryKind.ADJUST,
                    source_kind=SourceKind.MANUAL, source_ref=ref, reason=values["reason"])
        entry = ctx.session.get(LoyaltyEntry, existing)
    assert entry is not None
    return entry


def award(ctx: Ctx, customer_id: int, points: int, source_kind: SourceKind, source_ref: str,
          reason: str | None = None, effective_at: dt.datetime | None = None) -> int | None:
    """Give earned points from another channel (referral bridge, birthday); idempotent on
    ``(source_kind, source_ref)``. Returns the entry id, or None if given before."""
    if points <= 0:
        raise ValidationFailed({"points": [_("Must be greater than zero.")]})
    at = effective_at or ctx.now()
    with ctx.write():
        get_by_id(ctx, Customer, customer_id)
        if ledger.entry_id(ctx, source_kind, source_ref, EntryKind.EARN) is not None:
            return None
        ledger.ensure_accounts(ctx, [customer_id])
        return ledger.add_entry(ctx, customer_id=customer_id, kind=EntryKind.EARN,
                                points=points, source_kind=source_kind, source_ref=source_ref,
                                effective_at=at, expires_at=lot_expiry(ctx, programme(ctx), at),
                                reason=reason)


def award_points(ctx: Ctx, awards: Sequence[PointsAward]) -> list[str]:
    """Credit other modules' awards (``crm_award_points``), each once: the referral module's
    under the ``referral`` source, any other under ``award`` with its source in the key."""
    require_enabled(ctx)
    done = []
    for a in awards:
        kind = SourceKind.REFERRAL if a.source == "referral" else SourceKind.AWARD
        ref = a.source_ref if kind is SourceKind.REFERRAL else f"{a.source}:{a.source_ref}"
        award(ctx, a.customer_id, a.points, kind, ref, a.reason or None, a.effective_at)
        done.append(a.source_ref)
    return done


def redeem_points(ctx: Ctx, data: Mapping[str, Any]) -> LoyaltyEntry:
    """Spend points (soonest-expiring first). A retried ``redemption_ref`` returns the first
    redemption; too few points raise :class:`InsufficientPoints`, nothing written."""
    require_enabled(ctx)
    values = load_or_raise(RedeemPointsSchema(), data)
    settings = programme(ctx)
    if values["points"] < settings.min_redemption:
        raise ValidationFailed({"points": [_("The minimum redemption is %(minimum)s points.",
                                             minimum=settings.min_redemption)]})
    with ctx.write():
        customer = get_by_ref(ctx, Customer, values["customer_ref"])
        ledger.lock_accounts(ctx, [customer.id])
        existing = ledger.entry_id(ctx, SourceKind.REDEMPTION, values["redemption_ref"],
                                   EntryKind.REDEEM)
        if existing is None:
            ledger.expire_due(ctx, [customer.id])
            existing = ledger.debit(ctx, customer_id=customer.id, points=values["points"],
                                    kind=EntryKind.REDEEM, source_kind=SourceKind.REDEMPTION,
                                    source_ref=values["redemption_ref"],
                                    reason=values.get("reason"))
        entry = ctx.session.get(LoyaltyEntry, existing)
    assert entry is not None
    return entry


def save_reward(ctx: Ctx, data: Mapping[str, Any]) -> LoyaltyReward:
    """Add a reward to the catalogue, or change the one with the same code."""
    require_enabled(ctx)
    values = load_or_raise(RewardSchema(), data)
    values["kind"] = RewardKind(values["kind"])
    with ctx.write() as session:
        reward = session.scalar(select(LoyaltyReward).where(
            LoyaltyReward.brand_id == ctx.brand_id, LoyaltyReward.code == values["code"]))
        if reward is None:
            reward = LoyaltyReward(brand_id=ctx.brand_id, created_at=ctx.now(), **values)
            session.add(reward)
        else:
            for key, value in values.items():
                setattr(reward, key, value)
        session.flush()
    return reward


def list_rewards(ctx: Ctx, active_only: bool = False) -> list[LoyaltyReward]:
    """The brand's catalogue, by code."""
    stmt = select(LoyaltyReward).where(LoyaltyReward.brand_id == ctx.brand_id)
    if active_only:
        stmt = stmt.where(LoyaltyReward.active.is_(True))
    return list(ctx.session.scalars(stmt.order_by(LoyaltyReward.code)))


def redeem_reward(ctx: Ctx, data: Mapping[str, Any]) -> LoyaltyRewardRedemption:
    """Give a customer a catalogue reward for its points cost (stock permitting)."""
    require_enabled(ctx)
    values = load_or_raise(RedeemRewardSchema(), data)
    with ctx.write() as session:
        done = session.scalar(select(LoyaltyRewardRedemption).where(
            LoyaltyRewardRedemption.brand_id == ctx.brand_id,
            LoyaltyRewardRedemption.redemption_ref == values["redemption_ref"]))
        if done is not None:
            return done
        customer = get_by_ref(ctx, Customer, values["customer_ref"])
        reward = session.scalar(select(LoyaltyReward).where(
            LoyaltyReward.brand_id == ctx.brand_id, LoyaltyReward.code == values["reward_code"]))
        if reward is None or not reward.active:
            raise NotFound(_("No active reward with code %(code)s.", code=values["reward_code"]))
        ledger.lock_accounts(ctx, [customer.id])
        if reward.stock is not None:
            taken = session.execute(update(LoyaltyReward).where(
                LoyaltyReward.id == reward.id, LoyaltyReward.stock > 0)
                .values(stock=LoyaltyReward.stock - 1)
                .execution_options(synchronize_session=False)).rowcount
            if not taken:
                raise DomainError(_("Reward %(code)s is out of stock.", code=reward.code),
                                  code="out_of_stock")
        ledger.expire_due(ctx, [customer.id])
        entry = ledger.debit(ctx, customer_id=customer.id, points=reward.points_cost,
                             kind=EntryKind.REDEEM, source_kind=SourceKind.REWARD,
                             source_ref=values["redemption_ref"],
                             reason=_("Reward %(code)s: %(name)s", code=reward.code,
                                      name=reward.name))
        assert entry is not None
        row = LoyaltyRewardRedemption(brand_id=ctx.brand_id, reward_id=reward.id,
                                      redemption_ref=values["redemption_ref"],
                                      customer_id=customer.id, points=reward.points_cost,
                                      entry_id=entry, created_by=ctx.user, created_at=ctx.now())
        session.add(row)
        session.flush()
    return row


# -- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """A customer's loyalty at a glance (profile section, API)."""

    balance: int
    spendable: int
    tier_code: str | None
    tier_name: str | None
    expiring_soon: int
    expiring_by: dt.datetime
    entries: list[LoyaltyEntry]


def summary(ctx: Ctx, customer_id: int, last: int = 10) -> Summary:
    """Balance, tier, points expiring within ``reminder_days``, and the last entries."""
    settings = programme(ctx)
    now = ctx.now()
    horizon = now + dt.timedelta(days=settings.reminder_days)
    lots = ledger.open_lots(ctx, [customer_id])
    live = [lot for lot in lots if lot.expires_at is None or lot.expires_at > now]
    tier = ctx.session.execute(
        select(LoyaltyTier.code, LoyaltyTier.name)
        .join(LoyaltyAccount, LoyaltyAccount.tier_id == LoyaltyTier.id)
        .where(LoyaltyAccount.brand_id == ctx.brand_id,
               LoyaltyAccount.customer_id == customer_id)).first()
    entries = list(ctx.session.scalars(
        select(LoyaltyEntry).where(LoyaltyEntry.brand_id == ctx.brand_id,
                                   LoyaltyEntry.customer_id == customer_id)
        .order_by(LoyaltyEntry.effective_at.desc(), LoyaltyEntry.id.desc()).limit(last)))
    return Summary(
        balance=ledger.balances(ctx, [customer_id])[customer_id],
        spendable=sum(lot.remaining for lot in live),
        tier_code=tier.code if tier else None, tier_name=tier.name if tier else None,
        expiring_soon=sum(lot.remaining for lot in live
                          if lot.expires_at is not None and lot.expires_at <= horizon),
        expiring_by=horizon, entries=entries)


def ledger_entries(ctx: Ctx, customer_ref: str, limit: int = 100, offset: int = 0
                   ) -> list[LoyaltyEntry]:
    """A customer's ledger, newest first (the customer must be visible to ``ctx``)."""
    customer = get_by_ref(ctx, Customer, customer_ref)
    return list(ctx.session.scalars(
        select(LoyaltyEntry).where(LoyaltyEntry.brand_id == ctx.brand_id,
                                   LoyaltyEntry.customer_id == customer.id)
        .order_by(LoyaltyEntry.effective_at.desc(), LoyaltyEntry.id.desc())
        .limit(limit).offset(offset)))
