"""Tables of the compliance module: imported rep pay and the register of generated reports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.api import Base, BrandScoped, Money, UTCDateTime, brand_foreign_key


class ImportedRepPay(BrandScoped, Base):
    """Rep pay computed outside directcrm (commissions, bonuses...), one row per
    (rep, period, kind); kind ``tax`` is tax withheld, not pay (DS11 filing)."""

    __tablename__ = "compliance_rep_pay"
    __table_args__ = (
        UniqueConstraint("brand_id", "rep_id", "period", "kind"),
        Index("ix_compliance_rep_pay_brand_period", "brand_id", "period"),
        brand_foreign_key("rep_id", "reps"),
    )

    rep_id: Mapped[int] = mapped_column(index=True)
    period: Mapped[str] = mapped_column(String(7))
    kind: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Money)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    imported_by: Mapped[str] = mapped_column(String(120))
    source_file: Mapped[str | None] = mapped_column(String(255))


class ReportRecord(BrandScoped, Base):
    """A generated PDF: who, when, with which parameters, and the SHA-256 of the file."""

    __tablename__ = "compliance_reports"
    __table_args__ = (UniqueConstraint("brand_id", "sha256"),)

    kind: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(7))
    locale: Mapped[str] = mapped_column(String(16))
    profile: Mapped[str] = mapped_column(String(8))
    pack_version: Mapped[str] = mapped_column(String(32))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(255))
    generated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    generated_by: Mapped[str] = mapped_column(String(120))
