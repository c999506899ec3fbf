"""The module's scheduled jobs (run by ``directcrm tick``)."""

from __future__ import annotations

from core.api import N_, Ctx, JobResult, ScheduledJob, _
from plugins.kyc.assessments import create_review_tasks
from plugins.kyc.dsr import create_overdue_tasks
from plugins.kyc.identity import create_refresh_tasks
from plugins.kyc.retention import apply_retention


def _refresh(ctx: Ctx) -> JobResult:
    n = create_refresh_tasks(ctx)
    return JobResult(message=_("%(n)s identity refresh tasks created", n=n),
                     counts={"refresh_tasks": n})


def _overdue(ctx: Ctx) -> JobResult:
    n = create_overdue_tasks(ctx)
    return JobResult(message=_("%(n)s overdue data request tasks created", n=n),
                     counts={"overdue_request_tasks": n})


def _retention(ctx: Ctx) -> JobResult:
    run = apply_retention(ctx)
    return JobResult(message=_("Retention: %(leads)s leads and %(customers)s customers "
                               "anonymised", leads=run.leads, customers=run.customers),
                     counts={"leads_anonymised": run.leads,
                             "customers_anonymised": run.customers})


def _reviews(ctx: Ctx) -> JobResult:
    n = create_review_tasks(ctx)
    return JobResult(message=_("%(n)s impact assessment review tasks created", n=n),
                     counts={"assessment_review_tasks": n})


def scheduled_jobs() -> list[ScheduledJob]:
    """Refresh tasks for identities that lapse soon; tasks for overdue data requests."""
    return [ScheduledJob("kyc.refresh_tasks", _refresh,
                         N_("Tasks to verify identities again before they lapse"),
                         "daily 03:00"),
            ScheduledJob("kyc.overdue_requests", _overdue,
                         N_("Tasks for data-subject requests past their deadline"),
                         "daily 03:05"),
            ScheduledJob("kyc.retention", _retention,
                         N_("Anonymise leads and customers past their retention period"),
                         "daily 04:00"),
            ScheduledJob("kyc.assessment_reviews", _reviews,
                         N_("Tasks to review impact assessments"), "daily 04:10")]
