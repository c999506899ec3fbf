"""The KYC module's background job: a data-subject archive asked for in the web admin is
written by a worker (the ZIP with JSON, CSV and a readable PDF); the CLI and the REST API
still write it directly."""

from __future__ import annotations

import tempfile
from pathlib import Path

from core.api import N_, Ctx, JobHandle, JobOutput, job_kind
from plugins.kyc.common import MODULE

EXPORT_JOB = "kyc.dsr_export"


@job_kind(EXPORT_JOB, N_("Data-subject archive (ZIP)"), module=MODULE)
def dsr_export_job(ctx: Ctx, job: JobHandle) -> JobOutput:
    """Write the archive of request ``params["ref"]`` (closing an open access, export or
    portability request, as the CLI does); the ZIP is the job's file."""
    from plugins.kyc import dsr

    ref = str(job.params["ref"])
    with tempfile.TemporaryDirectory(prefix="directcrm-dsr-") as folder:
        job.progress(10)
        path = dsr.export_request(ctx, ref, Path(folder))
        data = path.read_bytes()
    return JobOutput(file=data, filename=f"{ref}.zip", mimetype="application/zip")
