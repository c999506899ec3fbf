"""CSV imports started from the web admin, run by a background job (``core.import``).

The upload is kept encrypted (``core.files``) until the job has run; the job runs the same
:func:`~core.importing.kinds.run_import` as ``directcrm import``, for the core's kinds and
those of the brand's enabled modules (same checks, per-line errors and rejects file), as
the user who uploaded it, reports the progress, and returns the summary and, with "skip
invalid rows", the rejects file to download.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from core.context import Ctx
from core.errors import DomainError, ValidationFailed
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
    """Keep the uploaded CSV (encrypted) and queue its import (any kind the brand has:
    the core's or an enabled module's); the job's info."""
    from core.importing.kinds import import_kinds, unknown_kind

    kinds = import_kinds(ctx)
    if kind not in kinds:
        raise unknown_kind(kinds, kind)
    ref = store_encrypted(ctx.brand_id, data, kind="imports")
    return enqueue(ctx, IMPORT_JOB, {"kind": kind, "file": filename, "upload": ref,
                                     "skip_invalid": bool(skip_invalid)})


def _safe_name(filename: str) -> str:
    """The uploaded file's base name, fit for a file system (``upload.csv`` when none)."""
    name = os.path.basename(filename.replace("\\", "/")).strip().lstrip(".")
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*')[:120]
    return name or "upload.csv"


@job_kind(IMPORT_JOB, N_("CSV import"))
def import_job(ctx: Ctx, job: JobHandle) -> JobOutput:
    """Import the uploaded file; the summary, and the rejects file when rows were
    rejected."""
    from core.importing.kinds import import_kinds, run_import, unknown_kind

    params: dict[str, Any] = job.params
    kinds = import_kinds(ctx)
    if params.get("kind") not in kinds:  # its module was disabled since: no retry helps
        raise ValidationFailed({"kind": [unknown_kind(kinds, str(params.get("kind"))).message]})
    try:
        data = read_encrypted(params["upload"])
    except FileNotFoundError:
        raise DomainError(_("The uploaded file is no longer available: upload it again."),
                          code="gone") from None
    with tempfile.TemporaryDirectory(prefix="directcrm-import-") as folder:
        # Under the uploaded file's own name: what the CLI records of the file, the job too.
        source = Path(folder) / _safe_name(str(params.get("file") or ""))
        source.write_bytes(data)
        (Path(folder) / "out").mkdir()
        rejects = Path(folder) / "out" / "rejects.csv" if params.get("skip_invalid") else None
        result = run_import(ctx, params["kind"], source, rejects_path=rejects,
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
