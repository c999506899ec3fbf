"""Lead tables: the lead, the contacts logged against it and every owner move."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.crypto import EncryptedText
from core.db import Base, BrandScoped, UTCDateTime, brand_foreign_key
from core.models import _enum


class LeadChannel(enum.StrEnum):
    REFERRAL = "referral"
    EVENT = "event"
    ADS = "ads"
    SOCIAL = "social"
    PURCHASED_LIST = "purchased_list"
    PARTNER = "partner"


class LeadStatus(enum.StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    CONVERTED = "converted"
    LOST = "lost"
    POOL = "pool"


#: Statuses of a lead someone is still working on (it can be recycled to the pool).
OPEN_LEAD_STATUSES = (LeadStatus.NEW.value, LeadStatus.CONTACTED.value)


class Lead(BrandScoped, Base):
    """A prospective customer. ``rep_id`` is None while the lead sits in the pool (公海)."""

    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("brand_id", "lead_ref"),
        Index("ix_leads_brand_status_rep", "brand_id", "status", "rep_id"),
        brand_foreign_key("rep_id", "reps"),
        brand_foreign_key("referrer_customer_id", "customers"),
        brand_foreign_key("customer_id", "customers"),
    )

    lead_ref: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    province: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[LeadChannel] = mapped_column(_enum(LeadChannel, "lead_channel"))
    score: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[LeadStatus] = mapped_column(_enum(LeadStatus, "lead_status"),
                                               default=LeadStatus.NEW)
    rep_id: Mapped[int | None] = mapped_column(index=True)
    referrer_customer_id: Mapped[int | None]
    # The customer this lead became (linked on creation from the lead or by phone match).
    customer_id: Mapped[int | None] = mapped_column(index=True)
    contacts_count: Mapped[int] = mapped_column(Integer, default=0)
    assigned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    first_contacted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_contacted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    converted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    pooled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class LeadContact(BrandScoped, Base):
    """One contact made with a lead (3 to 5 usually precede a first purchase)."""

    __tablename__ = "lead_contacts"
    __table_args__ = (
        brand_foreign_key("lead_id", "leads"),
        brand_foreign_key("rep_id", "reps"),
    )

    lead_id: Mapped[int] = mapped_column(index=True)
    rep_id: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    summary: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))


class LeadAssignment(BrandScoped, Base):
    """Every move of a lead between owners (append-only). ``to_rep_id`` None = the pool."""

    __tablename__ = "lead_assignments"
    __table_args__ = (
        brand_foreign_key("lead_id", "leads"),
        brand_foreign_key("from_rep_id", "reps"),
        brand_foreign_key("to_rep_id", "reps"),
    )

    lead_id: Mapped[int] = mapped_column(index=True)
    from_rep_id: Mapped[int | None]
    to_rep_id: Mapped[int | None]
    # referral, score, territory, round_robin, manual, pool, offboarding, merge
    strategy: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(200))
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    assigned_by: Mapped[str] = mapped_column(String(120))
