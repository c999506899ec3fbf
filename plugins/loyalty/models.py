"""Loyalty tables. Every table carries ``brand_id`` and has it in every unique key.

The ledger (``loyalty_entries``) and the lot allocations (``loyalty_allocations``) are
append-only: nothing ever updates or deletes a row; a refund writes a compensating entry.
A customer's balance is the sum of their entries' points.

*Lots*: every positive earn or adjust entry is a lot of points with its own expiry date.
A debit (redeem, expire, negative reverse or adjust) is allocated to lots, soonest-expiring
first, one ``loyalty_allocations`` row per lot it draws from; points handed back (a refunded
redemption) are negative allocations on the lots they came from. So what remains in a lot
is ``lot.points - SUM(allocations.points)``, and the balance equals the sum of what remains.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from core.api import Base, BrandScoped, Money, UTCDateTime, brand_foreign_key


class Ratio(TypeDecorator[Decimal]):
    """A Decimal ratio with four places (tier multipliers); stored as text on SQLite."""

    impl = Numeric(10, 4, asdecimal=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("ratios must be Decimal, not float")
        quantised = Decimal(value).quantize(Decimal("0.0001"))
        return str(quantised) if dialect.name == "sqlite" else quantised

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value)).quantize(Decimal("0.0001"))


class EntryKind(enum.StrEnum):
    """What a ledger entry does to the balance."""

    EARN = "earn"
    REDEEM = "redeem"
    EXPIRE = "expire"
    REVERSE = "reverse"
    ADJUST = "adjust"


class SourceKind(enum.StrEnum):
    """Where an entry comes from; with ``source_ref`` and the kind it is the idempotency key.

    ``refund_points`` / ``cancellation_points`` hand back points that paid (part of) an
    order; ``refund`` / ``cancellation`` take back points earned on it.
    """

    ORDER = "order"
    REFUND = "refund"
    CANCELLATION = "cancellation"
    REFUND_POINTS = "refund_points"
    CANCELLATION_POINTS = "cancellation_points"
    REFERRAL = "referral"
    AWARD = "award"  # points another module gives (crm_award_points), not a referral
    MANUAL = "manual"
    BIRTHDAY = "birthday"
    REWARD = "reward"
    REDEMPTION = "redemption"
    EXPIRY = "expiry"
    MERGE = "merge"


class RewardKind(enum.StrEnum):
    """What a catalogue reward gives."""

    PRODUCT = "product"
    VOUCHER = "voucher"
    SERVICE = "service"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e],
                native_enum=False, length=24)


class LoyaltyTier(BrandScoped, Base):
    """A membership tier. ``min_value`` reaches it, ``retain_value`` keeps it (downgrade
    below), both on the programme's basis (rolling 12-month spend or points)."""

    __tablename__ = "loyalty_tiers"
    __table_args__ = (UniqueConstraint("brand_id", "code"), UniqueConstraint("brand_id", "rank"))

    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    rank: Mapped[int] = mapped_column(Integer)
    min_value: Mapped[Decimal] = mapped_column(Money)
    retain_value: Mapped[Decimal] = mapped_column(Money)
    multiplier: Mapped[Decimal] = mapped_column(Ratio)
    benefits: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class LoyaltyAccount(BrandScoped, Base):
    """A customer's membership: the current tier, and the row locked (``FOR UPDATE``) by
    every debit on PostgreSQL so that concurrent redemptions queue."""

    __tablename__ = "loyalty_accounts"
    __table_args__ = (
        UniqueConstraint("brand_id", "customer_id"),
        brand_foreign_key("customer_id", "customers"),
        brand_foreign_key("tier_id", "loyalty_tiers"),
    )

    customer_id: Mapped[int]
    tier_id: Mapped[int | None]
    tier_since: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class LoyaltyTierChange(BrandScoped, Base):
    """Tier history (append-only): who moved from which tier to which, why and when."""

    __tablename__ = "loyalty_tier_changes"
    __table_args__ = (
        Index("ix_loyalty_tier_changes_brand_customer", "brand_id", "customer_id"),
        brand_foreign_key("customer_id", "customers"),
        brand_foreign_key("old_tier_id", "loyalty_tiers"),
        brand_foreign_key("new_tier_id", "loyalty_tiers"),
    )

    customer_id: Mapped[int]
    old_tier_id: Mapped[int | None]
    new_tier_id: Mapped[int]
    metric: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class LoyaltyEntry(BrandScoped, Base):
    """One append-only ledger line. ``points`` is signed (earn +, redeem/expire -, reverse
    and adjust either way). ``base_amount`` is the money it was computed from (net paid for
    an earn, minus the refunded net for a reverse): the rolling spend for tiers."""

    __tablename__ = "loyalty_entries"
    __table_args__ = (
        UniqueConstraint("brand_id", "source_kind", "source_ref", "kind"),
        Index("ix_loyalty_entries_brand_customer_effective", "brand_id", "customer_id",
              "effective_at"),
        Index("ix_loyalty_entries_brand_order", "brand_id", "order_id"),
        Index("ix_loyalty_entries_brand_expires", "brand_id", "expires_at"),
        brand_foreign_key("customer_id", "customers"),
        brand_foreign_key("order_id", "orders"),
    )

    # No index of its own on brand_id: the indexes above lead with it.
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), primary_key=True,
                                          autoincrement=False, sort_order=-1)
    customer_id: Mapped[int]
    kind: Mapped[EntryKind] = mapped_column(_enum(EntryKind, "loyalty_entry_kind"))
    points: Mapped[int] = mapped_column(Integer)
    source_kind: Mapped[SourceKind] = mapped_column(_enum(SourceKind, "loyalty_source_kind"))
    source_ref: Mapped[str] = mapped_column(String(120))
    order_id: Mapped[int | None]
    base_amount: Mapped[Decimal | None] = mapped_column(Money)
    effective_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Set on lots (positive earn/adjust entries): when what remains of the lot expires.
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class LoyaltyAllocation(BrandScoped, Base):
    """Which lot a debit drew from (positive points) or a hand-back restored (negative)."""

    __tablename__ = "loyalty_allocations"
    __table_args__ = (
        UniqueConstraint("brand_id", "entry_id", "lot_id"),
        Index("ix_loyalty_allocations_brand_lot", "brand_id", "lot_id"),
        brand_foreign_key("entry_id", "loyalty_entries"),
        brand_foreign_key("lot_id", "loyalty_entries"),
    )

    # No index of its own on brand_id: the indexes above lead with it.
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), primary_key=True,
                                          autoincrement=False, sort_order=-1)
    entry_id: Mapped[int]
    lot_id: Mapped[int]
    points: Mapped[int] = mapped_column(Integer)


class LoyaltyReward(BrandScoped, Base):
    """A catalogue reward bought with points. ``stock`` None = unlimited."""

    __tablename__ = "loyalty_rewards"
    __table_args__ = (UniqueConstraint("brand_id", "code"),)

    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[RewardKind] = mapped_column(_enum(RewardKind, "loyalty_reward_kind"))
    points_cost: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class LoyaltyRewardRedemption(BrandScoped, Base):
    """A reward given for points; its ``redemption_ref`` makes a retried request harmless."""

    __tablename__ = "loyalty_reward_redemptions"
    __table_args__ = (
        UniqueConstraint("brand_id", "redemption_ref"),
        brand_foreign_key("reward_id", "loyalty_rewards"),
        brand_foreign_key("customer_id", "customers"),
        brand_foreign_key("entry_id", "loyalty_entries"),
    )

    redemption_ref: Mapped[str] = mapped_column(String(120))
    reward_id: Mapped[int]
    customer_id: Mapped[int] = mapped_column(index=True)
    points: Mapped[int] = mapped_column(Integer)
    entry_id: Mapped[int]
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
