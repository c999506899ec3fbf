"""The daily programme job: pending referrals qualify or are cancelled, rewards are
computed and granted. Idempotent: a second run on the same day changes nothing.

- A pending referral waits for the referred customer's first paid order of at least
  ``referral.min_first_order`` within ``referral.attribution_days`` of the referral;
  without one in time it is cancelled.
- With that order it qualifies once ``referral.return_days`` have passed since the order
  was paid, unless the order was cancelled or refunded in full before (then cancelled); a
  partial refund does not stop it.
- On qualifying, the referrer's reward is the tier value for the number of referrals the
  referrer has qualified in that calendar year, this one included; past
  ``referral.monthly_cap`` in the month the referrer's reward is held for review. The new
  customer gets ``referral.welcome_reward``.
- Points are given through ``crm_award_points`` (the loyalty module), each reward once.
  A coupon (``referral.reward_kind = coupon``: the reward's value in money) or a gift
  (``gift``: one unit of ``referral.gift_sku``) is issued as a code the customer spends
  once on a later order before ``referral.coupon_days`` pass (``plugins.referral.coupons``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from core.api import (
    N_,
    Ctx,
    Order,
    OrderStatus,
    PointsAward,
    Return,
    _,
    get_setting,
    insert_ignore,
    mark_advocate,
    register_stored_texts,
)
from plugins.referral import coupons
from plugins.referral.models import (
    Referral,
    ReferralReward,
    ReferralStatus,
    RewardSide,
    RewardStatus,
)
from plugins.referral.settings import parse_tiers

# The reasons a job writes on a referral it cancels (in the language of its run): shown in
# the reader's language.
register_stored_texts((
    N_("no qualifying first order within the attribution window"),
    N_("the first order was cancelled or refunded within the return window"),
), _)


@dataclass
class Run:
    """What one run did."""

    linked: int = 0
    qualified: int = 0
    cancelled: int = 0
    rewards: int = 0
    granted: int = 0


def tier_value(tiers: list[tuple[int, int]], nth: int) -> int:
    """The referrer's reward for their ``nth`` qualified referral of the year."""
    return next(value for start, value in reversed(tiers) if nth >= start)


def run(ctx: Ctx) -> Run:
    """Advance every pending referral, then grant what is due."""
    result = Run()
    with ctx.write():
        pending = ctx.session.scalars(select(Referral).where(
            Referral.brand_id == ctx.brand_id,
            Referral.status == ReferralStatus.PENDING.value).order_by(Referral.id)).all()
        for referral in pending:
            _advance(ctx, referral, result)
        result.granted = grant(ctx)
    return result


def _first_order(ctx: Ctx, referral: Referral) -> Order | None:
    window = referral.referred_at + dt.timedelta(
        days=int(get_setting(ctx, "referral.attribution_days")))
    minimum = Decimal(str(get_setting(ctx, "referral.min_first_order")))
    return ctx.session.scalar(
        select(Order).where(Order.brand_id == ctx.brand_id,
                            Order.customer_id == referral.referred_id,
                            Order.ordered_at >= referral.referred_at,
                            Order.ordered_at <= window, Order.paid_at.is_not(None),
                            Order.total_amount >= minimum)
        .order_by(Order.ordered_at, Order.id).limit(1))


def _refunded(ctx: Ctx, order_id: int) -> Decimal:
    total = ctx.session.scalar(select(func.sum(Return.amount)).where(
        Return.brand_id == ctx.brand_id, Return.order_id == order_id,
        Return.refunded_at.is_not(None)))
    return Decimal(str(total or 0))


def _advance(ctx: Ctx, referral: Referral, result: Run) -> None:
    now = ctx.now()
    if referral.order_id is None:
        order = _first_order(ctx, referral)
        if order is None:
            window_end = referral.referred_at + dt.timedelta(
                days=int(get_setting(ctx, "referral.attribution_days")))
            if now > window_end:
                _decide(ctx, referral, ReferralStatus.CANCELLED,
                        _("no qualifying first order within the attribution window"))
                result.cancelled += 1
            return
        referral.order_id = order.id
        due = _qualifies_at(ctx, order)
        referral.qualifies_on = due.astimezone(ctx.tz).date()
        result.linked += 1
    order = ctx.session.get(Order, referral.order_id)
    assert order is not None
    if order.status is OrderStatus.CANCELLED or _refunded(ctx, order.id) >= order.total_amount:
        _decide(ctx, referral, ReferralStatus.CANCELLED,
                _("the first order was cancelled or refunded within the return window"))
        result.cancelled += 1
        return
    if now >= _qualifies_at(ctx, order):
        _decide(ctx, referral, ReferralStatus.QUALIFIED, None)
        result.qualified += 1
        result.rewards += _rewards(ctx, referral)
        # Lifecycle: a customer whose referral bought (and kept the order) is an advocate.
        mark_advocate(ctx, referral.referrer_id)


def _qualifies_at(ctx: Ctx, order: Order) -> dt.datetime:
    paid = order.paid_at or order.ordered_at
    return paid + dt.timedelta(days=int(get_setting(ctx, "referral.return_days")))


def _decide(ctx: Ctx, referral: Referral, status: ReferralStatus, reason: str | None) -> None:
    referral.status = status
    referral.decided_at = ctx.now()
    referral.decision_reason = reason
    ctx.session.flush()


def _rewards(ctx: Ctx, referral: Referral) -> int:
    """Write both sides' rewards of a referral that just qualified."""
    now = ctx.now()
    local = now.astimezone(ctx.tz)
    year_start = dt.datetime(local.year, 1, 1, tzinfo=ctx.tz).astimezone(dt.UTC)
    month_start = dt.datetime(local.year, local.month, 1, tzinfo=ctx.tz).astimezone(dt.UTC)

    def qualified_since(start: dt.datetime) -> int:
        return ctx.session.scalar(select(func.count()).select_from(Referral).where(
            Referral.brand_id == ctx.brand_id, Referral.referrer_id == referral.referrer_id,
            Referral.status == ReferralStatus.QUALIFIED.value,
            Referral.decided_at >= start)) or 0

    nth = qualified_since(year_start)  # this referral included (flushed above)
    value = tier_value(parse_tiers(get_setting(ctx, "referral.referrer_tiers")), nth)
    over_cap = qualified_since(month_start) > int(get_setting(ctx, "referral.monthly_cap"))
    kind = str(get_setting(ctx, "referral.reward_kind"))
    gift = coupons.gift_product(ctx) if kind == "gift" else None
    if kind == "gift":  # a gift's worth is its product's price, whatever the tier says
        value = gift.list_price if gift is not None else Decimal("0.00")
    rows = [{"brand_id": ctx.brand_id, "referral_id": referral.id,
             "customer_id": referral.referrer_id, "side": RewardSide.REFERRER.value,
             "kind": kind, "value": Decimal(value),
             "status": (RewardStatus.HELD if over_cap else RewardStatus.QUALIFIED).value,
             "qualified_at": now, "granted_at": None,
             "note": "monthly cap" if over_cap else f"referral {nth} of {local.year}"}]
    welcome = Decimal(int(get_setting(ctx, "referral.welcome_reward")))
    if welcome > 0:
        if kind == "gift":
            welcome = gift.list_price if gift is not None else Decimal("0.00")
        rows.append({"brand_id": ctx.brand_id, "referral_id": referral.id,
                     "customer_id": referral.referred_id, "side": RewardSide.REFERRED.value,
                     "kind": kind, "value": welcome,
                     "status": RewardStatus.QUALIFIED.value, "qualified_at": now,
                     "granted_at": None, "note": None})
    return insert_ignore(ctx, ReferralReward.__table__, rows,
                         ("brand_id", "referral_id", "side"))


def grant(ctx: Ctx) -> int:
    """Give every qualified reward: points through ``crm_award_points`` (a reward the
    loyalty module does not take, not enabled for the brand, stays qualified), coupons and
    gifts as codes (a gift without a product on sale stays qualified)."""
    granted = 0
    for reward in ctx.session.scalars(select(ReferralReward).where(
            ReferralReward.brand_id == ctx.brand_id,
            ReferralReward.status == RewardStatus.QUALIFIED.value,
            ReferralReward.kind.in_(("coupon", "gift"))).order_by(ReferralReward.id)):
        coupon = coupons.issue(ctx, reward)
        if coupon is not None:
            reward.status, reward.granted_at = RewardStatus.GRANTED, ctx.now()
            reward.note = coupon.code
            granted += 1
    ctx.session.flush()
    due = list(ctx.session.scalars(select(ReferralReward).where(
        ReferralReward.brand_id == ctx.brand_id,
        ReferralReward.status == RewardStatus.QUALIFIED.value,
        ReferralReward.kind == "points").order_by(ReferralReward.id)))
    if not due:
        return granted
    awards = [PointsAward(customer_id=r.customer_id, points=int(r.value), source="referral",
                          source_ref=f"{r.referral_id}:{r.side.value}",
                          reason=(_("Referral reward") if r.side is RewardSide.REFERRER
                                  else _("Welcome reward of a referred customer")),
                          effective_at=r.qualified_at) for r in due]
    credited = {key for answer in ctx.hooks.crm_award_points(ctx=ctx, awards=awards)
                for key in (answer or ())}
    for reward in due:
        if f"{reward.referral_id}:{reward.side.value}" in credited:
            reward.status, reward.granted_at = RewardStatus.GRANTED, ctx.now()
            granted += 1
    ctx.session.flush()
    return granted
