"""Brand B never sees brand A's rows through any service: every lookup is 'not found'."""

from __future__ import annotations

import pytest

from core.errors import NotFound
from core.models import Customer, Interaction, Order, Product, Rep, Task
from core.services.activities import (
    cancel_task,
    complete_task,
    create_interaction,
    create_task,
    list_interactions,
    list_tasks,
)
from core.services.customers import find_by_phone, find_duplicates, update_customer
from core.services.modules import enable_modules, module_statuses
from core.services.orders import (
    cancel_order,
    create_order,
    create_return,
    pay_order,
    refund_return,
)
from core.services.reps import change_rep_status
from core.services.scoping import get_by_id, get_by_ref, ref_map, scoped
from tests.core.test_services_smoke import seed


@pytest.fixture()
def a_rows(ctx_a):
    """Brand A with a rep, customer, products, an order, a return, an interaction, a task."""
    seed(ctx_a)
    order = create_order(ctx_a, {"order_ref": "O1", "customer_ref": "C1",
                                 "ordered_at": "2026-03-01T10:00:00",
                                 "lines": [{"sku": "SKU1", "quantity": 2,
                                            "unit_price": "199.00"}]})
    create_order(ctx_a, {"order_ref": "O2", "customer_ref": "C1", "status": "pending",
                         "ordered_at": "2026-03-01T10:00:00",
                         "lines": [{"sku": "SKU1", "quantity": 1, "unit_price": "199.00"}]})
    create_return(ctx_a, {"return_ref": "RT1", "order_ref": "O1",
                          "requested_at": "2026-03-03T10:00:00",
                          "lines": [{"sku": "SKU1", "quantity": 1, "amount": "199.00"}]})
    interaction = create_interaction(ctx_a, {"customer_ref": "C1", "kind": "call",
                                             "occurred_at": "2026-03-01T11:00:00",
                                             "summary": "回访"})
    task = create_task(ctx_a, {"title": "回访", "customer_ref": "C1",
                               "due_at": "2026-03-04T10:00:00"}, rule_key="k1")
    enable_modules(ctx_a, ["loyalty"])
    return {"order": order, "interaction": interaction, "task": task}


def test_lookups_by_ref_and_id_are_not_found(ctx_b, a_rows):
    for model, ref in ((Customer, "C1"), (Rep, "R1"), (Product, "SKU1"), (Order, "O1")):
        with pytest.raises(NotFound):
            get_by_ref(ctx_b, model, ref)
    for model, row in ((Order, a_rows["order"]), (Task, a_rows["task"]),
                       (Interaction, a_rows["interaction"])):
        with pytest.raises(NotFound):
            get_by_id(ctx_b, model, row.id)
    for model in (Customer, Rep, Product, Order, Task, Interaction):
        assert ctx_b.session.scalars(scoped(ctx_b, model)).all() == []
    for model in (Customer, Rep, Product, Order):
        assert ref_map(ctx_b, model) == {}


def test_customer_services(ctx_b, a_rows):
    assert find_by_phone(ctx_b, "13800138000") == []
    assert find_duplicates(ctx_b, phone="13800138000") == []
    with pytest.raises(NotFound):
        update_customer(ctx_b, "C1", {"name": "x"})


def test_rep_services(ctx_b, a_rows):
    with pytest.raises(NotFound):
        change_rep_status(ctx_b, "R1", "active")


def test_order_services(ctx_b, a_rows):
    with pytest.raises(NotFound):
        create_order(ctx_b, {"order_ref": "O9", "customer_ref": "C1",
                             "ordered_at": "2026-03-01T10:00:00",
                             "lines": [{"sku": "SKU1", "quantity": 1, "unit_price": "1.00"}]})
    with pytest.raises(NotFound):
        pay_order(ctx_b, "O2")
    with pytest.raises(NotFound):
        cancel_order(ctx_b, "O2")
    with pytest.raises(NotFound):
        create_return(ctx_b, {"return_ref": "RT9", "order_ref": "O1",
                              "requested_at": "2026-03-03T10:00:00",
                              "lines": [{"sku": "SKU1", "quantity": 1, "amount": "1.00"}]})
    with pytest.raises(NotFound):
        refund_return(ctx_b, "RT1")


def test_activity_services(ctx_b, a_rows):
    task = a_rows["task"]
    assert list_tasks(ctx_b, status=None) == []
    with pytest.raises(NotFound):
        list_interactions(ctx_b, "C1")
    with pytest.raises(NotFound):
        complete_task(ctx_b, task.id)
    with pytest.raises(NotFound):
        cancel_task(ctx_b, task.id)
    with pytest.raises(NotFound):
        create_interaction(ctx_b, {"customer_ref": "C1", "kind": "note",
                                   "occurred_at": "2026-03-01T11:00:00", "summary": "x"})
    with pytest.raises(NotFound):
        create_task(ctx_b, {"title": "x", "customer_ref": "C1",
                            "due_at": "2026-03-04T10:00:00"})
    # the same rule key is independent per brand
    other = create_task(ctx_b, {"title": "x", "due_at": "2026-03-04T10:00:00"}, rule_key="k1")
    assert other.id != task.id and other.brand_id != task.brand_id


def test_module_services(ctx_b, a_rows):
    assert ctx_b.enabled_modules == frozenset()
    assert not any(s.enabled for s in module_statuses(ctx_b))
