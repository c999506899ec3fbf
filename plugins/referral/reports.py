"""Read-only views of the programme: rewards listing, the R1 compliance check and the
monthly figures (referral rate, funnel, top referrers, reward cost, lifetime value)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from core.api import (
    N_,
    ComplianceResult,
    Ctx,
    Customer,
    Lead,
    LeadChannel,
    Order,
    OrderStatus,
    Rep,
    Return,
    ValidationFailed,
    _,
    get_setting,
    register_labels,
    row_policy,
)
from plugins.referral.models import (
    Referral,
    ReferralLinkView,
    ReferralReward,
    ReferralStatus,
    RewardSide,
    RewardStatus,
)

STATUS_LABELS = {"pending": N_("Waiting to qualify"), "held": N_("Held for review"),
                 "qualified": N_("Qualified"), "cancelled": N_("Cancelled"),
                 "rejected": N_("Rejected"), "granted": N_("Granted")}
register_labels("referral.status", STATUS_LABELS, _)
register_labels("referral.side", {"referrer": N_("Referrer"),
                                  "referred": N_("Referred customer")}, _)
register_labels("referral.reward_kind", {"points": N_("Points"), "coupon": N_("Coupon"),
                                         "gift": N_("Gift")}, _)

COLUMNS = ("referral", "referrer_ref", "referred_ref", "order_ref", "side", "kind", "value",
           "status", "qualified_at")


@dataclass(frozen=True, slots=True)
class RewardRow:
    """One reward, as listed."""

    referral: int
    referrer_ref: str
    referred_ref: str
    order_ref: str | None
    side: str
    kind: str
    value: Decimal
    status: str
    qualified_at: dt.datetime


def rewards(ctx: Ctx, status: str | None = None) -> list[RewardRow]:
    """Every reward (optionally of one status), newest first."""
    referrer, referred = aliased(Customer), aliased(Customer)
    stmt = (select(Referral.id, referrer.customer_ref, referred.customer_ref, Order.order_ref,
                   ReferralReward.side, ReferralReward.kind, ReferralReward.value,
                   ReferralReward.status, ReferralReward.qualified_at)
            .join(Referral, Referral.id == ReferralReward.referral_id)
            .join(referrer, referrer.id == Referral.referrer_id)
            .join(referred, referred.id == Referral.referred_id)
            .outerjoin(Order, Order.id == Referral.order_id)
            .where(ReferralReward.brand_id == ctx.brand_id)
            .order_by(ReferralReward.qualified_at.desc(), ReferralReward.id.desc()))
    if status:
        stmt = stmt.where(ReferralReward.status == status)
    return [RewardRow(rid, a, b, o, str(side), kind, value, str(st), at)
            for rid, a, b, o, side, kind, value, st, at in ctx.session.execute(stmt)]


def r1_check(ctx: Ctx, start: dt.date, end: dt.date) -> ComplianceResult:
    """R1: rewards of the period went one level deep, to customers, on real paid orders.
    Findings: a reward without a paid qualifying order, or whose referred customer is a
    rep of the brand (bringing in reps earns nothing)."""
    since = dt.datetime.combine(start, dt.time.min, ctx.tz).astimezone(dt.UTC)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, ctx.tz).astimezone(
        dt.UTC)
    referred = aliased(Customer)
    rows = ctx.session.execute(
        select(Referral.id, referred.customer_ref, referred.phone_hash, Order.paid_at,
               Order.status, ReferralReward.side)
        .join(Referral, Referral.id == ReferralReward.referral_id)
        .join(referred, referred.id == Referral.referred_id)
        .outerjoin(Order, Order.id == Referral.order_id)
        .where(ReferralReward.brand_id == ctx.brand_id,
               ReferralReward.qualified_at >= since, ReferralReward.qualified_at < until)).all()
    rep_hashes = set(ctx.session.scalars(select(Rep.phone_hash).where(
        Rep.brand_id == ctx.brand_id, Rep.phone_hash.is_not(None))))
    records = []
    for rid, ref, phone_hash, paid_at, status, side in rows:
        if paid_at is None or str(status) == "cancelled":
            records.append((rid, ref, str(side), _("no paid qualifying order")))
        elif phone_hash and phone_hash in rep_hashes:
            records.append((rid, ref, str(side), _("the referred customer is a rep")))
    qualified = len(rows)
    return ComplianceResult(
        rule_id="R1", status="pass" if not records else "fail",
        title=_("Referral rewards: one level, customers only, on real paid orders"),
        checked=qualified, failed=len(records), columns=(
            _("Referral"), _("Customer"), _("Side"), _("Reason")), records=tuple(records),
        figures=((_("Rewards in the period"), qualified),
                 (_("Referral depth"), 1),
                 (_("Referrals qualified in the period"), ctx.session.scalar(
                     select(func.count()).select_from(Referral).where(
                         Referral.brand_id == ctx.brand_id,
                         Referral.status == ReferralStatus.QUALIFIED.value,
                         Referral.decided_at >= since, Referral.decided_at < until)) or 0)),
        source="直销管理条例 art. 24; 禁止传销条例 art. 7", module="referral")


# -- figures -------------------------------------------------------------------------------

CENT = Decimal("0.01")
KIND_LABELS = {"points": N_("points")}
FUNNEL_LABELS = {"link_views": N_("Links opened"), "leads": N_("Referral leads"),
                 "referrals": N_("Referrals recorded"), "first_orders": N_("First orders paid"),
                 "qualified": N_("Referrals qualified")}


@dataclass(frozen=True, slots=True)
class TopReferrer:
    """A referrer of the period: referrals recorded, qualified, reward value earned."""

    customer_ref: str
    name: str
    referrals: int
    qualified: int
    reward_value: Decimal


@dataclass(frozen=True, slots=True)
class ChannelRow:
    """New customers of the period by acquisition channel, with what rewards cost."""

    channel: str
    new_customers: int
    reward_cost: Decimal
    cost_per_customer: Decimal | None


@dataclass(frozen=True, slots=True)
class Stats:
    """The programme's figures for one month (``referral stats``, dashboard, API).

    - ``referral_rate``: percent of the month's new customers who were referred;
    - ``funnel``: landing pages opened, referral leads, referrals recorded, first orders
      paid, referrals qualified, all in the month;
    - ``reward_value``: both sides' rewards that qualified in the month (rejected ones
      excluded), in the reward's unit (points); ``cost_per_acquired`` divides it by the
      referrals qualified in the month;
    - ``ltv_referred`` / ``ltv_others``: net revenue to the month's end (paid orders less
      refunds) per buying customer, referred customers against the others.
    """

    period: str
    new_customers: int
    referred_new: int
    referral_rate: Decimal | None
    funnel: tuple[tuple[str, int], ...]
    top_referrers: tuple[TopReferrer, ...]
    reward_kind: str
    reward_value: Decimal
    cost_per_acquired: Decimal | None
    channels: tuple[ChannelRow, ...]
    ltv_referred: Decimal | None
    ltv_others: Decimal | None
    buyers_referred: int
    buyers_others: int


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def _ratio(part: Decimal | int, whole: int) -> Decimal | None:
    return (Decimal(part) / whole).quantize(CENT) if whole else None


def month_bounds(ctx: Ctx, period: str) -> tuple[dt.datetime, dt.datetime]:
    """UTC start and end of a ``YYYY-MM`` month in the brand's time; a translated
    ``ValidationFailed`` naming ``period`` when malformed."""
    try:
        year, month = (int(x) for x in period.split("-"))
        first = dt.date(year, month, 1)
    except ValueError:
        raise ValidationFailed({"period": [_("Not a month: write YYYY-MM.")]}) from None
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (dt.datetime.combine(first, dt.time.min, ctx.tz).astimezone(dt.UTC),
            dt.datetime.combine(following, dt.time.min, ctx.tz).astimezone(dt.UTC))


def stats(ctx: Ctx, period: str, top: int = 10, lifetime: bool = True) -> Stats:
    """The month's referral figures (see :class:`Stats`). ``lifetime=False`` leaves out
    the lifetime values, which read every paid order of the brand (the dashboard, shown
    on every visit, does without them; the command and the API ask for them)."""
    start, end = month_bounds(ctx, period)
    brand = ctx.brand_id
    live = Referral.status != ReferralStatus.REJECTED.value

    def count(stmt: Any) -> int:
        return int(ctx.session.scalar(stmt) or 0)

    referred_ids = set(ctx.session.scalars(select(Referral.referred_id).where(
        Referral.brand_id == brand, live)))
    new = ctx.session.execute(select(Customer.id, Customer.source_channel).where(
        Customer.brand_id == brand, Customer.merged_into_id.is_(None),
        Customer.created_at >= start, Customer.created_at < end)).all()
    referred_new = sum(1 for cid, _ch in new if cid in referred_ids)

    in_month = (Referral.brand_id == brand, Referral.referred_at >= start,
                Referral.referred_at < end)
    qualified = count(select(func.count()).select_from(Referral).where(
        Referral.brand_id == brand, Referral.status == ReferralStatus.QUALIFIED.value,
        Referral.decided_at >= start, Referral.decided_at < end))
    funnel = (
        ("link_views", count(select(func.sum(ReferralLinkView.views)).where(
            ReferralLinkView.brand_id == brand,
            ReferralLinkView.day >= start.astimezone(ctx.tz).date(),
            ReferralLinkView.day < end.astimezone(ctx.tz).date()))),
        ("leads", count(select(func.count()).select_from(Lead).where(
            Lead.brand_id == brand, Lead.channel == LeadChannel.REFERRAL.value,
            Lead.created_at >= start, Lead.created_at < end))),
        ("referrals", count(select(func.count()).select_from(Referral).where(*in_month,
                                                                              live))),
        ("first_orders", count(select(func.count()).select_from(Referral).join(
            Order, Order.id == Referral.order_id).where(
            Referral.brand_id == brand, Order.paid_at >= start, Order.paid_at < end))),
        ("qualified", qualified),
    )

    rewarded = (ReferralReward.brand_id == brand,
                ReferralReward.status != RewardStatus.REJECTED.value,
                ReferralReward.qualified_at >= start, ReferralReward.qualified_at < end)
    reward_value = _money(ctx.session.scalar(select(func.sum(ReferralReward.value))
                                             .where(*rewarded)))

    channel_counts: dict[str, int] = {}
    for cid, channel in new:
        key = "referral" if cid in referred_ids else (channel or "unspecified")
        channel_counts[key] = channel_counts.get(key, 0) + 1
    channels = tuple(ChannelRow(ch, n, reward_value if ch == "referral" else Decimal("0.00"),
                                _ratio(reward_value, n) if ch == "referral" else None)
                     for ch, n in sorted(channel_counts.items(), key=lambda kv: (-kv[1], kv[0])))

    ltv_ref, ltv_other, buyers_ref, buyers_other = (
        _lifetime_values(ctx, end, referred_ids) if lifetime else (None, None, 0, 0))
    return Stats(period=period, new_customers=len(new), referred_new=referred_new,
                 referral_rate=_ratio(Decimal(100) * referred_new, len(new)),
                 funnel=funnel, top_referrers=_top_referrers(ctx, start, end, top),
                 reward_kind=str(get_setting(ctx, "referral.reward_kind")),
                 reward_value=reward_value, cost_per_acquired=_ratio(reward_value, qualified),
                 channels=channels, ltv_referred=ltv_ref, ltv_others=ltv_other,
                 buyers_referred=buyers_ref, buyers_others=buyers_other)


def _top_referrers(ctx: Ctx, start: dt.datetime, end: dt.datetime,
                   top: int) -> tuple[TopReferrer, ...]:
    """Referrers by referrals qualified in the month, then by referrals recorded."""
    brand = ctx.brand_id
    recorded = dict(ctx.session.execute(
        select(Referral.referrer_id, func.count()).where(
            Referral.brand_id == brand, Referral.referred_at >= start,
            Referral.referred_at < end,
            Referral.status != ReferralStatus.REJECTED.value)
        .group_by(Referral.referrer_id)).all())
    qualified = dict(ctx.session.execute(
        select(Referral.referrer_id, func.count()).where(
            Referral.brand_id == brand, Referral.status == ReferralStatus.QUALIFIED.value,
            Referral.decided_at >= start, Referral.decided_at < end)
        .group_by(Referral.referrer_id)).all())
    earned = {cid: _money(v) for cid, v in ctx.session.execute(
        select(ReferralReward.customer_id, func.sum(ReferralReward.value)).where(
            ReferralReward.brand_id == brand,
            ReferralReward.side == RewardSide.REFERRER.value,
            ReferralReward.status != RewardStatus.REJECTED.value,
            ReferralReward.qualified_at >= start, ReferralReward.qualified_at < end)
        .group_by(ReferralReward.customer_id))}
    ranked = sorted(set(recorded) | set(qualified),
                    key=lambda cid: (-qualified.get(cid, 0), -recorded.get(cid, 0), cid))
    # A rep sees only their own customers among the referrers (the row policy).
    names = {cid: (ref, name) for cid, ref, name in ctx.session.execute(
        select(Customer.id, Customer.customer_ref, Customer.name).where(
            *row_policy(ctx, Customer), Customer.id.in_(ranked or [0])))}
    ranked = [cid for cid in ranked if cid in names][:top]
    return tuple(TopReferrer(names[cid][0], names[cid][1], recorded.get(cid, 0),
                             qualified.get(cid, 0), earned.get(cid, Decimal("0.00")))
                 for cid in ranked)


def _lifetime_values(ctx: Ctx, end: dt.datetime, referred_ids: set[int]
                     ) -> tuple[Decimal | None, Decimal | None, int, int]:
    """Net revenue per buying customer up to ``end``: referred customers, then the others,
    and how many buyers each average is over."""
    brand = ctx.brand_id
    net: dict[int, Decimal] = {cid: _money(total) for cid, total in ctx.session.execute(
        select(Order.customer_id, func.sum(Order.total_amount)).where(
            Order.brand_id == brand, Order.paid_at.is_not(None), Order.paid_at < end,
            Order.status != OrderStatus.CANCELLED.value)
        .group_by(Order.customer_id))}
    for cid, refunded in ctx.session.execute(
            select(Order.customer_id, func.sum(Return.amount)).join(
                Order, Order.id == Return.order_id).where(
                Return.brand_id == brand, Return.refunded_at.is_not(None),
                Return.refunded_at < end)
            .group_by(Order.customer_id)):
        if cid in net:
            net[cid] -= _money(refunded)
    referred = [v for cid, v in net.items() if cid in referred_ids]
    others = [v for cid, v in net.items() if cid not in referred_ids]
    return (_ratio(sum(referred, Decimal(0)), len(referred)),
            _ratio(sum(others, Decimal(0)), len(others)), len(referred), len(others))
