"""A compliance report asked for in the web admin is rendered by a worker process; a worker
killed mid-job (SIGKILL) and started again completes the job exactly once (#17)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from core.context import Ctx
from core.crypto import Keyring
from core.jobqueue.models import QueuedJob
from core.jobqueue.services import enqueue, get_job, read_result
from core.runtime import Runtime
from core.services.modules import enable_modules
from plugins.compliance.models import ReportRecord


def _env(database_url: str, keyring: Keyring, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "DIRECTCRM_INSTANCE_PATH": str(tmp_path),
            "DIRECTCRM_DATABASE_URL": database_url, "DIRECTCRM_KEYS": keyring.to_json(),
            "DIRECTCRM_FILES_DIR": str(tmp_path / "files"), "DIRECTCRM_JOB_LEASE": "2",
            "PYTHONPATH": os.environ.get("PYTHONPATH", str(Path.cwd()))}


def _state(rt: Runtime, job_id: int) -> Any:
    with rt.engine.connect() as conn:
        return conn.execute(select(QueuedJob.status, QueuedJob.attempts, QueuedJob.worker)
                            .where(QueuedJob.id == job_id)).one()


def _wait_for(rt: Runtime, job_id: int, status: str, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = _state(rt, job_id)
        if state.status == status:
            return state
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} never {status}: {_state(rt, job_id)}")


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "core.cli", "worker", "--queue-only",
                             "--poll", "0.2"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)


def test_killed_worker_restarted_completes_the_job_once(
        rt: Runtime, ctx_a: Ctx, database_url: str, keyring: Keyring, tmp_path: Path,
        monkeypatch: Any) -> None:
    monkeypatch.setenv("DIRECTCRM_FILES_DIR", str(tmp_path / "files"))
    enable_modules(ctx_a, ["compliance"])
    ctx_a.refresh_modules()
    job = enqueue(ctx_a, "compliance.report", {"period": "2026-02", "locale": "en"})
    env = _env(database_url, keyring, tmp_path)

    first = _worker(env)
    try:
        running = _wait_for(rt, job.id, "running", 120)
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    finally:
        if first.poll() is None:
            first.kill()
    # Killed mid-job: still "running" (attempt 1), no result, nothing registered.
    assert tuple(_state(rt, job.id))[:2] == ("running", 1) and running.worker
    results = tmp_path / "files" / "jobs"
    assert not list(results.rglob("*.enc"))

    second = _worker(env)
    try:
        done = _wait_for(rt, job.id, "done", 180)
    finally:
        second.send_signal(signal.SIGTERM)
        out = second.communicate(timeout=60)[0].decode()
    assert second.returncode == 0, out
    assert (done.status, done.attempts) == ("done", 2)
    assert done.worker != running.worker  # the second worker took it over
    # Exactly once: one result file, one report in the register, one job row.
    assert len(list(results.rglob("*.enc"))) == 1
    assert not list(results.rglob("*.part"))
    with rt.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ReportRecord)) == 1
        assert conn.scalar(select(func.count()).select_from(QueuedJob)) == 1
    data, name, mimetype = read_result(ctx_a, job.id)
    assert data.startswith(b"%PDF") and name == "compliance-A-2026-02.pdf"
    assert mimetype == "application/pdf"
    assert get_job(ctx_a, job.id).progress == 100
