"""Coupons and gifts given as referral rewards, and spending them.

A coupon is worth its reward's value in the brand's money; a gift is one unit of the
product ``referral.gift_sku``. Either is issued as a code (8 unambiguous characters,
unique in the brand) when its reward is granted, valid for ``referral.coupon_days``.

It is spent as a **payment** of a later order of the same customer: method ``coupon``,
``reference`` the code, an amount up to the coupon's value (a gift: up to the price of one
unit of its product on that order, which must contain the product). The payment rules of
the core apply as to any payment (the amounts add up to the total); this module refuses,
with the payment's field named, an unknown, expired, spent or someone else's code. A code
is spent once: the use is written with the order (a unique key per coupon stops two
orders spending it at the same moment). A coupon spent on an order that is later
cancelled or refunded is not given back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import and_, func, select

from core.api import (
    Ctx,
    Customer,
    OrderLine,
    OrderPaid,
    PayItem,
    Payment,
    PaymentDraft,
    Problem,
    Product,
    Rep,
    _,
    chunks,
    get_setting,
)
from plugins.referral.models import (
    CouponKind,
    ReferralCoupon,
    ReferralCouponUse,
    ReferralReward,
)

METHOD = "coupon"
COUPON_CODE_LENGTH = 8


def gift_product(ctx: Ctx) -> Product | None:
    """The brand's gift product (``referral.gift_sku``), or None when unset or unknown."""
    sku = str(get_setting(ctx, "referral.gift_sku") or "").strip()
    if not sku:
        return None
    return ctx.session.scalar(select(Product).where(Product.brand_id == ctx.brand_id,
                                                    Product.sku == sku))


def issue(ctx: Ctx, reward: ReferralReward) -> ReferralCoupon | None:
    """The coupon of a granted coupon or gift reward (made once per reward); None for a
    gift while the brand has no gift product."""
    existing = ctx.session.scalar(select(ReferralCoupon).where(
        ReferralCoupon.brand_id == ctx.brand_id, ReferralCoupon.reward_id == reward.id))
    if existing is not None:
        return existing
    sku = None
    if reward.kind == CouponKind.GIFT.value:
        product = gift_product(ctx)
        if product is None:
            reward.note = "gift product not set"
            return None
        sku = product.sku
        reward.value = product.list_price  # a gift is worth its product when it is issued
    from plugins.referral.services import unique_code

    now = ctx.now()
    coupon = ReferralCoupon(
        brand_id=ctx.brand_id, reward_id=reward.id, customer_id=reward.customer_id,
        code=unique_code(ctx, ReferralCoupon, COUPON_CODE_LENGTH), kind=CouponKind(reward.kind),
        value=reward.value, sku=sku, created_at=now,
        expires_at=now + dt.timedelta(days=int(get_setting(ctx, "referral.coupon_days"))))
    ctx.session.add(coupon)
    ctx.session.flush()
    return coupon


def payment_problems(ctx: Ctx, payment: PaymentDraft) -> list[Problem]:
    """Why the coupon payments of an order cannot be accepted (each names its field)."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, line in enumerate(payment.payments):
        if line.method != METHOD:
            continue
        field = f"payments.{i}.reference"
        if not payment.settles:
            # A coupon is used when the order becomes paid (crm_order_paid): on a deposit
            # it would be held by nothing and could be spent elsewhere meanwhile.
            problems.append(Problem("coupon", _(
                "A coupon can pay only the payment that completes the order: use it on "
                "the balance, not on a deposit."), f"payments.{i}.method"))
            continue
        code = (line.reference or "").strip().upper()
        coupon = ctx.session.scalar(select(ReferralCoupon).where(
            ReferralCoupon.brand_id == ctx.brand_id, ReferralCoupon.code == code)) \
            if code else None
        if coupon is None or coupon.customer_id != payment.customer_id:
            # Someone else's code is "unknown" too: saying whose it is would leak it.
            problems.append(Problem("coupon", _("No coupon %(code)s for this customer.",
                                                code=code or "-"), field))
            continue
        if code in seen or _spent(ctx, coupon.id):
            problems.append(Problem("coupon", _("Coupon %(code)s has already been used.",
                                                code=code), field))
        elif payment.paid_at < coupon.created_at:
            problems.append(Problem("coupon", _(
                "Coupon %(code)s was issued on %(date)s, after this order.", code=code,
                date=coupon.created_at.astimezone(ctx.tz).date().isoformat()), field))
        elif payment.paid_at >= coupon.expires_at:
            problems.append(Problem("coupon", _(
                "Coupon %(code)s expired on %(date)s.", code=code,
                date=coupon.expires_at.astimezone(ctx.tz).date().isoformat()), field))
        else:
            worth = _worth(ctx, coupon, payment.order_id)
            if worth is None:
                problems.append(Problem("coupon", _(
                    "Gift %(code)s is for %(sku)s, which this order does not contain.",
                    code=code, sku=coupon.sku), field))
            elif line.amount > worth:
                problems.append(Problem("coupon", _(
                    "Coupon %(code)s is worth %(value)s on this order; %(amount)s is too "
                    "much.", code=code, value=worth, amount=line.amount),
                    f"payments.{i}.amount"))
        seen.add(code)
    return problems


def _spent(ctx: Ctx, coupon_id: int) -> bool:
    return ctx.session.scalar(select(ReferralCouponUse.id).where(
        ReferralCouponUse.brand_id == ctx.brand_id,
        ReferralCouponUse.coupon_id == coupon_id)) is not None


def _worth(ctx: Ctx, coupon: ReferralCoupon, order_id: int) -> Decimal | None:
    """What the coupon can pay of this order: its value, or for a gift the price of one
    unit of its product on the order (None when the order lacks it)."""
    if coupon.kind is not CouponKind.GIFT:
        return coupon.value
    price = ctx.session.scalar(
        select(func.min(OrderLine.unit_price)).join(
            Product, and_(Product.id == OrderLine.product_id,
                          Product.brand_id == OrderLine.brand_id))
        .where(OrderLine.brand_id == ctx.brand_id, OrderLine.order_id == order_id,
               Product.sku == coupon.sku))
    return Decimal(str(price)) if price is not None else None


def record_uses(ctx: Ctx, orders: Sequence[OrderPaid]) -> int:
    """Write the use of every coupon paid with on these orders (the payments were checked
    by :func:`payment_problems` in the same transaction)."""
    paid = [row for chunk in chunks([o.order_id for o in orders])
            for row in ctx.session.execute(select(
                Payment.order_id, Payment.reference, Payment.amount, Payment.paid_at).where(
                Payment.brand_id == ctx.brand_id, Payment.method == METHOD,
                Payment.order_id.in_(chunk)))]
    written = 0
    for order_id, reference, amount, paid_at in paid:
        coupon_id = ctx.session.scalar(select(ReferralCoupon.id).where(
            ReferralCoupon.brand_id == ctx.brand_id,
            ReferralCoupon.code == (reference or "").strip().upper()))
        if coupon_id is None:
            continue
        ctx.session.add(ReferralCouponUse(brand_id=ctx.brand_id, coupon_id=coupon_id,
                                          order_id=order_id, amount=amount, used_at=paid_at))
        written += 1
    ctx.session.flush()  # a second use of the same coupon fails here, before the commit
    return written


def customer_coupons(ctx: Ctx, customer_id: int) -> list[tuple[ReferralCoupon, bool]]:
    """A customer's coupons, newest first, each with whether it has been spent."""
    rows = ctx.session.execute(
        select(ReferralCoupon, ReferralCouponUse.id.is_not(None))
        .outerjoin(ReferralCouponUse, and_(ReferralCouponUse.coupon_id == ReferralCoupon.id,
                                           ReferralCouponUse.brand_id == ReferralCoupon.brand_id))
        .where(ReferralCoupon.brand_id == ctx.brand_id,
               ReferralCoupon.customer_id == customer_id)
        .order_by(ReferralCoupon.created_at.desc(), ReferralCoupon.id.desc())).all()
    return [(coupon, bool(used)) for coupon, used in rows]


def rep_pay_items(ctx: Ctx, start: dt.date, end: dt.date, period: str) -> list[PayItem]:
    """Coupons and gifts issued in the period to customers who are reps of the brand
    (same phone lookup hash), at their value: rep pay for DS7 and R1. Points rewards are
    counted by the loyalty module with its points."""
    since = dt.datetime.combine(start, dt.time.min, ctx.tz).astimezone(dt.UTC)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, ctx.tz).astimezone(
        dt.UTC)
    rows = ctx.session.execute(
        select(Rep.id, func.sum(ReferralCoupon.value))
        .join(Customer, and_(Customer.id == ReferralCoupon.customer_id,
                             Customer.brand_id == ReferralCoupon.brand_id))
        .join(Rep, and_(Rep.brand_id == Customer.brand_id, Rep.phone_hash == Customer.phone_hash))
        .where(ReferralCoupon.brand_id == ctx.brand_id, Customer.phone_hash.is_not(None),
               ReferralCoupon.created_at >= since, ReferralCoupon.created_at < until)
        .group_by(Rep.id).order_by(Rep.id)).all()
    return [PayItem(rep_id=rep_id, period=period, kind="referral_coupon",
                    amount=Decimal(str(total)).quantize(Decimal("0.01")), source="referral",
                    inputs=("own_purchases", "referral"))
            for rep_id, total in rows if total]
