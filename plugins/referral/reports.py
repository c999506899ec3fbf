"""Read-only views of the programme: rewards listing and the R1 compliance check."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from core.api import ComplianceResult, Ctx, Customer, Order, Rep, _
from plugins.referral.models import Referral, ReferralReward, ReferralStatus

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
