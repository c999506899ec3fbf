"""The link between a Flask-AppBuilder user and a brand.

FAB keeps users, roles and password hashes in its ``ab_*`` tables; a user belongs to one
brand (the super admin may have none and switch between all). A rep's login is tied to
their rep row through ``Rep.user_id``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, placed_as


class UserBrand(Base):
    """Which brand a staff user (``ab_user.id``) works for, and their preferred language."""

    __tablename__ = "user_brands"
    __table_args__ = (
        placed_as("reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, unique=True)
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Sessions and tokens issued before this moment no longer count (logout, new password).
    sessions_valid_after: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class LoginAttempt(Base):
    """One login attempt (form or API), for the limits every worker shares."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
        placed_as("local"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    username: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(Boolean)


class RateLimitCounter(Base):
    """One fixed-window counter of Flask-Limiter (``core.web.ratelimit``): every worker
    process counts in the same row, so a limit holds across workers and restarts."""

    __tablename__ = "rate_limit_counters"
    __table_args__ = (placed_as("local"),)

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
