"""Owner changes go through the handover service wherever they come from ("one contract"
issue, defect 4; hardening issue, rep scope gaps)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from core.context import Ctx
from core.handover.services import list_handovers
from core.models import Customer, Rep, Task, TaskStatus
from core.services.activities import create_task
from core.services.reps import change_rep_status
from core.services.settings import set_setting

Headers = Callable[[str], dict[str, str]]


def _owner(ctx: Ctx, ref: str) -> str | None:
    ctx.session.rollback()
    return ctx.session.scalar(select(Rep.rep_ref).join(Customer, Customer.rep_id == Rep.id)
                              .where(Customer.customer_ref == ref))


def test_moving_a_protected_customer_is_refused(app: Flask, token: Headers,
                                                ctx_a: Ctx) -> None:
    # The seed created C1 at the test clock: within the 30-day protection period.
    r = app.test_client().put("/api/v1/customers/C1", headers=token("boss_a"),
                              json={"rep_ref": "R2", "name": "张伟伟"})
    assert r.status_code == 422 and r.json["rule"] == "PROTECTION", r.json
    assert _owner(ctx_a, "C1") == "R1"
    assert list_handovers(ctx_a) == []


def test_a_move_is_a_recorded_handover_and_the_open_tasks_follow(
        app: Flask, token: Headers, ctx_a: Ctx) -> None:
    set_setting(ctx_a, "customers.protection_days", 0)
    task = create_task(ctx_a, {"title": "回访", "customer_ref": "C1",
                               "due_at": "2026-03-05T10:00:00"})
    r = app.test_client().put("/api/v1/customers/C1", headers=token("boss_a"),
                              json={"rep_ref": "R2"})
    assert r.status_code == 200, r.json
    assert r.json["result"]["rep_ref"] == "R2"
    assert _owner(ctx_a, "C1") == "R2"
    [handover] = list_handovers(ctx_a)
    assert (handover.kind, handover.customers, handover.tasks) == ("manual", 1, 1)
    assert ctx_a.session.scalar(select(Rep.rep_ref).join(Task, Task.rep_id == Rep.id).where(
        Task.id == task.id, Task.status == TaskStatus.OPEN)) == "R2"
    # R1 no longer sees the customer.
    assert app.test_client().get("/api/v1/customers/C1",
                                 headers=token("rep1")).status_code == 404


def test_a_rep_can_neither_give_away_nor_create_for_another_rep(
        app: Flask, token: Headers, ctx_a: Ctx) -> None:
    set_setting(ctx_a, "customers.protection_days", 0)
    client, rep1 = app.test_client(), token("rep1")
    # Another rep is outside a rep's row scope: "not found" (a field error: issue 18).
    r = client.put("/api/v1/customers/C1", headers=rep1, json={"rep_ref": "R2"})
    assert r.status_code == 422, r.json
    assert r.json["errors"] == {"rep_ref": ["No rep with number R2."]}
    assert _owner(ctx_a, "C1") == "R1"
    r = client.post("/api/v1/customers/", headers=rep1, json={
        "customer_ref": "N1", "name": "新客", "rep_ref": "R2"})
    assert r.status_code == 422, r.json
    assert r.json["errors"] == {"rep_ref": ["No rep with number R2."]}
    # Without a rep, a rep's new customer is their own.
    r = client.post("/api/v1/customers/", headers=rep1, json={
        "customer_ref": "N2", "name": "新客二"})
    assert r.status_code == 201, r.json
    assert _owner(ctx_a, "N2") == "R1"


def test_no_customer_for_a_rep_who_left(app: Flask, token: Headers, ctx_a: Ctx) -> None:
    change_rep_status(ctx_a, "R2", "terminated", reason="left")
    r = app.test_client().post("/api/v1/customers/", headers=token("boss_a"), json={
        "customer_ref": "N3", "name": "新客三", "rep_ref": "R2"})
    assert r.status_code == 422 and list(r.json["errors"]) == ["rep_ref"], r.json
    set_setting(ctx_a, "customers.protection_days", 0)
    r = app.test_client().put("/api/v1/customers/C1", headers=token("boss_a"),
                              json={"rep_ref": "R2"})
    assert r.status_code in (400, 409, 422) and _owner(ctx_a, "C1") == "R1"
