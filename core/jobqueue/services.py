"""Job kinds, enqueueing, and reading a brand's jobs (the web "Jobs" page, ``jobs queue``).

A kind is registered once per process (a module does it when its ``plugin.py`` is
imported, so every worker knows it): a name, a translated title, the function that does
the work, and its retry policy. ``run(ctx, job)`` gets a context for the brand, acting as
the user who asked (their language and rep scope), and a :class:`JobHandle` with the
parameters and a ``progress(percent)`` call; it returns a :class:`JobOutput` (a file to
download and/or a summary) or None. A job may run more than once (a retry, a worker that
died): it must be idempotent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select

from core.context import Ctx
from core.errors import NotFound, ValidationFailed
from core.files import read_encrypted
from core.i18n import N_, _
from core.jobqueue.models import DONE, FAILED, QUEUED, RUNNING, QueuedJob
from core.models import Brand

#: ``DIRECTCRM_JOBS=inline`` runs each job inside the call that enqueued it (where no
#: worker process can run); the default, ``worker``, leaves it to a worker.
ENV_MODE = "DIRECTCRM_JOBS"
_NO_AUDIT = {"directcrm_audit": False}
_TABLE = QueuedJob.__table__


@dataclass
class JobHandle:
    """What a running job sees of itself: its id, parameters, attempt number, and a way
    to report progress (0-100; also keeps the worker's lease)."""

    id: int
    params: dict[str, Any]
    attempt: int
    report: Callable[[int], None] = field(default=lambda percent: None, repr=False)

    def progress(self, percent: float) -> None:
        """Record the progress (clamped to 0-99; 100 is written when the job is done)."""
        self.report(max(0, min(99, int(percent))))


@dataclass(frozen=True)
class JobOutput:
    """A job's result: ``file`` (bytes, kept encrypted, offered as ``filename``) and/or a
    ``summary`` (a JSON-able mapping shown on the job's page)."""

    file: bytes | None = None
    filename: str | None = None
    mimetype: str = "application/octet-stream"
    summary: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class JobKind:
    """A kind of job: ``name`` (``module.what``), ``title`` (marked with ``N_``), ``run``,
    the module it belongs to (the job fails, untried, where the brand disabled it),
    ``max_attempts`` and the back-off before the second attempt (doubled each time).
    ``one_per_brand``: while one is queued or running for the brand, asking again (by
    anyone, with any parameters) returns that job (a brand-wide recompute)."""

    name: str
    title: str
    run: Callable[[Ctx, JobHandle], JobOutput | None]
    module: str | None = None
    max_attempts: int = 3
    backoff_seconds: float = 10.0
    one_per_brand: bool = False


_kinds: dict[str, JobKind] = {}


def register_job_kind(kind: JobKind) -> JobKind:
    """Register (or replace, by name) a kind of job."""
    if kind.max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    _kinds[kind.name] = kind
    return kind


def job_kind(name: str, title: str, *, module: str | None = None, max_attempts: int = 3,
             backoff_seconds: float = 10.0, one_per_brand: bool = False
             ) -> Callable[[Callable[[Ctx, JobHandle], JobOutput | None]],
                           Callable[[Ctx, JobHandle], JobOutput | None]]:
    """Decorator form of :func:`register_job_kind`:
    ``@job_kind("compliance.report", N_("Compliance report"), module="compliance")``."""

    def wrap(fn: Callable[[Ctx, JobHandle], JobOutput | None]
             ) -> Callable[[Ctx, JobHandle], JobOutput | None]:
        register_job_kind(JobKind(name=name, title=title, run=fn, module=module,
                                  max_attempts=max_attempts, backoff_seconds=backoff_seconds,
                                  one_per_brand=one_per_brand))
        return fn

    return wrap


def get_kind(name: str) -> JobKind | None:
    """The registered kind, or None (a module no longer installed)."""
    return _kinds.get(name)


def kind_title(name: str) -> str:
    """The kind's title in the current language (its name when unknown)."""
    kind = _kinds.get(name)
    return _(kind.title) if kind is not None else name


def _wall_clock() -> dt.datetime:
    """The queue's times are wall-clock UTC, like the workers' (not ``ctx.now()``, which
    tests and ``--now`` move): a job is due when a worker's clock says so."""
    return dt.datetime.now(dt.UTC)


def inline_mode() -> bool:
    """Whether jobs run inside the call that enqueues them (``DIRECTCRM_JOBS=inline``)."""
    return os.environ.get(ENV_MODE, "").strip().lower() == "inline"


@dataclass(frozen=True)
class JobInfo:
    """A job as shown to people and scripts."""

    id: int
    kind: str
    title: str
    params: dict[str, Any]
    requested_by: str
    status: str
    progress: int
    attempts: int
    max_attempts: int
    error: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    run_after: dt.datetime
    result_name: str | None
    result_summary: dict[str, Any] | None

    @property
    def finished(self) -> bool:
        """Done or failed for good: nothing will change any more."""
        return self.status in (DONE, FAILED)

    @property
    def has_file(self) -> bool:
        """A file to download is ready."""
        return self.status == DONE and self.result_name is not None

    def as_dict(self) -> dict[str, Any]:
        """For ``--format json``."""
        return {"id": self.id, "kind": self.kind, "title": self.title, "params": self.params,
                "requested_by": self.requested_by, "status": self.status,
                "progress": self.progress, "attempts": self.attempts,
                "max_attempts": self.max_attempts, "error": self.error,
                "created_at": _iso(self.created_at), "started_at": _iso(self.started_at),
                "finished_at": _iso(self.finished_at), "result_name": self.result_name,
                "result_summary": self.result_summary}


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def _info(row: QueuedJob) -> JobInfo:
    return JobInfo(id=row.id, kind=row.kind, title=kind_title(row.kind), params=row.params or {},
                   requested_by=row.requested_by, status=row.status, progress=row.progress,
                   attempts=row.attempts, max_attempts=row.max_attempts, error=row.error,
                   created_at=row.created_at, started_at=row.started_at,
                   finished_at=row.finished_at, run_after=row.run_after,
                   result_name=row.result_name, result_summary=row.result_summary)


def _params_key(params: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()


def enqueue(ctx: Ctx, kind: str, params: Mapping[str, Any] | None = None) -> JobInfo:
    """Queue a job of ``kind`` for the brand, asked by ``ctx.user`` (in ``ctx.locale``,
    with ``ctx``'s rep scope). The same request while an identical job (kind, parameters,
    user; for a ``one_per_brand`` kind, any of the brand's) is still queued or running
    returns that job instead of a second one. With ``DIRECTCRM_JOBS=inline`` the job runs
    before this returns."""
    spec = _kinds.get(kind)
    if spec is None:
        raise ValidationFailed({"kind": [_("Unknown job kind: %(kind)s.", kind=kind)]})
    if spec.module is not None and spec.module not in ctx.enabled_modules:
        raise NotFound(_("The %(module)s module is not enabled for brand %(brand)s.",
                         module=spec.module, brand=ctx.brand.code if ctx.brand else "-"))
    values = dict(params or {})
    wanted = _params_key(values)
    with ctx.write() as session:
        mine = [QueuedJob.requested_by == ctx.user]
        if spec.one_per_brand:
            mine = []
            if session.get_bind().dialect.name != "sqlite":  # SQLite: BEGIN IMMEDIATE did
                # Two requests at once see the same queue: the second waits for the first.
                session.execute(select(Brand.id).where(Brand.id == ctx.brand_id)
                                .with_for_update())
        active = session.scalars(
            select(QueuedJob).where(QueuedJob.brand_id == ctx.brand_id,
                                    QueuedJob.kind == kind, *mine,
                                    QueuedJob.status.in_((QUEUED, RUNNING)))
            .order_by(QueuedJob.id)).all()
        same = next((j for j in active if spec.one_per_brand
                     or _params_key(j.params or {}) == wanted), None)
        if same is not None:
            return _info(same)
        now = _wall_clock()
        job_id = session.execute(insert(_TABLE).values(
            brand_id=ctx.brand_id, kind=kind, params=values, requested_by=ctx.user,
            rep_scope_id=ctx.rep_scope_id, locale=ctx.locale, status=QUEUED, progress=0,
            attempts=0, max_attempts=spec.max_attempts, run_after=now, created_at=now
        ).returning(_TABLE.c.id), execution_options=_NO_AUDIT).scalar_one()
    if inline_mode():
        from core.jobqueue.runner import QueueRunner

        QueueRunner(ctx.session.get_bind(), ctx.registry,
                    worker_id=f"inline:{socket.gethostname()}:{os.getpid()}").run_job_now(job_id)
    return get_job(ctx, job_id)


def _scope(ctx: Ctx) -> list[Any]:
    """The row policy of jobs: the brand's; a rep sees only the jobs they asked for."""
    where = [QueuedJob.brand_id == ctx.brand_id]
    if ctx.acts_as_rep:
        where.append(QueuedJob.requested_by == ctx.user)
    return where


def get_job(ctx: Ctx, job_id: int) -> JobInfo:
    """One job of the brand (NotFound for another brand's, or another user's for a rep)."""
    row = ctx.session.scalar(select(QueuedJob).where(QueuedJob.id == job_id, *_scope(ctx))
                             .execution_options(populate_existing=True))
    if row is None:
        raise NotFound(_("No job %(id)s in this brand.", id=job_id))
    info = _info(row)
    ctx.session.rollback()  # end the read transaction: a page polls this
    return info


def list_jobs(ctx: Ctx, *, status: str | None = None, limit: int = 200) -> list[JobInfo]:
    """The brand's jobs, newest first (a rep's own only)."""
    query = select(QueuedJob).where(*_scope(ctx))
    if status is not None:
        query = query.where(QueuedJob.status == status)
    rows = ctx.session.scalars(query.order_by(QueuedJob.id.desc()).limit(limit)
                               .execution_options(populate_existing=True)).all()
    out = [_info(r) for r in rows]
    ctx.session.rollback()
    return out


def count_jobs(ctx: Ctx) -> dict[str, int]:
    """How many of the brand's jobs are in each state (monitoring)."""
    rows = ctx.session.execute(select(QueuedJob.status, func.count())
                               .where(*_scope(ctx)).group_by(QueuedJob.status)).all()
    ctx.session.rollback()
    return {status: int(n) for status, n in rows}


def read_result(ctx: Ctx, job_id: int) -> tuple[bytes, str, str]:
    """A done job's file: ``(data, filename, mimetype)``; NotFound when there is none."""
    row = ctx.session.scalar(select(QueuedJob).where(QueuedJob.id == job_id, *_scope(ctx))
                             .execution_options(populate_existing=True))
    if row is None or row.status != DONE or row.result_ref is None:
        ctx.session.rollback()
        raise NotFound(_("Job %(id)s has no file to download.", id=job_id))
    ref, name, mimetype = row.result_ref, row.result_name or "result", row.result_mimetype
    ctx.session.rollback()
    return read_encrypted(ref), name, mimetype or "application/octet-stream"


STATUS_LABELS = {QUEUED: N_("Queued"), RUNNING: N_("Running"), DONE: N_("Done"),
                 FAILED: N_("Failed")}


def status_label(status: str) -> str:
    """A job status in the current language."""
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status
