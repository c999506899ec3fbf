"""The compliance module's background jobs: the compliance report and the filing pack,
rendered by a worker when asked for in the web admin (the CLI renders them directly)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from core.api import N_, Ctx, JobHandle, JobOutput, job_kind

REPORT_JOB = "compliance.report"
FILING_JOB = "compliance.filing"


class _JobProgress:
    """The report's progress protocol (``start(total)``, ``update(n)``) as job percent."""

    def __init__(self, job: JobHandle) -> None:
        self.job = job
        self.total = 0
        self.done = 0

    def start(self, total: int) -> None:
        self.total, self.done = max(total, 1), 0
        self.job.progress(1)

    def update(self, n: int) -> None:
        self.done += n
        if self.total:
            self.job.progress(99 * self.done / self.total)


def _render(ctx: Ctx, job: JobHandle, kind: str) -> JobOutput:
    from plugins.compliance.report.generate import (
        generate_compliance_report,
        generate_filing_pack,
    )

    period = str(job.params["period"])
    locale = job.params.get("locale") or ctx.locale
    generate = generate_filing_pack if kind == "filing" else generate_compliance_report
    handle, name = tempfile.mkstemp(suffix=".pdf", prefix="directcrm-job-")
    os.close(handle)
    path = Path(name)
    try:
        generate(ctx, period, path, locale=locale, progress=_JobProgress(job))
        data = path.read_bytes()
    finally:
        path.unlink(missing_ok=True)
    brand = ctx.brand.code if ctx.brand else "-"
    return JobOutput(file=data, filename=f"{kind}-{brand}-{period}.pdf",
                     mimetype="application/pdf")


@job_kind(REPORT_JOB, N_("Compliance report (PDF)"), module="compliance")
def compliance_report_job(ctx: Ctx, job: JobHandle) -> JobOutput:
    """Render the compliance report of ``params["period"]`` in ``params["locale"]``."""
    return _render(ctx, job, "compliance")


@job_kind(FILING_JOB, N_("Monthly filing pack (PDF)"), module="compliance")
def filing_pack_job(ctx: Ctx, job: JobHandle) -> JobOutput:
    """Render the DS11 filing pack of ``params["period"]`` in ``params["locale"]``."""
    return _render(ctx, job, "filing")
