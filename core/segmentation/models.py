"""Stored segments: the current segment per customer and scheme, and the history of moves."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, BrandScoped, UTCDateTime, brand_foreign_key


class CustomerSegment(BrandScoped, Base):
    """A customer's current segment in one scheme, as of the last stored computation."""

    __tablename__ = "customer_segments"
    __table_args__ = (
        UniqueConstraint("brand_id", "scheme", "customer_id"),
        Index("ix_customer_segments_brand_scheme_segment", "brand_id", "scheme", "segment"),
        brand_foreign_key("customer_id", "customers"),
    )

    customer_id: Mapped[int] = mapped_column(index=True)
    scheme: Mapped[str] = mapped_column(String(16))
    segment: Mapped[str] = mapped_column(String(16))
    as_of: Mapped[dt.date] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CustomerSegmentChange(BrandScoped, Base):
    """One move of a customer between segments (append-only; ``old_segment`` is None the
    first time the customer is classified in the scheme)."""

    __tablename__ = "customer_segment_changes"
    __table_args__ = (
        Index("ix_customer_segment_changes_brand_scheme_as_of", "brand_id", "scheme", "as_of"),
        brand_foreign_key("customer_id", "customers"),
    )

    customer_id: Mapped[int] = mapped_column(index=True)
    scheme: Mapped[str] = mapped_column(String(16))
    old_segment: Mapped[str | None] = mapped_column(String(16))
    new_segment: Mapped[str] = mapped_column(String(16))
    as_of: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(120))
