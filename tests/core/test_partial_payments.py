"""Partial payments (deposit, then balance): the service rules, worked by hand (#18).

The stored status stays ``pending`` until the payments reach the total; the state people
read (``partly_paid``, ``refund_due``) is derived from the payments.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.errors import DomainError, ValidationFailed
from core.hookspecs import hookimpl
from core.models import Order, OrderStatus, Payment
from core.services.customers import create_customer
from core.services.orders import (
    cancel_order,
    create_order,
    pay_order,
    record_payment,
    refund_deposit,
)
from core.services.payments import balance_due, paid_amount, payment_state, refund_due
from core.services.products import create_product
from core.services.scoping import get_by_ref

UTC = dt.UTC


class Events:
    """Records the order events the core fires."""

    def __init__(self) -> None:
        self.paid: list[tuple[str, Decimal, dt.datetime, Decimal]] = []
        self.cancelled: list[tuple[str, bool]] = []

    @hookimpl
    def crm_order_paid(self, ctx, orders):
        self.paid.extend((o.order_ref, o.amount, o.paid_at, o.points_amount) for o in orders)

    @hookimpl
    def crm_order_cancelled(self, ctx, orders):
        self.cancelled.extend((o.order_ref, o.was_paid) for o in orders)


@pytest.fixture()
def events(rt):
    rec = Events()
    rt.registry.pm.register(rec, name="partial-payments-events")
    yield rec
    rt.registry.pm.unregister(rec)


def seed(ctx) -> None:
    create_customer(ctx, {"customer_ref": "C1", "name": "李娜", "phone": "13800138000"})
    create_product(ctx, {"sku": "P1", "name": "面霜", "category": "cosmetics",
                         "list_price": "199.00"})


def pending(ctx, ref="O1", qty=3, payments=None):
    """A pending order of ``qty`` × 199.00, ordered 2026-03-01 10:00 Shanghai."""
    data = {"order_ref": ref, "customer_ref": "C1", "status": "pending",
            "ordered_at": "2026-03-01T10:00:00",
            "lines": [{"sku": "P1", "quantity": qty, "unit_price": "199.00"}]}
    if payments is not None:
        data["payments"] = payments
    return create_order(ctx, data)


def rows(ctx, ref="O1"):
    ctx.session.rollback()
    return [(p.method, p.amount, p.reference) for p in ctx.session.scalars(
        select(Payment).join(Order).where(Order.order_ref == ref).order_by(Payment.id))]


def reread(ctx, ref="O1") -> Order:
    ctx.session.rollback()
    return get_by_ref(ctx, Order, ref)


def test_deposit_then_balance_pays_the_order_once(ctx_a, events):
    seed(ctx_a)
    # 3 × 199.00 = 597.00; a deposit of 200.00 taken with the order.
    order = pending(ctx_a, payments=[{"method": "cash", "amount": "200.00"}])
    assert order.status == OrderStatus.PENDING and order.paid_at is None
    assert paid_amount(order) == Decimal("200.00")
    assert balance_due(order) == Decimal("397.00")
    assert payment_state(order) == "partly_paid"
    assert events.paid == []
    # A second instalment, dated the next day.
    record_payment(ctx_a, "O1", {"payments": [
        {"method": "wechat_pay", "amount": "97.00", "reference": "WX-1"}],
        "paid_at": "2026-03-02T09:00:00"})
    order = reread(ctx_a)
    assert (order.status, balance_due(order)) == (OrderStatus.PENDING, Decimal("300.00"))
    assert events.paid == []
    # The balance: 597.00 − 200.00 − 97.00 = 300.00. The order becomes paid at its time.
    record_payment(ctx_a, "O1", {"payments": [{"method": "bank_card", "amount": "300.00"}],
                                 "paid_at": "2026-03-03T15:30:00"})
    order = reread(ctx_a)
    paid_at = dt.datetime(2026, 3, 3, 7, 30, tzinfo=UTC)  # 15:30 Shanghai
    assert (order.status, order.paid_at) == (OrderStatus.PAID, paid_at)
    assert (balance_due(order), payment_state(order)) == (Decimal("0.00"), "paid")
    assert rows(ctx_a) == [("cash", Decimal("200.00"), None),
                           ("wechat_pay", Decimal("97.00"), "WX-1"),
                           ("bank_card", Decimal("300.00"), None)]
    # One event for the whole order: its total, at the final payment's time.
    assert events.paid == [("O1", Decimal("597.00"), paid_at, Decimal("0.00"))]


def test_overpayment_is_refused_naming_the_field(ctx_a, events):
    seed(ctx_a)
    pending(ctx_a, payments=[{"method": "cash", "amount": "500.00"}])
    # 597.00 − 500.00 = 97.00 is left; 97.01 is one cent too much.
    with pytest.raises(ValidationFailed) as exc:
        record_payment(ctx_a, "O1", {"payments": [{"method": "cash", "amount": "97.01"}]})
    assert list(exc.value.errors) == ["payments.0.amount"]
    assert "97.00" in exc.value.errors["payments.0.amount"][0]
    # Several payments: the sum is at fault.
    with pytest.raises(ValidationFailed) as exc:
        record_payment(ctx_a, "O1", {"payments": [{"method": "cash", "amount": "50.00"},
                                                  {"method": "cash", "amount": "50.00"}]})
    assert list(exc.value.errors) == ["payments"]
    # A deposit above the total at creation is refused too, and nothing is written.
    with pytest.raises(ValidationFailed) as exc:
        pending(ctx_a, "O2", qty=1, payments=[{"method": "cash", "amount": "199.01"}])
    assert "payments.0.amount" in exc.value.errors
    assert rows(ctx_a) == [("cash", Decimal("500.00"), None)]
    assert rows(ctx_a, "O2") == []
    ctx_a.session.rollback()
    assert ctx_a.session.scalar(select(Order.id).where(Order.order_ref == "O2")) is None
    assert events.paid == []


@pytest.mark.parametrize(("data", "field"), [
    ({}, "payments"),
    ({"payments": []}, "payments"),
    ({"payments": [{"method": "cash", "amount": "0"}]}, "payments.0.amount"),
    ({"payments": [{"method": "cash", "amount": "-5.00"}]}, "payments.0.amount"),
    ({"payments": [{"method": "bitcoin", "amount": "5.00"}]}, "payments.0.method"),
    ({"payments": [{"method": "cash", "amount": "5.00"}], "paid_at": "soon"}, "paid_at"),
    # Before the order was placed (2026-03-01 10:00 Shanghai).
    ({"payments": [{"method": "cash", "amount": "5.00"}], "paid_at": "2026-03-01T09:59:00"},
     "paid_at"),
])
def test_bad_payment_input_names_the_field(ctx_a, data, field):
    seed(ctx_a)
    pending(ctx_a)
    with pytest.raises(ValidationFailed) as exc:
        record_payment(ctx_a, "O1", data)
    assert field in exc.value.errors, exc.value.errors
    assert rows(ctx_a) == []


def test_pay_order_pays_the_balance_after_a_deposit(ctx_a, events):
    seed(ctx_a)
    pending(ctx_a, qty=1, payments=[{"method": "cash", "amount": "50.00"}])
    # Without payments: one payment of what is left, 199.00 − 50.00 = 149.00.
    pay_order(ctx_a, "O1")
    assert rows(ctx_a) == [("cash", Decimal("50.00"), None),
                           ("unspecified", Decimal("149.00"), None)]
    assert [e[:2] for e in events.paid] == [("O1", Decimal("199.00"))]
    # With payments, they must pay exactly the balance.
    pending(ctx_a, "O2", qty=1, payments=[{"method": "cash", "amount": "50.00"}])
    with pytest.raises(ValidationFailed) as exc:
        pay_order(ctx_a, "O2", [{"method": "cash", "amount": "199.00"}])
    assert "149.00" in exc.value.errors["payments"][0]


def test_payments_reaching_the_total_at_creation_pay_the_order(ctx_a, events):
    seed(ctx_a)
    order = pending(ctx_a, qty=1, payments=[{"method": "cash", "amount": "100.00"},
                                            {"method": "alipay", "amount": "99.00"}])
    assert order.status == OrderStatus.PAID
    assert [e[:2] for e in events.paid] == [("O1", Decimal("199.00"))]


def test_a_retried_payment_is_recorded_once(ctx_a, events):
    seed(ctx_a)
    pending(ctx_a, qty=1)
    body = {"payments": [{"method": "bank_transfer", "amount": "80.00",
                          "reference": "TX-778"}]}
    record_payment(ctx_a, "O1", body)
    record_payment(ctx_a, "O1", body)  # the same transfer again: nothing new
    assert rows(ctx_a) == [("bank_transfer", Decimal("80.00"), "TX-778")]
    settle = {"payments": [{"method": "bank_transfer", "amount": "119.00",
                            "reference": "TX-779"}]}
    record_payment(ctx_a, "O1", settle)
    record_payment(ctx_a, "O1", settle)  # a retry after the order became paid
    assert [e[0] for e in events.paid] == ["O1"]
    assert len(rows(ctx_a)) == 2
    # The same reference with another amount is a new payment: refused on a paid order.
    with pytest.raises(DomainError) as exc:
        record_payment(ctx_a, "O1", {"payments": [
            {"method": "bank_transfer", "amount": "1.00", "reference": "TX-779"}]})
    assert exc.value.code == "bad_status"


def test_cancelled_order_takes_no_payment(ctx_a):
    seed(ctx_a)
    pending(ctx_a)
    cancel_order(ctx_a, "O1")
    with pytest.raises(DomainError) as exc:
        record_payment(ctx_a, "O1", {"payments": [{"method": "cash", "amount": "1.00"}]})
    assert exc.value.code == "bad_status"
    with pytest.raises(ValidationFailed) as vexc:
        create_order(ctx_a, {"order_ref": "O2", "customer_ref": "C1", "status": "cancelled",
                             "ordered_at": "2026-03-01T10:00:00",
                             "payments": [{"method": "cash", "amount": "1.00"}],
                             "lines": [{"sku": "P1", "quantity": 1,
                                        "unit_price": "199.00"}]})
    assert "payments" in vexc.value.errors


def test_cancelling_a_partly_paid_order_leaves_the_deposit_to_refund(ctx_a, events, clock):
    seed(ctx_a)
    pending(ctx_a, payments=[{"method": "cash", "amount": "100.00"}])
    record_payment(ctx_a, "O1", {"payments": [{"method": "wechat_pay", "amount": "50.00"}]})
    order = cancel_order(ctx_a, "O1")
    assert order.status == OrderStatus.CANCELLED
    order = reread(ctx_a)
    # 100.00 + 50.00 was paid and is owed back; nothing is due any more.
    assert (refund_due(order), balance_due(order)) == (Decimal("150.00"), Decimal("0.00"))
    assert payment_state(order) == "refund_due"
    assert events.cancelled == [("O1", False)]  # never paid: modules have nothing to undo
    assert events.paid == []
    # Before the cancellation: refused, naming the field.
    with pytest.raises(ValidationFailed) as exc:
        refund_deposit(ctx_a, "O1", {"refunded_at": "2026-03-01T09:00:00"})
    assert "refunded_at" in exc.value.errors
    clock.advance(days=1)
    refund_deposit(ctx_a, "O1", {"reference": "退款单 88"})
    # One compensating payment per method: the rows add up to zero.
    assert rows(ctx_a) == [("cash", Decimal("100.00"), None),
                           ("wechat_pay", Decimal("50.00"), None),
                           ("cash", Decimal("-100.00"), "退款单 88"),
                           ("wechat_pay", Decimal("-50.00"), "退款单 88")]
    order = reread(ctx_a)
    assert (refund_due(order), payment_state(order)) == (Decimal("0.00"), "cancelled")
    refund_deposit(ctx_a, "O1")  # again: nothing is left, nothing is written
    assert len(rows(ctx_a)) == 4


def test_refund_deposit_is_refused_where_there_is_no_deposit(ctx_a):
    seed(ctx_a)
    pending(ctx_a, qty=1)
    with pytest.raises(DomainError) as exc:
        refund_deposit(ctx_a, "O1")  # pending, not cancelled
    assert exc.value.code == "bad_status"
    create_order(ctx_a, {"order_ref": "O2", "customer_ref": "C1",
                         "ordered_at": "2026-03-01T10:00:00",
                         "lines": [{"sku": "P1", "quantity": 1, "unit_price": "199.00"}]})
    cancel_order(ctx_a, "O2")  # paid in full, then cancelled: not a deposit
    with pytest.raises(DomainError):
        refund_deposit(ctx_a, "O2")
    assert payment_state(reread(ctx_a, "O2")) == "cancelled"


def test_another_brand_cannot_pay_the_order(ctx_a, ctx_b):
    from core.errors import NotFound

    seed(ctx_a)
    pending(ctx_a)
    with pytest.raises(NotFound):
        record_payment(ctx_b, "O1", {"payments": [{"method": "cash", "amount": "1.00"}]})
    assert rows(ctx_a) == []
