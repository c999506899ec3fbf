"""The module's tables: every one carries brand_id, in every unique key too."""

from __future__ import annotations

import datetime as dt
import enum

from core.api import Base, BrandScoped, UTCDateTime, brand_foreign_key
from sqlalchemy import Enum, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column


class AttendanceStatus(enum.StrEnum):
    """Where a customer stands for one meeting."""

    INVITED = "invited"
    ATTENDED = "attended"
    ABSENT = "absent"


class Meeting(BrandScoped, Base):
    """A product experience meeting of the brand."""

    __tablename__ = "acme_meetings_meetings"
    __table_args__ = (UniqueConstraint("brand_id", "meeting_ref"),)

    meeting_ref: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    held_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    location: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Attendance(BrandScoped, Base):
    """One customer at one meeting; ``order_id`` is their first paid order within the
    follow-up window after the meeting (a conversion)."""

    __tablename__ = "acme_meetings_attendance"
    __table_args__ = (
        UniqueConstraint("brand_id", "meeting_id", "customer_id"),
        brand_foreign_key("meeting_id", "acme_meetings_meetings"),
        brand_foreign_key("customer_id", "customers"),
        brand_foreign_key("order_id", "orders"),
    )

    meeting_id: Mapped[int]
    customer_id: Mapped[int] = mapped_column(index=True)
    status: Mapped[AttendanceStatus] = mapped_column(Enum(
        AttendanceStatus, name="acme_meetings_status", native_enum=False, length=16,
        values_callable=lambda c: [m.value for m in c]))
    order_id: Mapped[int | None]
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
