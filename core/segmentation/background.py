"""The brand's full segment recompute as a background job (``core.segments``, #17).

The segmentation page's button and ``directcrm segments-recompute`` enqueue the same job;
one is queued or running per brand at a time (asking again returns it), and running it
twice stores nothing the second time (:func:`~core.segmentation.services.recompute_all`).
"""

from __future__ import annotations

from core.context import Ctx
from core.i18n import N_
from core.jobqueue.services import JobHandle, JobInfo, JobOutput, enqueue, get_job, job_kind

SEGMENTS_JOB = "core.segments"


def recompute_jobs(ctx: Ctx) -> tuple[JobInfo | None, JobInfo | None]:
    """The brand's recompute queued or running (None when there is none), and the last
    one that finished."""
    from sqlalchemy import select

    from core.jobqueue.models import DONE, FAILED, QUEUED, RUNNING, QueuedJob

    def one(*statuses: str) -> JobInfo | None:
        job_id = ctx.session.scalar(
            select(QueuedJob.id).where(QueuedJob.brand_id == ctx.brand_id,
                                       QueuedJob.kind == SEGMENTS_JOB,
                                       QueuedJob.status.in_(statuses))
            .order_by(QueuedJob.id.desc()).limit(1))
        return get_job(ctx, job_id) if job_id is not None else None

    active, last = one(QUEUED, RUNNING), one(DONE, FAILED)
    ctx.session.rollback()
    return active, last


def start_recompute(ctx: Ctx) -> JobInfo:
    """Queue the brand's full recompute, or return the one already queued or running."""
    return enqueue(ctx, SEGMENTS_JOB, {})


@job_kind(SEGMENTS_JOB, N_("Segment recompute"), one_per_brand=True)
def recompute_job(ctx: Ctx, job: JobHandle) -> JobOutput:
    """Recompute and store every scheme; the summary: as-of date, customers, changes per
    scheme."""
    from core.segmentation.services import recompute_all

    return JobOutput(summary=recompute_all(ctx, job.progress))
