"""Interactions and tasks: creation, defaults, idempotent generated tasks, completion."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import DomainError, NotFound, ValidationFailed
from core.models import InteractionKind, TaskStatus
from core.services.activities import (
    cancel_task,
    complete_task,
    create_interaction,
    create_task,
    list_interactions,
    list_tasks,
)
from core.services.reps import create_rep
from tests.core.test_services_smoke import seed

UTC = dt.UTC


def test_interactions_default_to_the_customers_rep_and_list_newest_first(ctx_a):
    seed(ctx_a)
    create_interaction(ctx_a, {"customer_ref": "C1", "kind": "call",
                               "occurred_at": "2026-03-01T09:00:00", "summary": "回访"})
    later = create_interaction(ctx_a, {"customer_ref": "C1", "kind": "visit",
                                       "occurred_at": "2026-03-02T09:00:00",
                                       "summary": "上门拜访"})
    assert later.rep_id is not None and later.created_by == "tester"
    # 09:00 in Asia/Shanghai is 01:00 UTC
    assert later.occurred_at == dt.datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert [i.kind for i in list_interactions(ctx_a, "C1")] == [InteractionKind.VISIT,
                                                                InteractionKind.CALL]


def test_bad_interaction_names_the_fields(ctx_a):
    seed(ctx_a)
    with pytest.raises(ValidationFailed) as exc:
        create_interaction(ctx_a, {"customer_ref": "C1", "kind": "fax", "summary": ""})
    assert set(exc.value.errors) == {"kind", "occurred_at", "summary"}


def test_tasks_owner_listing_completion(ctx_a, clock):
    seed(ctx_a)
    create_rep(ctx_a, {"rep_ref": "R2", "name": "张伟"})
    t1 = create_task(ctx_a, {"title": "首次回访", "customer_ref": "C1",
                             "due_at": "2026-03-03T10:00:00"})
    t2 = create_task(ctx_a, {"title": "生日关怀", "customer_ref": "C1", "rep_ref": "R2",
                             "due_at": "2026-03-02T10:00:00", "kind": "care"})
    assert t1.rep_id != t2.rep_id and t1.status == TaskStatus.OPEN
    assert [t.title for t in list_tasks(ctx_a)] == ["生日关怀", "首次回访"]  # soonest first
    assert [t.title for t in list_tasks(ctx_a, rep_ref="R2")] == ["生日关怀"]
    # due before 2026-03-03 01:00 UTC: t2 (02:00 UTC on 3-2) only
    assert [t.id for t in list_tasks(
        ctx_a, due_before=dt.datetime(2026, 3, 3, 1, 0, tzinfo=UTC))] == [t2.id]
    done = complete_task(ctx_a, t1.id)
    assert done.status == TaskStatus.DONE and done.done_at == clock.value
    assert complete_task(ctx_a, t1.id).done_at == clock.value  # again: unchanged
    assert [t.id for t in list_tasks(ctx_a)] == [t2.id]
    assert [t.id for t in list_tasks(ctx_a, status="done")] == [t1.id]
    cancel_task(ctx_a, t2.id)
    with pytest.raises(DomainError):
        complete_task(ctx_a, t2.id)


def test_generated_tasks_are_idempotent_by_rule_key(ctx_a):
    seed(ctx_a)
    data = {"title": "补货提醒", "customer_ref": "C1", "due_at": "2026-03-03T10:00:00",
            "kind": "replenish"}
    first = create_task(ctx_a, data, rule_key="replenish:C1:SKU1:2026-03")
    second = create_task(ctx_a, data, rule_key="replenish:C1:SKU1:2026-03")
    assert first.id == second.id
    assert len(list_tasks(ctx_a)) == 1


def test_rep_users_see_only_their_tasks(ctx_a):
    seed(ctx_a)
    create_rep(ctx_a, {"rep_ref": "R2", "name": "张伟"})
    mine = create_task(ctx_a, {"title": "a", "customer_ref": "C1",
                               "due_at": "2026-03-03T10:00:00"})
    other = create_task(ctx_a, {"title": "b", "rep_ref": "R2", "due_at": "2026-03-03T10:00:00"})
    ctx_a.rep_scope_id = mine.rep_id
    assert [t.id for t in list_tasks(ctx_a)] == [mine.id]
    with pytest.raises(NotFound):
        complete_task(ctx_a, other.id)
