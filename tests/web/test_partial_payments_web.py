"""Partial payments on the web (#18): the order form's deposit, the order page's "Record
payment" form and its balance, cancelling with a deposit and recording its refund, the
list's balance column and filter, the customer page's balance.

Seed (tests/web/seed.py): customers C1 张伟 and C2 刘洋 (R1), C3, C4 (R2); products
P1 199.00, P2 299.00, P3 599.00; O4 is C4's pending order of 199.00. The clock is
2026-03-02 02:00 UTC (10:00 in Shanghai). Users see English (locale en).
"""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from core.models import Customer, Order, OrderStatus, Payment


def _errors(html: str) -> list[str]:
    return re.findall(r'class="error"[^>]*>([^<]+)', html)


def _order(ctx, ref):
    ctx.session.rollback()
    return ctx.session.scalar(select(Order).where(Order.order_ref == ref))


def _payments(ctx, ref):
    ctx.session.rollback()
    return ctx.session.execute(select(Payment.method, Payment.amount, Payment.reference)
                               .join(Order, Order.id == Payment.order_id)
                               .where(Order.order_ref == ref).order_by(Payment.id)).all()


def _deposit_order(client) -> None:
    """C2 orders P3 (599.00) pending, with a deposit of 200.00 in cash."""
    r = client.post("/orders/add", data={
        "order_ref": "DP1", "customer_ref": "C2", "ordered_at": "2026-03-02T09:30",
        "status": "pending", "lines-0-sku": "P3", "lines-0-quantity": "1",
        "payments-0-method": "cash", "payments-0-amount": "200.00"})
    assert r.status_code == 302, _errors(r.get_data(as_text=True))


def test_order_form_takes_a_deposit_and_the_page_shows_the_balance(login, ctx_a, recorder):
    client = login("boss_a")
    _deposit_order(client)
    order = _order(ctx_a, "DP1")
    assert order.status == OrderStatus.PENDING
    assert _payments(ctx_a, "DP1") == [("cash", Decimal("200.00"), None)]
    assert recorder.paid == []
    html = client.get(f"/orders/show/{order.id}").get_data(as_text=True)
    assert "Partly paid" in html
    # Paid so far 200.00; due 599.00 − 200.00 = 399.00, which the form offers by default.
    assert re.search(r'id="paid-so-far">[^<]*200\.00<', html)
    assert re.search(r'id="balance-due">[^<]*399\.00<', html)
    assert 'name="amount" value="399.00"' in html
    assert 'id="record-payment"' in html and "Mark paid" not in html


def test_record_payment_on_the_order_page(login, ctx_a, recorder):
    client = login("boss_a")
    _deposit_order(client)
    pk = _order(ctx_a, "DP1").id
    # More than the 399.00 due: shown again with the field's message, nothing recorded.
    r = client.post(f"/orders/payment/{pk}", data={
        "method": "alipay", "amount": "400.00", "reference": "ALI-7"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert any("399.00" in e for e in _errors(html)), _errors(html)
    assert 'value="400.00"' in html and 'value="ALI-7"' in html
    # No method: named too.
    r = client.post(f"/orders/payment/{pk}", data={"amount": "10.00"})
    assert r.status_code == 422 and _errors(r.get_data(as_text=True))
    assert len(_payments(ctx_a, "DP1")) == 1
    # An instalment of 99.00, then the balance of 300.00.
    r = client.post(f"/orders/payment/{pk}", data={
        "method": "alipay", "amount": "99.00", "reference": "ALI-7",
        "paid_at": "2026-03-02T09:45"})
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "still due" in page and re.search(r'id="balance-due">[^<]*300\.00<', page)
    assert recorder.paid == []
    r = client.post(f"/orders/payment/{pk}", data={"method": "bank_card", "amount": "300.00"})
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "paid in full" in page and 'id="record-payment"' not in page
    assert _order(ctx_a, "DP1").status == OrderStatus.PAID
    assert [(e.order_ref, e.amount) for e in recorder.paid] == [("DP1", Decimal("599.00"))]


def test_cancel_with_a_deposit_then_record_its_refund(login, ctx_a):
    client = login("boss_a")
    _deposit_order(client)
    pk = _order(ctx_a, "DP1").id
    r = client.post(f"/orders/cancel/{pk}")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "is to be refunded" in page and "Deposit to refund" in page
    assert re.search(r'id="refund-due">[^<]*200\.00<', page)
    r = client.get("/orders/list/?status=refund_due")
    assert "DP1" in r.get_data(as_text=True) and "O4" not in r.get_data(as_text=True)
    r = client.post(f"/orders/refund-deposit/{pk}", data={"reference": "现金退回"})
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "recorded as refunded" in page and 'id="refund-due"' not in page
    assert _payments(ctx_a, "DP1") == [("cash", Decimal("200.00"), None),
                                       ("cash", Decimal("-200.00"), "现金退回")]


def test_list_shows_the_balance_and_filters_partly_paid(login, ctx_a):
    client = login("boss_a")
    _deposit_order(client)
    html = client.get("/orders/list/?status=partly_paid").get_data(as_text=True)
    assert "DP1" in html and "O4" not in html and "O1" not in html
    assert 'data-balance="399.00"' in html
    # The whole list: O4 (pending, nothing paid) owes its 199.00; paid orders owe nothing.
    html = client.get("/orders/list/").get_data(as_text=True)
    assert 'data-balance="199.00"' in html and html.count('data-balance="0.00"') == 3


def test_customer_page_shows_what_the_customer_owes(login, ctx_a):
    client = login("boss_a")
    _deposit_order(client)
    c2 = ctx_a.session.scalar(select(Customer.id).where(Customer.customer_ref == "C2"))
    html = client.get(f"/customers/show/{c2}").get_data(as_text=True)
    kpi = re.search(r'id="customer-balance">(.*?)</div>', html, re.S).group(1)
    assert "Balance due" in kpi and "399.00" in kpi
    assert re.search(r'class="muted balance-due">Balance due [^<]*399\.00<', html)
    c1 = ctx_a.session.scalar(select(Customer.id).where(Customer.customer_ref == "C1"))
    assert 'id="customer-balance"' not in client.get(f"/customers/show/{c1}").get_data(
        as_text=True)  # C1's orders are paid


def test_read_only_roles_see_no_payment_form(login, ctx_a):
    client = login("boss_a")
    _deposit_order(client)
    pk = _order(ctx_a, "DP1").id
    auditor = login("audit_a")
    html = auditor.get(f"/orders/show/{pk}").get_data(as_text=True)
    assert "Partly paid" in html and 'id="record-payment"' not in html
    r = auditor.post(f"/orders/payment/{pk}", data={"method": "cash", "amount": "1.00"})
    assert r.status_code in (302, 403)
    assert len(_payments(ctx_a, "DP1")) == 1
