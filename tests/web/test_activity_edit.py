"""Edit forms for interactions and tasks: save, field errors (nothing saved), scoping."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask.testing import FlaskClient

from core.context import Ctx
from core.models import Interaction, InteractionKind, Task
from core.runtime import Runtime
from core.services.activities import complete_task, create_interaction, create_task
from tests.web.seed import Seeded

Login = Callable[[str], FlaskClient]
UTC = dt.UTC


def _task(rt: Runtime, pk: int) -> Task:
    with rt.sessionmaker() as s:
        task = s.get(Task, pk)
        assert task is not None
        s.expunge(task)
        return task


def test_edit_task_saves_then_refuses_blank_fields(login: Login, rt: Runtime, ctx_a: Ctx,
                                                   seeded: Seeded) -> None:
    task = create_task(ctx_a, {"title": "首次回访", "customer_ref": "C1",
                               "due_at": "2026-03-03T10:00:00"})
    client = login("boss_a")
    assert f"/tasks/edit/{task.id}" in client.get("/tasks/list/").get_data(as_text=True)
    form = client.get(f"/tasks/edit/{task.id}").get_data(as_text=True)
    assert 'value="首次回访"' in form and 'value="2026-03-03T10:00"' in form  # local time
    r = client.post(f"/tasks/edit/{task.id}", data={"title": "二次回访",
                                                    "due_at": "2026-03-05T08:00",
                                                    "rep_ref": "R2"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    saved = _task(rt, task.id)
    # 08:00 Asia/Shanghai (UTC+8) = 00:00 UTC; owner moved from R1 to R2
    assert saved.title == "二次回访" and saved.rep_id == seeded.reps["R2"]
    assert saved.due_at == dt.datetime(2026, 3, 5, 0, 0, tzinfo=UTC)
    r = client.post(f"/tasks/edit/{task.id}", data={"title": "", "due_at": "",
                                                    "rep_ref": "R1"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'data-field="title"' in html and 'data-field="due_at"' in html
    assert "Nothing was saved." in html
    unchanged = _task(rt, task.id)
    assert (unchanged.title, unchanged.rep_id) == ("二次回访", seeded.reps["R2"])


def test_edit_task_scoping_and_closed_tasks(login: Login, rt: Runtime, ctx_a: Ctx,
                                            seeded: Seeded) -> None:
    r2_task = create_task(ctx_a, {"title": "b", "customer_ref": "C3",
                                  "due_at": "2026-03-03T10:00:00"})
    done = create_task(ctx_a, {"title": "a", "customer_ref": "C1",
                               "due_at": "2026-03-03T10:00:00"})
    complete_task(ctx_a, done.id)
    rep1 = login("rep1")
    assert rep1.get(f"/tasks/edit/{r2_task.id}").status_code == 404  # R2's task
    assert rep1.post(f"/tasks/edit/{r2_task.id}", data={"title": "x"}).status_code == 404
    assert login("boss_b").get(f"/tasks/edit/{r2_task.id}").status_code == 404  # brand B
    r = rep1.post(f"/tasks/edit/{done.id}", data={"title": "a2",
                                                  "due_at": "2026-03-03T10:00"})
    assert r.status_code == 422 and "only open tasks can be edited" in r.get_data(as_text=True)
    assert _task(rt, done.id).title == "a" and _task(rt, r2_task.id).title == "b"


def test_edit_interaction(login: Login, rt: Runtime, ctx_a: Ctx, seeded: Seeded) -> None:
    i = create_interaction(ctx_a, {"customer_ref": "C1", "kind": "call",
                                   "occurred_at": "2026-03-01T09:00:00", "summary": "回访"})
    client = login("boss_a")
    assert f"/interactions/edit/{i.id}" in client.get("/interactions/list/").get_data(
        as_text=True)
    r = client.post(f"/interactions/edit/{i.id}", data={"kind": "fax", "summary": "",
                                                        "occurred_at": "2026-03-01T09:00"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert 'data-field="kind"' in html and 'data-field="summary"' in html
    with rt.sessionmaker() as s:
        assert s.get(Interaction, i.id).summary == "回访"  # nothing saved
    client.get("/language/zh_Hans_CN")
    html = client.post(f"/interactions/edit/{i.id}", data={
        "kind": "call", "summary": "x", "occurred_at": "昨天"}).get_data(as_text=True)
    assert "不是有效的日期时间" in html  # the field message in the user's language
    r = client.post(f"/interactions/edit/{i.id}", data={"kind": "visit", "summary": "上门",
                                                        "occurred_at": "2026-03-01T15:30"})
    assert r.status_code == 302
    assert r.headers["Location"].endswith(f"/customers/show/{seeded.customers['C1']}")
    with rt.sessionmaker() as s:
        saved = s.get(Interaction, i.id)
        assert saved is not None
        # 15:30 Asia/Shanghai = 07:30 UTC
        assert (saved.kind, saved.summary) == (InteractionKind.VISIT, "上门")
        assert saved.occurred_at == dt.datetime(2026, 3, 1, 7, 30, tzinfo=UTC)
    # C1's interaction belongs to R1: rep2 gets "not found".
    assert login("rep2").get(f"/interactions/edit/{i.id}").status_code == 404
