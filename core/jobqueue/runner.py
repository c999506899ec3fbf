"""Running queued jobs: claim one, run it as the user who asked, store the result.

The claim is one write transaction on ``queued_jobs``: the oldest job that is due
(``queued`` with ``run_after`` passed) or abandoned (``running`` with a heartbeat older than
the lease: its worker died), taken with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (two
workers never take the same row) and under SQLite's ``BEGIN IMMEDIATE`` write lock. The
claim counts an attempt and names the worker; while the job runs a thread renews the
heartbeat. The job's file is written under a name fixed by the job (a run repeated after a
crash replaces it: one result), and "done" is written only by the worker that holds the
claim, so a job a dead worker left is completed once.

A failure puts the job back in the queue after a back-off (``backoff_seconds`` doubled at
each attempt) until ``max_attempts``; then it is ``failed`` with the error, translated into
the language of the user who asked. Invalid input (``ValidationFailed``) fails at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, and_, or_, select, update

from core.context import Ctx
from core.db import make_sessionmaker, write_transaction
from core.errors import DomainError, ValidationFailed
from core.files import store_encrypted
from core.i18n import _, use_locale
from core.jobqueue.models import DONE, FAILED, QUEUED, RUNNING, QueuedJob
from core.jobqueue.services import JobHandle, JobOutput, get_kind
from core.models import Brand
from core.plugins import ModuleRegistry

log = logging.getLogger("directcrm.jobs")

#: A running job whose heartbeat is older than this was left by a dead worker.
ENV_LEASE = "DIRECTCRM_JOB_LEASE"
DEFAULT_LEASE = 60.0
_NO_AUDIT = {"directcrm_audit": False}
_T = QueuedJob.__table__


def utcnow() -> dt.datetime:
    """Wall-clock UTC: the queue's own times (leases, back-off) are real time."""
    return dt.datetime.now(dt.UTC)


def lease_seconds() -> float:
    """The lease (``DIRECTCRM_JOB_LEASE`` seconds, default 60)."""
    try:
        return max(1.0, float(os.environ.get(ENV_LEASE) or DEFAULT_LEASE))
    except ValueError:
        return DEFAULT_LEASE


def result_name(job_id: int, brand_id: int) -> str:
    """The fixed file name (32 hex digits) of a job's result."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"directcrm:job:{brand_id}:{job_id}").hex


class QueueRunner:
    """Claims and runs jobs on one database (a worker process, or inline)."""

    def __init__(self, engine: Engine, registry: ModuleRegistry,
                 worker_id: str | None = None,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        import core.importing.background  # noqa: F401  (the core's own job kinds)
        import core.segmentation.background  # noqa: F401

        self.engine = engine
        self.clock = clock
        self.registry = registry
        self.sessions = make_sessionmaker(engine)
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.lease = lease_seconds()

    # -- claiming -------------------------------------------------------------------

    def _claim(self, now: dt.datetime, job_id: int | None = None) -> dict[str, Any] | None:
        stale = now - dt.timedelta(seconds=self.lease)
        due = or_(and_(_T.c.status == QUEUED, _T.c.run_after <= now),
                  and_(_T.c.status == RUNNING, _T.c.heartbeat_at < stale))
        query = select(_T).where(due)
        if job_id is not None:
            query = query.where(_T.c.id == job_id)
        # A plain read first: an idle worker polls without taking SQLite's write lock.
        with self.engine.connect() as conn:
            if conn.execute(query.with_only_columns(_T.c.id).limit(1)).first() is None:
                return None
        with self.sessions() as session, write_transaction(session):
            row = session.execute(query.order_by(_T.c.run_after, _T.c.id).limit(1)
                                  .with_for_update(skip_locked=True)).mappings().first()
            if row is None:
                return None
            job = dict(row)
            if job["status"] == RUNNING and job["attempts"] >= job["max_attempts"]:
                # Its worker died on the last attempt: give up, saying so.
                with use_locale(job["locale"]):
                    error = _("The worker stopped during the job; %(n)s attempts made.",
                              n=job["attempts"])
                session.execute(update(_T).where(_T.c.id == job["id"]).values(
                    status=FAILED, error=error, finished_at=now, worker=None),
                    execution_options=_NO_AUDIT)
                return {"id": job["id"], "given_up": True}
            job["attempts"] += 1
            session.execute(update(_T).where(_T.c.id == job["id"]).values(
                status=RUNNING, attempts=job["attempts"], worker=self.worker_id,
                heartbeat_at=now, started_at=now, progress=0, finished_at=None),
                execution_options=_NO_AUDIT)
        return job

    def run_next(self, now: dt.datetime | None = None) -> int | None:
        """Claim and run one job due at ``now`` (default: the runner's clock); its id, or
        None when nothing is due."""
        job = self._claim(now or self.clock())
        if job is None:
            return None
        if not job.get("given_up"):
            self._run(job)
        return int(job["id"])

    def run_pending(self, limit: int | None = None, stop: Any = None) -> list[int]:
        """Run due jobs until none is left (or ``limit`` ran, or ``stop()`` answers True)."""
        done: list[int] = []
        while limit is None or len(done) < limit:
            if stop is not None and stop():
                break
            job_id = self.run_next()
            if job_id is None:
                break
            done.append(job_id)
        return done

    def run_job_now(self, job_id: int) -> bool:
        """Run this job now if it is due (inline mode); whether it ran."""
        job = self._claim(self.clock(), job_id)
        if job is None or job.get("given_up"):
            return False
        self._run(job)
        return True

    # -- running --------------------------------------------------------------------

    def _ctx(self, job: dict[str, Any]) -> Ctx:
        session = self.sessions()
        brand = session.get(Brand, job["brand_id"])
        ctx = Ctx(session=session, brand=brand, user=job["requested_by"],
                  locale=job["locale"], registry=self.registry,
                  rep_scope_id=job["rep_scope_id"])
        session.rollback()
        return ctx

    def _beat(self, job_id: int, percent: int | None = None) -> None:
        values: dict[str, Any] = {"heartbeat_at": self.clock()}
        if percent is not None:
            values["progress"] = percent
        with self.engine.begin() as conn:
            conn.execute(update(_T).where(_T.c.id == job_id, _T.c.worker == self.worker_id,
                                          _T.c.status == RUNNING).values(**values),
                         execution_options=_NO_AUDIT)

    def _progress(self, job_id: int, percent: int) -> None:
        try:
            self._beat(job_id, percent)
        except Exception:  # noqa: BLE001 - progress is advisory; the job goes on
            log.exception("progress of job %s not recorded", job_id)

    def _run(self, job: dict[str, Any]) -> None:
        job_id = int(job["id"])
        kind = get_kind(job["kind"])
        stop_beating = threading.Event()

        def beat() -> None:
            while not stop_beating.wait(self.lease / 4):
                try:
                    self._beat(job_id)
                except Exception:  # noqa: BLE001 - the next beat tries again
                    log.exception("heartbeat of job %s failed", job_id)

        beater = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
        beater.start()
        ctx = self._ctx(job)
        try:
            with use_locale(job["locale"]):
                if kind is None:
                    raise ValidationFailed({"kind": [_("Unknown job kind: %(kind)s.",
                                                       kind=job["kind"])]})
                if kind.module is not None and kind.module not in ctx.enabled_modules:
                    raise ValidationFailed({"kind": [_(
                        "The %(module)s module is not enabled for brand %(brand)s.",
                        module=kind.module, brand=ctx.brand.code if ctx.brand else "-")]})
                handle = JobHandle(id=job_id, params=dict(job["params"] or {}),
                                   attempt=job["attempts"],
                                   report=lambda percent: self._progress(job_id, percent))
                output = kind.run(ctx, handle) or JobOutput()
                if ctx.session.in_transaction():
                    ctx.session.commit()
        except Exception as exc:  # noqa: BLE001 - recorded on the job, retried
            ctx.session.rollback()
            self._failed(job, kind, exc)
        else:
            self._done(job, output)
        finally:
            stop_beating.set()
            beater.join()
            ctx.session.close()

    def _done(self, job: dict[str, Any], output: JobOutput) -> None:
        values: dict[str, Any] = {"status": DONE, "progress": 100, "finished_at": self.clock(),
                                  "error": None,
                                  "result_summary": dict(output.summary) if output.summary
                                  else None}
        if output.file is not None:
            values["result_ref"] = store_encrypted(
                job["brand_id"], output.file, kind="jobs",
                name=result_name(job["id"], job["brand_id"]))
            values["result_name"] = output.filename or "result"
            values["result_mimetype"] = output.mimetype
        with self.engine.begin() as conn:
            written = conn.execute(update(_T).where(
                _T.c.id == job["id"], _T.c.worker == self.worker_id, _T.c.status == RUNNING
            ).values(**values), execution_options=_NO_AUDIT).rowcount
        if not written:
            log.warning("job %s was taken over by another worker; its result stands",
                        job["id"])

    def _failed(self, job: dict[str, Any], kind: Any, exc: Exception) -> None:
        with use_locale(job["locale"]):
            if isinstance(exc, DomainError):
                message = exc.message
            else:
                detail = f"{type(exc).__name__}: {exc}"
                message = _("Unexpected error: %(error)s", error=detail)
        log.warning("job %s (%s) attempt %s failed: %s", job["id"], job["kind"],
                    job["attempts"], message)
        now = self.clock()
        final = isinstance(exc, ValidationFailed) or job["attempts"] >= job["max_attempts"]
        if final:
            values: dict[str, Any] = {"status": FAILED, "finished_at": now}
        else:
            backoff = (kind.backoff_seconds if kind is not None else 10.0) * (
                2 ** (job["attempts"] - 1))
            values = {"status": QUEUED, "run_after": now + dt.timedelta(seconds=backoff)}
        with self.engine.begin() as conn:
            conn.execute(update(_T).where(_T.c.id == job["id"],
                                          _T.c.worker == self.worker_id,
                                          _T.c.status == RUNNING).values(
                error=message[:4000], worker=None, progress=0, **values),
                execution_options=_NO_AUDIT)
