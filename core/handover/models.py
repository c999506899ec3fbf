"""Handover records: who moved which customers, tasks and leads from whom to whom."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, BrandScoped, UTCDateTime, brand_foreign_key


class Handover(BrandScoped, Base):
    """One handover: a rep's offboarding (``kind`` offboarding) or a manager's manual move
    of customers (``kind`` manual). The items say what went where."""

    __tablename__ = "handovers"
    __table_args__ = (
        brand_foreign_key("from_rep_id", "reps"),
    )

    kind: Mapped[str] = mapped_column(String(20))
    from_rep_id: Mapped[int | None] = mapped_column(index=True)
    effective_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    customers_moved: Mapped[int] = mapped_column(Integer, default=0)
    tasks_moved: Mapped[int] = mapped_column(Integer, default=0)
    leads_moved: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(120))


class HandoverItem(BrandScoped, Base):
    """One record moved by a handover: ``kind`` customer, task or lead."""

    __tablename__ = "handover_items"
    __table_args__ = (
        UniqueConstraint("brand_id", "handover_id", "kind", "record_id"),
        Index("ix_handover_items_brand_kind_record", "brand_id", "kind", "record_id"),
        brand_foreign_key("handover_id", "handovers"),
        brand_foreign_key("from_rep_id", "reps"),
        brand_foreign_key("to_rep_id", "reps"),
    )

    handover_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(Integer)
    from_rep_id: Mapped[int | None]
    to_rep_id: Mapped[int]
