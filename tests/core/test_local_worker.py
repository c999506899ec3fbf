"""`directcrm serve` starts a local queue worker (by default on SQLite, with `--worker` on
PostgreSQL) (#17): a job queued in the database is run by it, and it ends with the server,
even when the server is killed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from core.context import Ctx
from core.crypto import Keyring
from core.importing.background import start_import
from core.jobqueue.models import QueuedJob
from core.runtime import Runtime


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) is gone for our purpose.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


def test_serve_starts_a_queue_worker_that_ends_with_it(
        rt: Runtime, ctx_a: Ctx, database_url: str, keyring: Keyring, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    files = tmp_path / "files"
    monkeypatch.setenv("DIRECTCRM_FILES_DIR", str(files))
    job = start_import(ctx_a, "products",
                       b"sku,name,category,list_price\nMZ-1,Cream,cosmetics,199.00\n",
                       "products.csv", skip_invalid=False)
    env = {**os.environ, "DIRECTCRM_INSTANCE_PATH": str(tmp_path),
           "DIRECTCRM_DATABASE_URL": database_url, "DIRECTCRM_KEYS": keyring.to_json(),
           "DIRECTCRM_FILES_DIR": str(files),
           "PYTHONPATH": os.environ.get("PYTHONPATH", str(Path.cwd()))}
    # The default on SQLite; PostgreSQL installations ask for it.
    flag = [] if database_url.startswith("sqlite") else ["--worker"]
    server = subprocess.Popen([sys.executable, "-m", "core.cli", "serve", "--port",
                               str(_free_port()), "--workers", "1", *flag], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        row = None
        while time.monotonic() < deadline:
            with rt.engine.connect() as conn:
                row = conn.execute(select(QueuedJob.status, QueuedJob.worker, QueuedJob.
                                          result_summary).where(QueuedJob.id == job.id)).one()
            if row.status == "done":
                break
            time.sleep(0.2)
        assert row is not None and row.status == "done", row
        assert row.result_summary["imported"] == 1
        worker_pid = int(row.worker.rsplit(":", 1)[1])
        assert worker_pid != server.pid and _alive(worker_pid)
    finally:
        server.send_signal(signal.SIGKILL)  # no chance to stop its worker itself
        server.wait(30)
    deadline = time.monotonic() + 30
    while _alive(worker_pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(worker_pid), "the local worker outlived the killed server"
