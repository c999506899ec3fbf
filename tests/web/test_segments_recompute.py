"""The brand's full segment recompute as a background job (#17): the segmentation page's
button and ``directcrm segments-recompute`` queue the same job, one at a time per brand;
the job stores every scheme and a second run changes nothing."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from core.context import Ctx
from core.jobqueue.models import QueuedJob
from core.jobqueue.runner import QueueRunner
from core.jobqueue.services import get_job
from core.runtime import Runtime
from core.segmentation.background import SEGMENTS_JOB, start_recompute
from core.segmentation.models import CustomerSegment

# Every scheme, in the order they are stored.
SCHEMES = ("abc", "grid", "rfm", "size")


@pytest.fixture()
def shop(ctx_a: Ctx, build: Any, clock: Any) -> Ctx:
    """Brand A: C1 and C2 bought (1000.00 and 100.00), C3 never did."""
    build.product(ctx_a, "P1", price="100.00")
    for ref in ("C1", "C2", "C3"):
        build.customer(ctx_a, ref)
    build.paid_order(ctx_a, "C1", [("P1", 10)])
    build.paid_order(ctx_a, "C2", [("P1", 1)])
    return ctx_a


def _jobs(rt: Runtime) -> int:
    with rt.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(QueuedJob)
                               .where(QueuedJob.kind == SEGMENTS_JOB)) or 0)


def _stored(rt: Runtime, scheme: str) -> dict[str, int]:
    with rt.engine.connect() as conn:
        return dict(conn.execute(select(CustomerSegment.segment, func.count())
                                 .where(CustomerSegment.scheme == scheme)
                                 .group_by(CustomerSegment.segment)).all())


def test_the_button_queues_one_recompute_per_brand_and_the_job_stores_every_scheme(
        rt: Runtime, shop: Ctx, make_user: Callable[..., int],
        login_as: Callable[[str], Any], make_ctx: Callable[..., Ctx]) -> None:
    make_user("mgr.a", "manager", brand="A")
    make_user("boss.a", "brand_admin", brand="A")
    manager = login_as("mgr.a")
    page = manager.get("/segments/").get_data(as_text=True)
    assert 'id="recompute-button"' in page and "Recompute all segments" in page
    assert page.count("Nothing stored yet for this scheme.") == 4
    assert 'href="/segments/"' in page  # in the sidebar
    r = manager.post("/segments/recompute")
    assert r.status_code == 302 and "/jobs/" in r.headers["Location"]
    url = r.headers["Location"]
    # A second click, by someone else, while it waits: the same job, not a second one.
    again = login_as("boss.a").post("/segments/recompute")
    assert again.headers["Location"] == url and _jobs(rt) == 1
    page = manager.get("/segments/").get_data(as_text=True)
    assert 'id="recompute-active"' in page and "Show the running recompute" in page
    job_page = manager.get(url).get_data(as_text=True)
    assert "Segment recompute" in job_page and "<progress" in job_page

    assert len(QueueRunner(rt.engine, rt.registry).run_pending()) == 1
    job = get_job(make_ctx("A"), int(url.rsplit("/", 1)[1]))
    assert job.status == "done" and job.progress == 100
    # Worked out by hand: the first storage records a segment for each of the 3 customers
    # in each scheme (none had one).
    summary = job.result_summary or {}
    assert summary["customers"] == 3
    assert summary["changes"] == {"abc": 3, "grid": 3, "rfm": 3, "size": 3}
    # C3 never bought: not ranked in ABC, "A: never bought" in the value grid.
    assert _stored(rt, "abc").get("-") == 1 and sum(_stored(rt, "abc").values()) == 3
    assert _stored(rt, "grid").get("A") == 1
    page = manager.get("/segments/").get_data(as_text=True)
    assert "Nothing stored yet" not in page and 'id="recompute-last"' in page
    assert '<tr data-segment="-"><td>Not ranked (no revenue)</td><td class="num">1</td>' in page
    job_page = manager.get(url).get_data(as_text=True)
    assert "Segment changes" in job_page and "ABC (Pareto) 3" in job_page

    # Done: a new click queues a new job; it stores nothing new.
    url2 = manager.post("/segments/recompute").headers["Location"]
    assert url2 != url
    QueueRunner(rt.engine, rt.registry).run_pending()
    job = get_job(make_ctx("A"), int(url2.rsplit("/", 1)[1]))
    assert (job.result_summary or {})["changes"] == {s: 0 for s in SCHEMES}


def test_who_may_see_the_page_and_queue_the_job(
        rt: Runtime, shop: Ctx, build: Any, make_user: Callable[..., int],
        login_as: Callable[[str], Any]) -> None:
    build.rep(shop, "R1")
    make_user("rep.a", "rep", brand="A", rep_ref="R1")
    make_user("cs.a", "customer_service", brand="A")
    make_user("co.a", "compliance_officer", brand="A")
    for user in ("rep.a", "cs.a"):
        client = login_as(user)
        assert client.get("/segments/").status_code in (302, 403, 404)
        assert client.post("/segments/recompute").status_code in (302, 403, 404)
        assert "/segments/" not in client.get("/customers/list/").get_data(as_text=True)
    officer = login_as("co.a")
    page = officer.get("/segments/").get_data(as_text=True)
    assert "Nothing stored yet" in page and "recompute-button" not in page  # reads only
    assert officer.post("/segments/recompute").status_code in (302, 403)
    assert _jobs(rt) == 0


def test_the_cli_queues_the_same_job(rt: Runtime, shop: Ctx, run_cli: Callable[..., Any],
                                     make_ctx: Callable[..., Ctx]) -> None:
    queued = start_recompute(make_ctx("A", user="li.na"))  # e.g. from the web, not run yet
    r = run_cli("segments-recompute", "--brand", "A")
    assert r.exit_code == 0, r.output
    assert f"Job {queued.id}: queued." in r.output and _jobs(rt) == 1
    r = run_cli("segments-recompute", "--brand", "A", "--wait")
    assert r.exit_code == 0, r.output
    assert f"Job {queued.id} done: 3 customers" in r.output
    assert "abc 3, grid 3, rfm 3, size 3" in r.output
    r = run_cli("segments-recompute", "--brand", "A", "--wait")
    assert "abc 0, grid 0, rfm 0, size 0" in r.output and _jobs(rt) == 2


def test_two_requests_at_once_queue_one_job(rt: Runtime, shop: Ctx,
                                            make_ctx: Callable[..., Ctx]) -> None:
    contexts = [make_ctx("A", user=u) for u in ("li.na", "wang.fang")]
    start = threading.Barrier(2)
    ids: list[int] = []

    def ask(ctx: Ctx) -> None:
        start.wait()
        ids.append(start_recompute(ctx).id)

    threads = [threading.Thread(target=ask, args=(c,)) for c in contexts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == 2 and ids[0] == ids[1] and _jobs(rt) == 1
