"""Interactions and tasks: creation, defaults, idempotent generated tasks, completion."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.errors import DomainError, NotFound, ValidationFailed
from core.models import InteractionKind, TaskStatus
from core.services.activities import (
    cancel_task,
    complete_task,
    create_interaction,
    create_task,
    list_interactions,
    list_tasks,
    update_interaction,
    update_task,
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


def test_update_interaction_changes_only_the_given_fields(ctx_a, ctx_b):
    seed(ctx_a)
    i = create_interaction(ctx_a, {"customer_ref": "C1", "kind": "call",
                                   "occurred_at": "2026-03-01T09:00:00", "summary": "回访"})
    updated = update_interaction(ctx_a, i.id, {"kind": "visit",
                                               "occurred_at": "2026-03-01T15:30:00"})
    # 15:30 in Asia/Shanghai (UTC+8) is 07:30 UTC; the summary is untouched
    assert updated.kind == InteractionKind.VISIT and updated.summary == "回访"
    assert updated.occurred_at == dt.datetime(2026, 3, 1, 7, 30, tzinfo=UTC)
    with pytest.raises(ValidationFailed) as exc:
        update_interaction(ctx_a, i.id, {"kind": "fax", "summary": ""})
    assert set(exc.value.errors) == {"kind", "summary"}
    ctx_a.session.refresh(i)
    assert i.kind == InteractionKind.VISIT and i.summary == "回访"  # nothing half-saved
    with pytest.raises(NotFound):  # another brand's row
        update_interaction(ctx_b, i.id, {"summary": "x"})


def test_a_rep_cannot_edit_another_reps_interaction(ctx_a):
    seed(ctx_a)
    create_rep(ctx_a, {"rep_ref": "R2", "name": "张伟"})
    other = create_interaction(ctx_a, {"customer_ref": "C1", "rep_ref": "R2", "kind": "call",
                                       "occurred_at": "2026-03-01T09:00:00", "summary": "a"})
    mine = create_interaction(ctx_a, {"customer_ref": "C1", "kind": "call",
                                      "occurred_at": "2026-03-01T09:00:00", "summary": "b"})
    ctx_a.rep_scope_id = mine.rep_id
    assert update_interaction(ctx_a, mine.id, {"summary": "b2"}).summary == "b2"
    with pytest.raises(NotFound):
        update_interaction(ctx_a, other.id, {"summary": "x"})


def test_update_task_title_due_owner_kind(ctx_a, ctx_b):
    seed(ctx_a)
    r2 = create_rep(ctx_a, {"rep_ref": "R2", "name": "张伟"})
    t = create_task(ctx_a, {"title": "首次回访", "customer_ref": "C1",
                            "due_at": "2026-03-03T10:00:00"})
    updated = update_task(ctx_a, t.id, {"title": "二次回访", "due_at": "2026-03-05T08:00:00",
                                        "rep_ref": "R2", "kind": "care"})
    # 08:00 Asia/Shanghai = 00:00 UTC
    assert (updated.title, updated.rep_id, updated.kind) == ("二次回访", r2.id, "care")
    assert updated.due_at == dt.datetime(2026, 3, 5, 0, 0, tzinfo=UTC)
    audit = ctx_a.session.scalars(select(AuditEntry).where(
        AuditEntry.record_type == "tasks", AuditEntry.record_id == str(t.id),
        AuditEntry.action == "update")).all()
    assert len(audit) == 1 and audit[0].changes["title"] == ["首次回访", "二次回访"]
    with pytest.raises(ValidationFailed) as exc:
        update_task(ctx_a, t.id, {"title": "", "due_at": "tomorrow"})
    assert set(exc.value.errors) == {"title", "due_at"}
    with pytest.raises(NotFound):  # unknown owner: nothing changed
        update_task(ctx_a, t.id, {"title": "x", "rep_ref": "R9"})
    ctx_a.session.refresh(t)
    assert t.title == "二次回访" and t.rep_id == r2.id
    with pytest.raises(NotFound):  # another brand's row
        update_task(ctx_b, t.id, {"title": "x"})


def test_a_rep_cannot_edit_another_reps_task_nor_a_closed_one(ctx_a):
    seed(ctx_a)
    create_rep(ctx_a, {"rep_ref": "R2", "name": "张伟"})
    mine = create_task(ctx_a, {"title": "a", "customer_ref": "C1",
                               "due_at": "2026-03-03T10:00:00"})
    other = create_task(ctx_a, {"title": "b", "rep_ref": "R2", "due_at": "2026-03-03T10:00:00"})
    ctx_a.rep_scope_id = mine.rep_id
    with pytest.raises(NotFound):
        update_task(ctx_a, other.id, {"title": "x"})
    assert update_task(ctx_a, mine.id, {"title": "a2"}).title == "a2"
    complete_task(ctx_a, mine.id)
    with pytest.raises(DomainError) as exc:
        update_task(ctx_a, mine.id, {"title": "a3"})
    assert exc.value.code == "bad_status" and "only open tasks" in exc.value.message
    ctx_a.session.refresh(mine)
    assert mine.title == "a2" and mine.status == TaskStatus.DONE
