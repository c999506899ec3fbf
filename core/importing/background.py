"""CSV imports started from the web admin, run by a background job (``core.import``).

The upload is kept encrypted (``core.files``) until the job has run; the job runs the same
:func:`~core.importing.import_csv` as ``directcrm import`` (same checks, per-line errors
and rejects file) as the user who uploaded it, reports the two passes as progress, and
returns the summary and, with "skip invalid rows", the rejects file to download.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from core.context import Ctx
from core.errors import DomainError
from core.files import delete_encrypted, read_encrypted, store_encrypted
from core.i18n import N_, _
from core.jobqueue.services import JobHandle, JobInfo, JobOutput, enqueue, job_kind

IMPORT_JOB = "core.import"
#: How many row errors the job's page lists (all of them are in the rejects file).
ERRORS_KEPT = 500


class _JobProgress:
    """The importer's two phases (check, write) as one 0-99 % bar."""

    def __init__(self, job: JobHandle) -> None:
        self.job = job
        self.phase_no = -1
        self.total = 1
        self.done_rows = 0

    def phase(self, label: str, total: int) -> None:
        self.phase_no += 1
        self.total, self.done_rows = max(total, 1), 0
        self.job.progress(50 * self.phase_no)

    def advance(self, n: int) -> None:
        self.done_rows += n
        self.job.progress(50 * self.phase_no + 49 * min(self.done_rows, self.total)
                          / self.total)

    def done(self) -> None:
        pass


def start_import(ctx: Ctx, kind: str, data: bytes, filename: str,
                 skip_invalid: bool) -> JobInfo:
    """Keep the uploaded CSV (encrypted) and queue its import; the job's info."""
    from core.importing import KINDS

    if kind not in KINDS:
        raise DomainError(_("Unknown import kind %(kind)s (one of: %(kinds)s).", kind=kind,
                            kinds=", ".join(KINDS)))
    ref = store_encrypted(ctx.brand_id, data, kind="imports")
    return enqueue(ctx, IMPORT_JOB, {"kind": kind, "file": filename, "upload": ref,
                                     "skip_invalid": bool(skip_invalid)})


@job_kind(IMPORT_JOB, N_("CSV import"))
def import_job(ctx: Ctx, job: JobHandle) -> JobOutput:
    """Import the uploaded file; the summary, and the rejects file when rows were
    rejected."""
    from core.importing import import_csv

    params: dict[str, Any] = job.params
    try:
        data = read_encrypted(params["upload"])
    except FileNotFoundError:
        raise DomainError(_("The uploaded file is no longer available: upload it again."),
                          code="gone") from None
    with tempfile.TemporaryDirectory(prefix="directcrm-import-") as folder:
        source = Path(folder) / "upload.csv"
        source.write_bytes(data)
        rejects = Path(folder) / "rejects.csv" if params.get("skip_invalid") else None
        result = import_csv(ctx, params["kind"], source, rejects_path=rejects,
                            progress=_JobProgress(job))
        rejects_data = rejects.read_bytes() if rejects and result.rejected else None
    delete_encrypted(params["upload"])  # personal data: kept no longer than needed
    summary = {"committed": result.committed, "rows_read": result.rows_read,
               "imported": result.imported, "skipped": result.skipped,
               "rejected": result.rejected, "records": dict(result.units),
               "ignored_columns": result.ignored_columns,
               "errors": [e.as_dict() for e in result.errors[:ERRORS_KEPT]],
               "errors_total": len(result.errors), "warnings_total": result.warnings_total,
               "warnings": [w.as_dict() for w in result.warnings[:ERRORS_KEPT]]}
    stem = os.path.splitext(os.path.basename(str(params.get("file") or "import")))[0]
    if rejects_data is None:
        return JobOutput(summary=summary)
    return JobOutput(file=rejects_data, filename=f"{stem}-rejects.csv",
                     mimetype="text/csv", summary=summary)
