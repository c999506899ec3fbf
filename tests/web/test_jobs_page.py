"""The "Jobs" page (#17): the brand's background jobs, a rep's own only; another brand's
job answers 404, its page and its download alike."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.api import Ctx, JobHandle, JobKind, JobOutput, enqueue, register_job_kind
from core.jobqueue import services as jobs
from core.jobqueue.runner import QueueRunner
from core.runtime import Runtime
from core.services.reps import create_rep


@pytest.fixture(autouse=True)
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DIRECTCRM_FILES_DIR", str(tmp_path / "files"))

    def note(ctx: Ctx, job: JobHandle) -> JobOutput:
        return JobOutput(file=f"note of {ctx.user}".encode(), filename="note.txt",
                         mimetype="text/plain")

    register_job_kind(JobKind("test.note", "Note", note))
    yield
    jobs._kinds.pop("test.note", None)


def _as(make_ctx: Callable[..., Ctx], brand: str, user: str, rep_scope: int | None = None
        ) -> Ctx:
    ctx = make_ctx(brand, user=user)
    ctx.rep_scope_id = rep_scope
    return ctx


def test_jobs_page_is_brand_scoped_and_a_rep_sees_their_own(
        rt: Runtime, web_app: Any, make_ctx: Callable[..., Ctx], ctx_a: Ctx,
        make_user: Callable[..., int], login_as: Callable[[str], Any]) -> None:
    rep = create_rep(ctx_a, {"rep_ref": "R1", "name": "王芳", "status": "active"})
    make_user("boss.a", "brand_admin", brand="A")
    make_user("rep.a", "rep", brand="A", rep_ref="R1")
    make_user("boss.b", "brand_admin", brand="B")
    boss_job = enqueue(_as(make_ctx, "A", "boss.a"), "test.note", {"n": 1})
    rep_job = enqueue(_as(make_ctx, "A", "rep.a", rep.id), "test.note", {"n": 2})
    b_job = enqueue(_as(make_ctx, "B", "boss.b"), "test.note", {"n": 3})
    QueueRunner(rt.engine, rt.registry).run_pending()

    boss = login_as("boss.a")
    page = boss.get("/jobs/list/").get_data(as_text=True)
    assert f"/jobs/{boss_job.id}" in page and f"/jobs/{rep_job.id}" in page
    assert f"/jobs/{b_job.id}\"" not in page
    assert boss.get(f"/jobs/{b_job.id}").status_code == 404
    assert boss.get(f"/jobs/{b_job.id}/download").status_code == 404
    r = boss.get(f"/jobs/{rep_job.id}/download")  # the brand admin sees the whole brand
    assert r.status_code == 200 and r.data == b"note of rep.a"

    rep_client = login_as("rep.a")
    page = rep_client.get("/jobs/list/").get_data(as_text=True)
    assert f"/jobs/{rep_job.id}" in page and f"/jobs/{boss_job.id}\"" not in page
    assert rep_client.get(f"/jobs/{boss_job.id}").status_code == 404
    assert rep_client.get(f"/jobs/{boss_job.id}/download").status_code == 404
    r = rep_client.get(f"/jobs/{rep_job.id}/download")
    assert r.status_code == 200 and r.data == b"note of rep.a"

    b = login_as("boss.b")
    assert f"/jobs/{b_job.id}" in b.get("/jobs/list/").get_data(as_text=True)
    assert b.get(f"/jobs/{boss_job.id}").status_code == 404
