"""The core services end to end on one brand: rep, customer, product, order, return."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from core.errors import DomainError, NotFound, ValidationFailed
from core.models import Customer, LifecycleStage, Order, OrderStatus, Payment
from core.services.customers import create_customer, find_by_phone
from core.services.orders import cancel_order, create_order, create_return
from core.services.products import create_product
from core.services.reps import create_rep
from core.services.scoping import get_by_ref


def seed(ctx):
    create_rep(ctx, {"rep_ref": "R1", "name": "王芳", "phone": "13900000001"})
    create_customer(ctx, {"customer_ref": "C1", "name": "李娜", "phone": "+86 138-0013-8000",
                          "rep_ref": "R1"})
    create_product(ctx, {"sku": "SKU1", "name": "面霜", "category": "cosmetics",
                         "list_price": "199.00", "replenish_days": 60})
    create_product(ctx, {"sku": "SKU2", "name": "洁面乳", "category": "cosmetics",
                         "list_price": "89.50"})


def test_paid_order_totals_payments_and_lifecycle(ctx_a):
    seed(ctx_a)
    order = create_order(ctx_a, {
        "order_ref": "O1", "customer_ref": "C1", "ordered_at": "2026-03-01T10:00:00",
        "lines": [{"sku": "SKU1", "quantity": 2, "unit_price": "199.00"},
                  {"sku": "SKU2", "quantity": 1, "unit_price": "89.50"}]})
    # 2 × 199.00 + 89.50, worked by hand
    assert order.total_amount == Decimal("487.50")
    assert order.status == OrderStatus.PAID
    # naive time read in Asia/Shanghai (UTC+8): 10:00 local = 02:00 UTC
    assert order.ordered_at.hour == 2 and order.ordered_at.utcoffset().total_seconds() == 0
    assert order.rep.rep_ref == "R1"  # defaults to the customer's rep
    payments = ctx_a.session.scalars(select(Payment)).all()
    assert [(p.method, p.amount) for p in payments] == [("unspecified", Decimal("487.50"))]
    customer = get_by_ref(ctx_a, Customer, "C1")
    ctx_a.session.refresh(customer)
    assert customer.lifecycle_stage == LifecycleStage.FIRST_PURCHASE


def test_phone_lookup_ignores_formatting(ctx_a):
    seed(ctx_a)
    assert [c.customer_ref for c in find_by_phone(ctx_a, "13800138000")] == ["C1"]
    assert [c.customer_ref for c in find_by_phone(ctx_a, "0086 138 0013 8000")] == ["C1"]


def test_duplicate_phone_is_refused(ctx_a):
    seed(ctx_a)
    with pytest.raises(DomainError) as exc:
        create_customer(ctx_a, {"customer_ref": "C2", "name": "李娜", "phone": "13800138000"})
    assert exc.value.code == "likely_duplicate"


def test_bad_order_body_names_the_fields(ctx_a):
    seed(ctx_a)
    with pytest.raises(ValidationFailed) as exc:
        create_order(ctx_a, {"order_ref": "O1", "customer_ref": "C1", "ordered_at": "yesterday",
                             "lines": [{"sku": "SKU1", "quantity": 0, "unit_price": "1.234"}]})
    assert set(exc.value.errors) == {"ordered_at", "lines.0.quantity", "lines.0.unit_price"}
    assert ctx_a.session.scalar(select(Order.id)) is None


def test_return_cannot_exceed_order(ctx_a):
    seed(ctx_a)
    create_order(ctx_a, {"order_ref": "O1", "customer_ref": "C1",
                         "ordered_at": "2026-03-01T10:00:00",
                         "lines": [{"sku": "SKU1", "quantity": 2, "unit_price": "199.00"}]})
    create_return(ctx_a, {"return_ref": "RT1", "order_ref": "O1",
                          "requested_at": "2026-03-05T10:00:00",
                          "lines": [{"sku": "SKU1", "quantity": 1, "amount": "199.00"}]})
    with pytest.raises(ValidationFailed) as exc:
        create_return(ctx_a, {"return_ref": "RT2", "order_ref": "O1",
                              "requested_at": "2026-03-06T10:00:00",
                              "lines": [{"sku": "SKU1", "quantity": 2, "amount": "398.00"}]})
    assert set(exc.value.errors) == {"lines.0.quantity", "lines.0.amount"}
    with pytest.raises(DomainError):
        cancel_order(ctx_a, "O1")


def test_other_brand_rows_are_not_found(ctx_a, ctx_b):
    seed(ctx_a)
    with pytest.raises(NotFound):
        get_by_ref(ctx_b, Customer, "C1")
    assert find_by_phone(ctx_b, "13800138000") == []
    with pytest.raises(NotFound):
        create_order(ctx_b, {"order_ref": "O1", "customer_ref": "C1",
                             "ordered_at": "2026-03-01T10:00:00",
                             "lines": [{"sku": "SKU1", "quantity": 1, "unit_price": "1.00"}]})
