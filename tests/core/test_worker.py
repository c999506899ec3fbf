"""``directcrm worker``: runs the due jobs without anyone calling ``tick``; two workers
started together run each due job once; SIGTERM stops it cleanly (#17)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from core.crypto import Keyring
from core.models import JobRunRecord
from core.runtime import Runtime
from core.scheduler import core_jobs
from core.worker import Worker

CORE_JOBS = {"segments", "churned", "task_rules", "lead_pool"}


def _env(database_url: str, keyring: Keyring, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "DIRECTCRM_INSTANCE_PATH": str(tmp_path),
            "DIRECTCRM_DATABASE_URL": database_url, "DIRECTCRM_KEYS": keyring.to_json(),
            "PYTHONPATH": os.environ.get("PYTHONPATH", str(Path.cwd()))}


def _runs(rt: Runtime) -> list[tuple[str, str, str]]:
    with rt.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(  # type: ignore[misc]
            select(JobRunRecord.job, JobRunRecord.slot, JobRunRecord.status)
            .order_by(JobRunRecord.brand_id, JobRunRecord.id))]


def test_worker_pass_and_stop(rt: Runtime, brands: tuple[str, str]) -> None:
    assert {j.name for j in core_jobs()} >= CORE_JOBS
    seen = []
    worker = Worker(lambda code: rt.ctx(code), ["A"], interval=60, report=seen.append)
    runs = worker.run_once()
    assert {(r.brand, r.job) for r in runs} == {("A", j.name) for j in core_jobs()}
    assert seen == runs and not any(r.error for r in runs)
    assert worker.run_once() == []  # nothing due any more in this slot
    assert Worker(lambda code: rt.ctx(code), ["B"]).run_once() != []  # B still due
    with rt.engine.begin() as conn:
        conn.execute(JobRunRecord.__table__.delete())
    worker.stop()
    assert worker.run_once() == []  # a stopped worker starts no job, even a due one


def test_two_workers_started_together_run_each_due_job_once(
        rt: Runtime, brands: tuple[str, str], database_url: str, keyring: Keyring,
        tmp_path: Path) -> None:
    env = _env(database_url, keyring, tmp_path)
    cmd = [sys.executable, "-m", "core.cli", "worker", "--once"]
    workers = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
               for _ in range(2)]
    outs = [w.communicate(timeout=180)[0].decode() for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outs
    jobs = len(core_jobs())
    # Each job of each brand ran once, in one worker or the other, and succeeded.
    runs = _runs(rt)
    assert len(runs) == 2 * jobs and {status for *_, status in runs} == {"ok"}
    assert sum(out.count(" core/") for out in outs) == 2 * jobs
    with rt.engine.connect() as conn:
        per_job = conn.execute(select(JobRunRecord.brand_id, JobRunRecord.job, func.count())
                               .group_by(JobRunRecord.brand_id, JobRunRecord.job)).all()
    assert {n for *_, n in per_job} == {1}


def test_worker_runs_due_jobs_until_sigterm(rt: Runtime, brands: tuple[str, str],
                                            database_url: str, keyring: Keyring,
                                            tmp_path: Path) -> None:
    env = _env(database_url, keyring, tmp_path)
    worker = subprocess.Popen([sys.executable, "-m", "core.cli", "worker", "--interval", "1"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while len(_runs(rt)) < 2 * len(core_jobs()):
            assert worker.poll() is None and time.monotonic() < deadline
            time.sleep(0.3)
        time.sleep(1.5)  # a second pass: nothing more is due
        assert len(_runs(rt)) == 2 * len(core_jobs())
    finally:
        worker.send_signal(signal.SIGTERM)
        out = worker.communicate(timeout=60)[0].decode()
    assert worker.returncode == 0, out
    assert "worker stopped" in out and "A core/segments" in out


def test_a_run_left_running_by_a_dead_worker_is_taken_again_after_an_hour(
        rt: Runtime, make_ctx, brands: tuple[str, str]) -> None:
    import datetime as dt

    from core.scheduler import tick

    def ctx_at(now: dt.datetime):  # noqa: ANN202
        def make(code):  # noqa: ANN001, ANN202
            ctx = make_ctx(code)
            ctx.clock = lambda: now
            return ctx
        return make

    ten = dt.datetime(2026, 3, 2, 2, 30, tzinfo=dt.UTC)  # 10:30 in Shanghai: slot 03-02
    brand_a = make_ctx("A").brand_id
    with rt.engine.begin() as conn:  # a worker claimed segments at 10:30, then was killed
        conn.execute(JobRunRecord.__table__.insert().values(
            brand_id=brand_a, module="core", job="segments", slot="2026-03-02",
            status="running", started_at=ten))
    # 40 minutes later the slot is still held: it may be running.
    runs = tick(ctx_at(ten + dt.timedelta(minutes=40)), ["A"])
    assert "segments" not in {r.job for r in runs}
    # 61 minutes after it started, it is taken again and run once.
    runs = tick(ctx_at(ten + dt.timedelta(minutes=61)), ["A"])
    assert [r.job for r in runs] == ["segments"] and runs[0].error is None
    assert ("segments", "2026-03-02", "ok") in _runs(rt)
    assert tick(ctx_at(ten + dt.timedelta(minutes=130)), ["A"]) == []
