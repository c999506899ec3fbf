"""Background jobs (#17): enqueue → a worker runs → the result is downloaded; failures are
retried with back-off up to a limit and shown translated; jobs are brand scoped (a rep
sees their own); ``directcrm jobs queue``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.api import (
    Ctx,
    JobHandle,
    JobKind,
    JobOutput,
    NotFound,
    ValidationFailed,
    enqueue,
    get_job,
    list_jobs,
    register_job_kind,
)
from core.jobqueue import services as jobs
from core.jobqueue.runner import QueueRunner
from core.runtime import Runtime

# The queue runs on wall-clock time (a job is queued "now"): the test clock starts a
# little later, counted from each test's start (set by the fixture below; counted from
# the module's import it fell behind the wall clock once the suite before it took longer
# than five minutes, and no job was due).
T0 = dt.datetime.now(dt.UTC)


@pytest.fixture(autouse=True)
def _start_time() -> None:
    global T0
    T0 = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=5)


class Clock:
    """The queue's clock for a test: fixed, moved by hand."""

    def __init__(self) -> None:
        self.value = T0

    def __call__(self) -> dt.datetime:
        return self.value


@pytest.fixture(autouse=True)
def files_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Job results go to this test's own folder."""
    folder = tmp_path / "files"
    monkeypatch.setenv("DIRECTCRM_FILES_DIR", str(folder))
    return folder


@pytest.fixture()
def kinds() -> Iterator[dict[str, list[Any]]]:
    """Three test kinds: ``test.echo`` (a file and a summary), ``test.flaky`` (fails the
    first ``params["fail"]`` attempts), ``test.invalid`` (refuses its input)."""
    calls: dict[str, list[Any]] = {"echo": [], "flaky": []}

    def echo(ctx: Ctx, job: JobHandle) -> JobOutput:
        job.progress(50)
        calls["echo"].append((ctx.brand.code if ctx.brand else None, ctx.user, ctx.locale,
                               job.attempt))
        text = f"{ctx.brand.code if ctx.brand else '-'}:{job.params['word']}"
        return JobOutput(file=text.encode(), filename="echo.txt", mimetype="text/plain",
                         summary={"letters": len(job.params["word"])})

    def flaky(ctx: Ctx, job: JobHandle) -> JobOutput:
        calls["flaky"].append(job.attempt)
        if job.attempt <= job.params["fail"]:
            raise RuntimeError(f"disk full on attempt {job.attempt}")
        return JobOutput(summary={"ok": True})

    def invalid(ctx: Ctx, job: JobHandle) -> None:
        raise ValidationFailed({"period": ["not a month"]})

    register_job_kind(JobKind("test.echo", "Echo", echo))
    register_job_kind(JobKind("test.flaky", "Flaky", flaky, max_attempts=3,
                              backoff_seconds=30))
    register_job_kind(JobKind("test.invalid", "Invalid", invalid))
    yield calls
    for name in ("test.echo", "test.flaky", "test.invalid"):
        jobs._kinds.pop(name, None)


def runner(rt: Runtime, clock: Clock | None = None) -> QueueRunner:
    return QueueRunner(rt.engine, rt.registry, worker_id="test-worker",
                       clock=clock or Clock())


def test_enqueue_run_download(rt: Runtime, ctx_a: Ctx, kinds: dict[str, list[Any]],
                              files_dir: Path) -> None:
    job = enqueue(ctx_a, "test.echo", {"word": "hello"})
    assert (job.status, job.progress, job.attempts, job.requested_by) == (
        "queued", 0, 0, "tester")
    # Asking again while it waits gives the same job, not a second one.
    assert enqueue(ctx_a, "test.echo", {"word": "hello"}).id == job.id
    other = enqueue(ctx_a, "test.echo", {"word": "bye"})
    assert other.id != job.id

    assert runner(rt).run_pending() == [job.id, other.id]
    done = get_job(ctx_a, job.id)
    assert (done.status, done.progress, done.attempts) == ("done", 100, 1)
    assert done.result_summary == {"letters": 5} and done.result_name == "echo.txt"
    # It ran as the user who asked, in their language (brand A's default, Chinese).
    assert kinds["echo"][0] == ("A", "tester", "zh_Hans_CN", 1)
    data, name, mimetype = jobs.read_result(ctx_a, job.id)
    assert (data, name, mimetype) == (b"A:hello", "echo.txt", "text/plain")
    # Kept encrypted: the file on disk is not the plain text.
    stored = list((files_dir / "jobs").rglob("*.enc"))
    assert len(stored) == 2 and all(b"hello" not in p.read_bytes() for p in stored)
    # Done: asking again queues a new job (a new report), and nothing is left to run.
    assert runner(rt).run_next() is None
    assert enqueue(ctx_a, "test.echo", {"word": "hello"}).id not in (job.id, other.id)


def test_failure_is_retried_with_backoff_then_fails_with_translated_error(
        rt: Runtime, ctx_a: Ctx, kinds: dict[str, list[Any]]) -> None:
    clock = Clock()
    worker = runner(rt, clock)
    job = enqueue(ctx_a, "test.flaky", {"fail": 5})
    assert worker.run_next() == job.id
    first = get_job(ctx_a, job.id)
    # Back to the queue, 30 s later; the error is in the asker's language (Chinese).
    assert (first.status, first.attempts) == ("queued", 1)
    assert first.error == "意外错误：RuntimeError: disk full on attempt 1"
    assert first.run_after == T0 + dt.timedelta(seconds=30)
    clock.value = T0 + dt.timedelta(seconds=29)
    assert worker.run_next() is None  # not due yet
    clock.value = T0 + dt.timedelta(seconds=30)
    assert worker.run_next() == job.id
    second = get_job(ctx_a, job.id)
    # The back-off doubles: 60 s after the second failure.
    assert (second.status, second.attempts) == ("queued", 2)
    assert second.run_after == T0 + dt.timedelta(seconds=30 + 60)
    clock.value = T0 + dt.timedelta(seconds=89)
    assert worker.run_next() is None
    clock.value = T0 + dt.timedelta(seconds=90)
    assert worker.run_next() == job.id
    last = get_job(ctx_a, job.id)
    assert (last.status, last.attempts, last.finished) == ("failed", 3, True)
    assert last.error == "意外错误：RuntimeError: disk full on attempt 3"
    assert kinds["flaky"] == [1, 2, 3]
    clock.value = T0 + dt.timedelta(days=1)
    assert worker.run_next() is None  # never again


def test_a_job_that_succeeds_on_retry(rt: Runtime, ctx_a: Ctx,
                                      kinds: dict[str, list[Any]]) -> None:
    clock = Clock()
    job = enqueue(ctx_a, "test.flaky", {"fail": 1})
    runner(rt, clock).run_next()
    clock.value = T0 + dt.timedelta(seconds=30)
    runner(rt, clock).run_next()
    done = get_job(ctx_a, job.id)
    assert (done.status, done.attempts, done.error, done.result_summary) == (
        "done", 2, None, {"ok": True})


def test_invalid_input_fails_at_once(rt: Runtime, ctx_a: Ctx,
                                     kinds: dict[str, list[Any]]) -> None:
    job = enqueue(ctx_a, "test.invalid", {})
    runner(rt).run_next()
    failed = get_job(ctx_a, job.id)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.error == "period: not a month"


def test_unknown_kind_and_disabled_module_are_refused(ctx_a: Ctx) -> None:
    with pytest.raises(ValidationFailed) as exc:
        enqueue(ctx_a, "no.such.kind", {})
    assert "kind" in exc.value.errors
    with pytest.raises(NotFound):  # brand A has not enabled compliance
        enqueue(ctx_a, "compliance.report", {"period": "2026-02"})


def test_jobs_are_brand_scoped_and_a_rep_sees_their_own(
        rt: Runtime, make_ctx: Callable[..., Ctx], ctx_a: Ctx, ctx_b: Ctx,
        kinds: dict[str, list[Any]], run_cli: Callable[..., Any]) -> None:
    mine = enqueue(make_ctx("A", user="rep.wang"), "test.echo", {"word": "a"})
    theirs = enqueue(make_ctx("A", user="li.na"), "test.echo", {"word": "b"})
    b_job = enqueue(ctx_b, "test.echo", {"word": "c"})
    with pytest.raises(NotFound):
        get_job(ctx_b, mine.id)  # another brand's job is "not found"
    assert [j.id for j in list_jobs(ctx_a)] == [theirs.id, mine.id]
    assert [j.id for j in list_jobs(ctx_b)] == [b_job.id]
    rep = make_ctx("A", user="rep.wang")
    rep.rep_scope_id = 1  # a rep user: their own jobs only
    assert [j.id for j in list_jobs(rep)] == [mine.id]
    with pytest.raises(NotFound):
        get_job(rep, theirs.id)

    runner(rt).run_pending()
    result = run_cli("jobs", "queue", "--brand", "A", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["id"], r["requested_by"], r["status"], r["result_name"]) for r in rows] == [
        (theirs.id, "li.na", "done", "echo.txt"), (mine.id, "rep.wang", "done", "echo.txt")]
    csv_out = run_cli("jobs", "queue", "--brand", "B").output.splitlines()
    assert csv_out[0] == ("id,kind,requested_by,status,progress,attempts,created_at,"
                          "finished_at,result,error")
    assert len(csv_out) == 2 and csv_out[1].startswith(f"{b_job.id},test.echo,tester,Done,100,1/3,")


def _set(rt: Runtime, job_id: int, **values: Any) -> None:
    from sqlalchemy import update

    from core.jobqueue.models import QueuedJob

    with rt.engine.begin() as conn:
        conn.execute(update(QueuedJob).where(QueuedJob.id == job_id).values(**values))


def test_a_job_left_running_by_a_dead_worker_is_taken_over_after_the_lease(
        rt: Runtime, ctx_a: Ctx, kinds: dict[str, list[Any]]) -> None:
    clock = Clock()
    job = enqueue(ctx_a, "test.echo", {"word": "late"})
    # A worker claimed it (attempt 1) and died: its last heartbeat is 59 s old.
    _set(rt, job.id, status="running", attempts=1, worker="dead:1",
         heartbeat_at=T0 - dt.timedelta(seconds=59))
    worker = runner(rt, clock)
    assert worker.lease == 60
    assert worker.run_next() is None  # still within the lease: maybe alive
    clock.value = T0 + dt.timedelta(seconds=2)  # now 61 s without a heartbeat
    assert worker.run_next() == job.id
    done = get_job(ctx_a, job.id)
    assert (done.status, done.attempts) == ("done", 2)
    assert kinds["echo"] == [("A", "tester", "zh_Hans_CN", 2)]


def test_a_dead_worker_on_the_last_attempt_fails_the_job(
        rt: Runtime, ctx_a: Ctx, kinds: dict[str, list[Any]]) -> None:
    job = enqueue(ctx_a, "test.echo", {"word": "x"})
    _set(rt, job.id, status="running", attempts=3, worker="dead:1",
         heartbeat_at=T0 - dt.timedelta(hours=1))
    assert runner(rt).run_next() == job.id
    failed = get_job(ctx_a, job.id)
    assert (failed.status, failed.attempts) == ("failed", 3)
    assert failed.error == "任务执行期间处理进程已停止；已尝试 3 次。"
    assert kinds["echo"] == []  # not run a fourth time


def test_inline_mode_runs_the_job_inside_enqueue(rt: Runtime, ctx_a: Ctx,
                                                  kinds: dict[str, list[Any]],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIRECTCRM_JOBS", "inline")
    job = enqueue(ctx_a, "test.echo", {"word": "now"})
    assert (job.status, job.attempts, job.progress) == ("done", 1, 100)
    assert jobs.read_result(ctx_a, job.id)[0] == b"A:now"
    assert runner(rt).run_next() is None  # nothing left for a worker
