"""Scheduled jobs run by ``directcrm tick``: the core's own plus the enabled modules'.

The core registers its jobs here (``register_core_job``; e.g. task rules that create
follow-ups), modules contribute theirs through the ``crm_scheduled_jobs`` hook. Every job
must be idempotent: ticking twice at the same time changes nothing the second time. A job
is a callable ``run(ctx)`` returning a short message, a :class:`JobResult` or None.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from core.context import Ctx
from core.events import ScheduledJob
from core.i18n import _
from core.models import Brand, JobRunRecord
from core.schedules import parse_schedule

CORE = "core"


@dataclass(frozen=True)
class JobResult:
    """What a job did: a message for people and counts for scripts."""

    message: str = ""
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class JobRun:
    """One job run for one brand."""

    brand: str
    module: str
    job: str
    message: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"brand": self.brand, "module": self.module, "job": self.job,
                "message": self.message, "counts": self.counts, "error": self.error}


_core_jobs: dict[str, ScheduledJob] = {}


def register_core_job(job: ScheduledJob) -> ScheduledJob:
    """Add a core job (by name: registering the same name again replaces it)."""
    _core_jobs[job.name] = job
    return job


def core_job(name: str, description: str = "") -> Callable[[Callable[[Ctx], Any]],
                                                            Callable[[Ctx], Any]]:
    """Decorator form: ``@core_job("task_rules")`` over ``def run(ctx): ...``."""

    def wrap(fn: Callable[[Ctx], Any]) -> Callable[[Ctx], Any]:
        doc = (fn.__doc__ or "").strip().splitlines()
        register_core_job(ScheduledJob(name=name, run=fn,
                                       description=description or (doc[0] if doc else "")))
        return fn

    return wrap


def _task_rules(ctx: Ctx) -> JobResult:
    """The working-standard task rules (``core.tasks.rules``): follow-ups, care, refills."""
    from core.tasks.rules import run_task_rules

    counts = run_task_rules(ctx)
    return JobResult(message=_("%(n)s tasks created", n=sum(counts.values())), counts=counts)


def _lead_pool(ctx: Ctx) -> JobResult:
    """Lead conversions catch-up, then the public pool (``core.leads.pool``)."""
    from core.leads.pool import recycle

    r = recycle(ctx)
    return JobResult(
        message=_("%(dropped)s leads dropped to the pool, %(reassigned)s reassigned",
                  dropped=r.not_contacted + r.not_converted, reassigned=r.reassigned),
        counts={"not_contacted": r.not_contacted, "not_converted": r.not_converted,
                "reassigned": r.reassigned, "still_in_pool": r.still_in_pool})


def _segments(ctx: Ctx) -> JobResult:
    """Store today's segments of the brand's nightly schemes (``core.segmentation``)."""
    from core.segmentation.services import recompute_segments

    counts = recompute_segments(ctx)
    return JobResult(message=_("%(n)s segment changes", n=sum(counts.values())),
                     counts=counts)


def _churned(ctx: Ctx) -> JobResult:
    """Silent customers become churned, returning ones get their stage back."""
    from core.services.silent import mark_churned

    counts = mark_churned(ctx)
    return JobResult(message=_("%(churned)s customers churned, %(restored)s back",
                               churned=counts["churned"], restored=counts["restored"]),
                     counts=counts)


#: Jobs the core always runs, before the registered ones. Segments come first: the task
#: rules read the stored ABC classes.
BUILTIN_JOBS = (ScheduledJob(name="segments", run=_segments,
                             description="Store today's customer segments and their changes."),
                ScheduledJob(name="churned", run=_churned,
                             description="Mark silent customers churned."),
                ScheduledJob(name="task_rules", run=_task_rules,
                             description="Create follow-up tasks from the task rules."),
                ScheduledJob(name="lead_pool", run=_lead_pool,
                             description="Recycle neglected leads to the pool and reassign "
                                         "them."))


def core_jobs() -> list[ScheduledJob]:
    """The core's jobs: the built-in ones, then the registered ones in order."""
    return [*BUILTIN_JOBS, *(j for j in _core_jobs.values()
                             if j.name not in {b.name for b in BUILTIN_JOBS})]


def jobs_for(ctx: Ctx) -> list[tuple[str, ScheduledJob]]:
    """``(module, job)`` for the brand: core jobs first, then each enabled module's jobs in
    dependency order."""
    out: list[tuple[str, ScheduledJob]] = [(CORE, j) for j in core_jobs()]
    enabled = ctx.enabled_modules
    for name in ctx.registry.ordered_names():
        if name not in enabled:
            continue
        for jobs in ctx.registry.hooks_for({name}).crm_scheduled_jobs(ctx=ctx):
            out.extend((name, j) for j in jobs or [])
    return out


def run_jobs(ctx: Ctx, *, due_only: bool = False,
             stop: Callable[[], bool] | None = None) -> list[JobRun]:
    """Run the brand's jobs: every one (``due_only=False``, ``tick --all``) or those whose
    schedule slot no run has claimed yet. Each run is recorded in ``job_runs``; a job
    whose slot another tick claimed first is skipped. A failing job is reported (its slot
    is retried by the next tick) and the others still run. ``stop`` is asked before each
    job: when it answers True no further job starts (``directcrm worker`` on SIGTERM)."""
    runs = []
    now = ctx.now()
    for module, job in jobs_for(ctx):
        if stop is not None and stop():
            break
        slot = (parse_schedule(job.schedule).slot(now, ctx.tz) if due_only
                else f"manual:{uuid.uuid4().hex[:16]}")
        record_id = _claim(ctx, module, job.name, slot, now)
        if record_id is None:
            continue
        run = JobRun(brand=ctx.brand.code if ctx.brand else "-", module=module, job=job.name)
        try:
            outcome = job.run(ctx)  # type: ignore[operator]
        except Exception as exc:  # noqa: BLE001 - one job's failure must not stop the tick
            ctx.session.rollback()
            run.error = f"{type(exc).__name__}: {exc}"
        else:
            if isinstance(outcome, JobResult):
                run.message, run.counts = outcome.message, dict(outcome.counts)
            elif outcome is not None:
                run.message = str(outcome)
            if ctx.session.in_transaction():
                ctx.session.commit()
        _finish(ctx, record_id, run)
        runs.append(run)
    return runs


_RUNS = JobRunRecord.__table__
#: A run still "running" this long after it started is taken to have died with its process.
STALE_AFTER = dt.timedelta(hours=1)
# job_runs is the scheduler's own bookkeeping, not business data: not in the audit log.
_NO_AUDIT = {"directcrm_audit": False}


def _claim(ctx: Ctx, module: str, job: str, slot: str, now: dt.datetime) -> int | None:
    """Take ``slot`` for this job (a failed run's slot, or one whose run is still
    "running" after :data:`STALE_AFTER`, may be taken again); the run's id,
    or None when another run holds it. Committed at once, so a concurrent tick sees it."""
    key = and_(_RUNS.c.brand_id == ctx.brand_id, _RUNS.c.module == module,
               _RUNS.c.job == job, _RUNS.c.slot == slot)
    with ctx.write() as session:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        claimed = session.execute(
            dialect.insert(_RUNS).values(brand_id=ctx.brand_id, module=module, job=job,
                                         slot=slot, status="running", started_at=now)
            .on_conflict_do_nothing().returning(_RUNS.c.id),
            execution_options=_NO_AUDIT).scalar()
        if claimed is None:
            # A failed run's slot is taken again; so is a run still "running" long after
            # it started: its process died (killed worker, lost machine). Jobs are
            # idempotent, so running one again is safe.
            retake = or_(_RUNS.c.status == "failed",
                         and_(_RUNS.c.status == "running",
                              _RUNS.c.started_at < now - STALE_AFTER))
            claimed = session.execute(
                update(_RUNS).where(key, retake)
                .values(status="running", started_at=now, finished_at=None, error=None)
                .returning(_RUNS.c.id), execution_options=_NO_AUDIT).scalar()
    return claimed


def _finish(ctx: Ctx, record_id: int, run: JobRun) -> None:
    with ctx.write() as session:
        session.execute(update(_RUNS).where(_RUNS.c.id == record_id).values(
            status="failed" if run.error else "ok", finished_at=ctx.now(),
            message=run.message[:2000] or None, counts=run.counts or None,
            error=run.error), execution_options=_NO_AUDIT)


@dataclass(frozen=True)
class JobStatus:
    """A job of the brand with its schedule and last run (``jobs list``)."""

    module: str
    job: str
    schedule: str
    description: str
    last_started_at: dt.datetime | None
    last_status: str | None
    last_message: str | None
    due: bool


def job_statuses(ctx: Ctx) -> list[JobStatus]:
    """Every job of the brand: schedule, last run, and whether a tick now would run it."""
    now = ctx.now()
    out = []
    for module, job in jobs_for(ctx):
        last = ctx.session.execute(
            select(_RUNS.c.started_at, _RUNS.c.status, _RUNS.c.message, _RUNS.c.error)
            .where(_RUNS.c.brand_id == ctx.brand_id, _RUNS.c.module == module,
                   _RUNS.c.job == job.name)
            .order_by(_RUNS.c.started_at.desc(), _RUNS.c.id.desc()).limit(1)).first()
        slot = parse_schedule(job.schedule).slot(now, ctx.tz)
        taken = ctx.session.scalar(select(_RUNS.c.status).where(
            _RUNS.c.brand_id == ctx.brand_id, _RUNS.c.module == module,
            _RUNS.c.job == job.name, _RUNS.c.slot == slot))
        out.append(JobStatus(module=module, job=job.name, schedule=job.schedule,
                             description=job.description,
                             last_started_at=last.started_at if last else None,
                             last_status=last.status if last else None,
                             last_message=(last.error or last.message) if last else None,
                             due=taken in (None, "failed")))
    return out


def tick(make_ctx: Callable[[str | None], Ctx], brand_codes: Iterable[str] | None = None,
         now: dt.datetime | None = None, *, force: bool = False,
         stop: Callable[[], bool] | None = None) -> list[JobRun]:
    """Run the due jobs (every job with ``force``) of the given brands (all brands when
    None) as of ``now``; ``stop`` as for :func:`run_jobs`."""
    ctx = make_ctx(None)
    try:
        codes = list(brand_codes) if brand_codes else list(
            ctx.session.scalars(select(Brand.code).order_by(Brand.code)))
    finally:
        ctx.session.close()
    runs: list[JobRun] = []
    for code in codes:
        if stop is not None and stop():
            break
        bctx = make_ctx(code)
        if now is not None:
            bctx.clock = lambda: now
        try:
            runs.extend(run_jobs(bctx, due_only=not force, stop=stop))
        finally:
            bctx.session.close()
    return runs


def describe(run: JobRun) -> str:
    """One line for people: brand, module/job and what it did."""
    if run.error:
        return _("%(brand)s %(module)s/%(job)s: FAILED: %(error)s", brand=run.brand,
                 module=run.module, job=run.job, error=run.error)
    return _("%(brand)s %(module)s/%(job)s: %(message)s", brand=run.brand, module=run.module,
             job=run.job, message=run.message or _("done"))
