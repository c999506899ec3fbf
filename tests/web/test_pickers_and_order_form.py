"""Search pickers (customers, reps, products) and the order form: automatic number, line
rows added and removed in the page, payment methods and split payments.

Seed (tests/web/seed.py): reps R1 王芳 and R2 李强; customers C1 张伟 and C2 刘洋 (R1),
C3 陈静 and C4 赵敏 (R2), phones 1380013800N; products P1 199.00, P2 299.00, P3 599.00.
The clock is 2026-03-02 02:00 UTC (10:00 in Shanghai).
"""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from core.models import Order, Payment


def _values(r):
    assert r.status_code == 200 and r.is_json, r.get_data(as_text=True)[:300]
    return [(s["value"], s["label"], s["detail"]) for s in r.json["results"]]


def test_customer_picker_by_name_or_whole_phone_within_the_users_scope(login):
    boss = login("boss_a")
    # part of a name; the phone is shown masked, with the owning rep
    assert _values(boss.get("/customers/pick?q=张")) == [("C1", "张伟", "C1 · 138****8001 · 王芳")]
    # a whole phone number finds the customer (phones are encrypted: exact match only)
    assert [v for v, _l, _d in _values(boss.get("/customers/pick?q=13800138003"))] == ["C3"]
    assert _values(boss.get("/customers/pick?q=1380013")) == []  # a fragment does not
    rep1 = login("rep1")  # a rep is offered their own customers only
    assert sorted(v for v, _l, _d in _values(rep1.get("/customers/pick?q="))) == ["C1", "C2"]
    assert _values(rep1.get("/customers/pick?q=陈")) == []
    assert _values(login("boss_b").get("/customers/pick?q=张")) == []  # another brand


def test_rep_and_product_pickers(login):
    boss = login("boss_a")
    assert _values(boss.get("/reps/pick?q=李")) == [("R2", "李强", "R2 · 上海")]
    assert _values(boss.get("/products/pick?q=精华")) == [("P1", "玫瑰精华液", "P1 · 199.00")]
    assert [v for v, _l, _d in _values(boss.get("/products/pick?q=p"))] == ["P1", "P2", "P3"]


def test_pickers_need_a_login(app):
    r = app.test_client().get("/customers/pick?q=张")
    assert r.status_code in (302, 401) and not r.is_json


def test_order_form_page_has_pickers_rows_and_our_own_script(login, app):
    html = login("boss_a").get("/orders/add").get_data(as_text=True)
    assert 'data-picker="/customers/pick"' in html and 'data-picker="/reps/pick"' in html
    assert 'data-picker="/products/pick"' in html and 'data-add-row="lines"' in html
    assert 'data-add-row="payments"' in html and 'name="payments-0-method"' in html
    assert '<script src="/static/crm/forms.js"' in html and "cdn" not in html.lower()
    js = app.test_client().get("/static/crm/forms.js")
    assert js.status_code == 200 and b"data-picker" in js.data


def test_order_without_number_with_gapped_rows_and_a_split_payment(login, ctx_a, recorder):
    client = login("boss_a")
    # Rows 1 and 2 were removed in the page: the rows posted are 0 and 3.
    r = client.post("/orders/add", data={
        "order_ref": "", "customer_ref": "C1", "ordered_at": "2026-03-02T09:30",
        "status": "paid",
        "lines-0-sku": "P1", "lines-0-quantity": "1",
        "lines-3-sku": "P2", "lines-3-quantity": "2",
        "payments-0-method": "cash", "payments-0-amount": "100.00",
        "payments-2-method": "wechat_pay", "payments-2-amount": ""})
    assert r.status_code == 302, re.findall(r'(error[^>]*>[^<]+)', r.get_data(as_text=True))
    # 199.00 + 2 x 299.00 = 797.00; cash 100.00, WeChat Pay the rest: 697.00
    ctx_a.session.rollback()
    order = ctx_a.session.scalar(select(Order).where(Order.order_ref == "SO202603-00001"))
    assert order is not None and order.total_amount == Decimal("797.00")
    payments = ctx_a.session.execute(select(Payment.method, Payment.amount).where(
        Payment.order_id == order.id).order_by(Payment.id)).all()
    assert payments == [("cash", Decimal("100.00")), ("wechat_pay", Decimal("697.00"))]
    assert [e.order_ref for e in recorder.paid] == ["SO202603-00001"]


def test_order_form_refuses_payments_that_do_not_add_up(login, ctx_a):
    client = login("boss_a")
    r = client.post("/orders/add", data={
        "customer_ref": "C1", "ordered_at": "2026-03-02T09:30", "status": "paid",
        "lines-0-sku": "P1", "lines-0-quantity": "1",
        "payments-0-method": "cash", "payments-0-amount": "50.00",
        "payments-1-method": "alipay", "payments-1-amount": "50.00"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "199.00" in html
    assert 'name="payments-1-method"' in html  # both payment rows are shown again
    ctx_a.session.rollback()
    assert ctx_a.session.scalar(select(Order).where(Order.order_ref.like("SO%"))) is None


def test_one_payment_row_without_amount_pays_the_whole_order(login, ctx_a):
    r = login("boss_a").post("/orders/add", data={
        "customer_ref": "C2", "ordered_at": "2026-03-02T09:30", "status": "paid",
        "lines-0-sku": "P3", "lines-0-quantity": "1",
        "payments-0-method": "alipay", "payments-0-amount": ""})
    assert r.status_code == 302
    ctx_a.session.rollback()
    assert ctx_a.session.execute(select(Payment.method, Payment.amount).join(
        Order, Order.id == Payment.order_id).where(Order.order_ref == "SO202603-00001")
    ).all() == [("alipay", Decimal("599.00"))]
