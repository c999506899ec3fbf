"""Referral tables; every one carries ``brand_id``, in every unique key too.

A customer is referred at most once (unique ``referred_id``); a reward is unique per
referral and side, so re-running the job or re-importing grants nothing twice.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import Date, Enum, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import Base, BrandScoped, Money, UTCDateTime, brand_foreign_key


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, values_callable=lambda c: [m.value for m in c],
                native_enum=False, length=24)


class ReferralStatus(enum.StrEnum):
    """Where a referral stands."""

    PENDING = "pending"        # waiting for the first paid order, then the return window
    HELD = "held"              # waiting for a manager's review (circular, burst)
    QUALIFIED = "qualified"    # the first order stayed paid past the return window
    CANCELLED = "cancelled"    # no qualifying order in time, or it was refunded/cancelled
    REJECTED = "rejected"      # a manager rejected it


class RewardSide(enum.StrEnum):
    REFERRER = "referrer"
    REFERRED = "referred"


class RewardStatus(enum.StrEnum):
    HELD = "held"              # beyond the monthly cap: waits for review
    QUALIFIED = "qualified"    # due, not given yet (e.g. loyalty not enabled)
    GRANTED = "granted"
    REJECTED = "rejected"


class ReferralCode(BrandScoped, Base):
    """A customer's referral code (short, unambiguous characters, unique in the brand)."""

    __tablename__ = "referral_codes"
    __table_args__ = (
        UniqueConstraint("brand_id", "code"),
        UniqueConstraint("brand_id", "customer_id"),
        brand_foreign_key("customer_id", "customers"),
    )

    customer_id: Mapped[int]
    code: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Referral(BrandScoped, Base):
    """One customer brought by another."""

    __tablename__ = "referrals"
    __table_args__ = (
        UniqueConstraint("brand_id", "referred_id"),
        Index("ix_referrals_referrer", "brand_id", "referrer_id", "referred_at"),
        brand_foreign_key("referrer_id", "customers"),
        brand_foreign_key("referred_id", "customers"),
        brand_foreign_key("order_id", "orders"),
    )

    referrer_id: Mapped[int]
    referred_id: Mapped[int]
    referred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(16))  # link, cli, api, import
    status: Mapped[ReferralStatus] = mapped_column(_enum(ReferralStatus, "referral_status"))
    hold_reason: Mapped[str | None] = mapped_column(String(200))
    order_id: Mapped[int | None]
    qualifies_on: Mapped[dt.date | None] = mapped_column(Date)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ReferralReward(BrandScoped, Base):
    """A reward of one side of a qualified referral."""

    __tablename__ = "referral_rewards"
    __table_args__ = (
        UniqueConstraint("brand_id", "referral_id", "side"),
        brand_foreign_key("referral_id", "referrals"),
        brand_foreign_key("customer_id", "customers"),
    )

    referral_id: Mapped[int] = mapped_column(index=True)
    customer_id: Mapped[int]
    side: Mapped[RewardSide] = mapped_column(_enum(RewardSide, "referral_reward_side"))
    kind: Mapped[str] = mapped_column(String(16))  # points
    value: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[RewardStatus] = mapped_column(_enum(RewardStatus, "referral_reward_status"))
    qualified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    granted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(String(200))


class ReferralLinkView(BrandScoped, Base):
    """How often a code's landing page was opened on a brand-local day (the top of the
    funnel). Anonymous traffic counts: no person, no address."""

    __tablename__ = "referral_link_views"
    __table_args__ = (
        UniqueConstraint("brand_id", "code_id", "day"),
        brand_foreign_key("code_id", "referral_codes"),
    )

    code_id: Mapped[int]
    day: Mapped[dt.date] = mapped_column(Date)
    views: Mapped[int] = mapped_column(Integer, default=0)


class CouponKind(enum.StrEnum):
    """What a coupon pays for: an amount off a later order, or one unit of a product."""

    COUPON = "coupon"
    GIFT = "gift"


class ReferralCoupon(BrandScoped, Base):
    """A coupon (or gift) granted as a referral reward: spent once, as a payment of a
    later order of its customer (method ``coupon``, reference = the code), before it
    expires. A gift pays one unit of its product, which the order must contain."""

    __tablename__ = "referral_coupons"
    __table_args__ = (
        UniqueConstraint("brand_id", "code"),
        UniqueConstraint("brand_id", "reward_id"),
        brand_foreign_key("reward_id", "referral_rewards"),
        brand_foreign_key("customer_id", "customers"),
    )

    reward_id: Mapped[int]
    customer_id: Mapped[int] = mapped_column(index=True)
    code: Mapped[str] = mapped_column(String(16))
    kind: Mapped[CouponKind] = mapped_column(_enum(CouponKind, "referral_coupon_kind"))
    value: Mapped[Decimal] = mapped_column(Money)
    sku: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ReferralCouponUse(BrandScoped, Base):
    """The order a coupon was spent on; one per coupon (the unique key is the guard
    against two orders spending it at once)."""

    __tablename__ = "referral_coupon_uses"
    __table_args__ = (
        UniqueConstraint("brand_id", "coupon_id"),
        brand_foreign_key("coupon_id", "referral_coupons"),
        brand_foreign_key("order_id", "orders"),
    )

    coupon_id: Mapped[int]
    order_id: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Money)
    used_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
