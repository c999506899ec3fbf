"""The module's scheduled jobs (run by ``directcrm tick``)."""

from __future__ import annotations

from core.api import N_, Ctx, JobResult, ScheduledJob, _
from plugins.kyc.identity import create_refresh_tasks


def _refresh(ctx: Ctx) -> JobResult:
    n = create_refresh_tasks(ctx)
    return JobResult(message=_("%(n)s identity refresh tasks created", n=n),
                     counts={"refresh_tasks": n})


def scheduled_jobs() -> list[ScheduledJob]:
    """Refresh tasks for identities whose verification lapses soon (daily)."""
    return [ScheduledJob("kyc.refresh_tasks", _refresh,
                         N_("Tasks to verify identities again before they lapse"),
                         "daily 03:00")]
