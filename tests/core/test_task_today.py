"""A rep's today list (ordering by customer value, then due time) and overdue per rep."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.models import Rep, Task, TaskStatus
from core.services.orders import create_return
from core.services.products import create_product
from tests.core.tasks_helpers import customer, order, rep, run_cli_fixture, utc  # noqa: F401


def add_task(ctx, rep_id, customer_id, due, title, status=TaskStatus.OPEN):
    with ctx.write() as session:
        task = Task(brand_id=ctx.brand_id, rep_id=rep_id, customer_id=customer_id, title=title,
                    kind="follow_up", due_at=due, status=status, created_at=ctx.now())
        session.add(task)
        session.flush()
        return task.id


@pytest.fixture()
def today_setup(ctx_a, clock):
    """Now = 2026-03-02 02:00 UTC = 10:00 local; local tomorrow starts at 16:00 UTC."""
    r1, r2 = rep(ctx_a, "R1"), rep(ctx_a, "R2")
    c1, c2, c3 = (customer(ctx_a, ref, "R1") for ref in ("C1", "C2", "C3"))
    create_product(ctx_a, {"sku": "P1", "name": "Cream", "category": "cosmetics",
                           "list_price": "100.00"})
    order(ctx_a, "O1", "C1", "2026-02-01T10:00:00", [("P1", 3, "100.00")])  # C1: 300.00
    order(ctx_a, "O2", "C2", "2026-02-01T10:00:00", [("P1", 5, "100.00")])  # C2: 500.00
    create_return(ctx_a, {"return_ref": "RT1", "order_ref": "O2",
                          "requested_at": "2026-02-05T10:00:00",
                          "refunded_at": "2026-02-06T10:00:00",
                          "lines": [{"sku": "P1", "quantity": 4, "amount": "400.00"}]})
    # C2 net = 500.00 - 400.00 = 100.00; C3's order is 400 days old: value 0
    order(ctx_a, "O3", "C3", "2025-01-26T10:00:00", [("P1", 10, "100.00")])
    ids = {
        "t1": add_task(ctx_a, r1.id, c1.id, utc(2026, 3, 2, 10), "C1 today 18:00 local"),
        "t2": add_task(ctx_a, r1.id, c2.id, utc(2026, 3, 1, 5), "C2 overdue"),
        "t3": add_task(ctx_a, r1.id, c3.id, utc(2026, 3, 2, 1), "C3 today 09:00 local"),
        "t4": add_task(ctx_a, r1.id, c1.id, utc(2026, 2, 28, 5), "C1 overdue 2 days"),
        "t5": add_task(ctx_a, r1.id, c1.id, utc(2026, 3, 2, 16), "C1 tomorrow 00:00 local"),
        "t6": add_task(ctx_a, r1.id, c2.id, utc(2026, 3, 1, 5), "done",
                       status=TaskStatus.DONE),
        "t7": add_task(ctx_a, r2.id, c1.id, utc(2026, 3, 1, 5), "R2's task"),
        "t8": add_task(ctx_a, r1.id, None, utc(2026, 3, 2, 3), "no customer, 11:00 local"),
    }
    return ctx_a, ids


def test_today_list_orders_by_value_then_due(today_setup):
    from core.tasks.today import today_list

    ctx, ids = today_setup
    rows = today_list(ctx, "R1")
    # C1 (300.00): t4 then t1 by due time; C2 (100.00): t2; value 0: t3 (01:00) then t8
    # (03:00 UTC). t5 is due tomorrow, t6 is done, t7 belongs to R2.
    assert [r.task_id for r in rows] == [ids[k] for k in ("t4", "t1", "t2", "t3", "t8")]
    assert [r.customer_value for r in rows] == [Decimal("300.00"), Decimal("300.00"),
                                                Decimal("100.00"), Decimal("0.00"),
                                                Decimal("0.00")]
    # now is 02:00 UTC: t4, t2 and t3 (01:00) are overdue; t1 and t8 are due later today
    assert [r.overdue for r in rows] == [True, False, True, True, False]


def test_a_rep_user_sees_only_their_own_list(today_setup):
    from core.errors import NotFound
    from core.tasks.today import overdue_by_rep, today_list

    ctx, ids = today_setup
    ctx.rep_scope_id = ctx.session.scalar(select(Rep.id).where(Rep.rep_ref == "R2"))
    assert [r.task_id for r in today_list(ctx, "R2")] == [ids["t7"]]
    with pytest.raises(NotFound):
        today_list(ctx, "R1")
    assert [(r.rep_ref, r.overdue) for r in overdue_by_rep(ctx)] == [("R2", 1)]


def test_overdue_per_rep(today_setup):
    from core.tasks.today import overdue_by_rep

    ctx, _ids = today_setup
    rows = overdue_by_rep(ctx)
    # R1: t2, t3, t4 (the oldest, 2026-02-28 05:00 UTC); R2: t7
    assert [(r.rep_ref, r.overdue, r.oldest_due_at) for r in rows] == [
        ("R1", 3, utc(2026, 2, 28, 5)), ("R2", 1, utc(2026, 3, 1, 5))]


def test_cli_today_and_overdue(today_setup, run_cli):
    ctx, ids = today_setup
    result = run_cli("tasks", "today", "--brand", "A", "--rep", "R1",
                     "--now", "2026-03-02T10:00:00", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [row["task_id"] for row in data] == [ids[k] for k in ("t4", "t1", "t2", "t3", "t8")]
    assert data[0]["due_at"] == "2026-02-28T13:00:00+08:00"  # 05:00 UTC in Shanghai
    # --now a day later (3 March 10:00 local): t5 (due 3 March 00:00 local) joins
    result = run_cli("tasks", "today", "--brand", "A", "--rep", "R1",
                     "--now", "2026-03-03T10:00:00")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [int(r["task_id"]) for r in rows] == [ids[k] for k in
                                                 ("t4", "t1", "t5", "t2", "t3", "t8")]
    result = run_cli("tasks", "overdue", "--brand", "A", "--now", "2026-03-02T10:00:00")
    assert result.output.splitlines()[1:] == ["R1,Rep R1,3,2026-02-28T13:00:00+08:00",
                                              "R2,Rep R2,1,2026-03-01T13:00:00+08:00"]
    result = run_cli("tasks", "today", "--brand", "A", "--rep", "NOPE")
    assert result.exit_code == 1
