"""The link between a Flask-AppBuilder user and a brand.

FAB keeps users, roles and password hashes in its ``ab_*`` tables; a user belongs to one
brand (the super admin may have none and switch between all). A rep's login is tied to
their rep row through ``Rep.user_id``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime


class UserBrand(Base):
    """Which brand a staff user (``ab_user.id``) works for, and their preferred language."""

    __tablename__ = "user_brands"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, unique=True)
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
