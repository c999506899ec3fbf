"""The ``queued_jobs`` table: one row per one-off job, its state and its result."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, placed_as

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
STATUSES = (QUEUED, RUNNING, DONE, FAILED)


class QueuedJob(Base):
    """A one-off job of a brand: what was asked (``kind``, ``params``), by whom, its state
    (queued → running → done or failed; a failed attempt goes back to queued with a later
    ``run_after`` until ``max_attempts``), progress 0-100 and its result.

    ``heartbeat_at`` is the worker's lease: a running job whose heartbeat is older than
    the lease was left by a dead worker and is taken again. ``error`` is already
    translated into the language of the user who asked."""

    __tablename__ = "queued_jobs"
    __table_args__ = (
        Index("ix_queued_jobs_brand_created", "brand_id", "created_at"),
        Index("ix_queued_jobs_status_run_after", "status", "run_after"),
        placed_as("local"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    requested_by: Mapped[str] = mapped_column(String(120))
    rep_scope_id: Mapped[int | None] = mapped_column(Integer)
    locale: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    run_after: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    worker: Mapped[str | None] = mapped_column(String(120))
    error: Mapped[str | None] = mapped_column(Text)
    result_ref: Mapped[str | None] = mapped_column(String(200))
    result_name: Mapped[str | None] = mapped_column(String(200))
    result_mimetype: Mapped[str | None] = mapped_column(String(100))
    result_summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
