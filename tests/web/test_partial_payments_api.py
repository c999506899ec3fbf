"""Partial payments through the REST API (#18): record a deposit, read the balance, pay
the rest, cancel with a deposit to refund, list by payment state."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from flask import Flask

Headers = Callable[[str], dict[str, str]]


def _new(client, headers, ref, payments=None):
    body = {"order_ref": ref, "customer_ref": "C2", "status": "pending",
            "ordered_at": "2026-03-01T12:00:00+08:00",
            "lines": [{"sku": "P2", "quantity": 2, "unit_price": "299.00"}]}
    if payments:
        body["payments"] = payments
    return client.post("/api/v1/orders/", headers=headers, json=body)


def test_deposit_balance_and_states(app: Flask, token: Headers, recorder) -> None:
    client, headers = app.test_client(), token("boss_a")
    # 2 × 299.00 = 598.00, with 100.00 paid at the order.
    r = _new(client, headers, "D1", [{"method": "cash", "amount": "100.00"}])
    assert r.status_code == 201, r.json
    o = r.json["result"]
    assert (o["status"], o["payment_state"]) == ("pending", "partly_paid")
    assert (o["paid_amount"], o["balance_due"], o["refund_due"]) == \
        ("100.00", "498.00", "0.00")
    # Too much: 498.01 > 498.00, a field error in the caller's language.
    r = client.post("/api/v1/orders/D1/payments", headers={**headers,
                    "Accept-Language": "zh-CN"}, json={
        "payments": [{"method": "cash", "amount": "498.01"}]})
    assert r.status_code == 422 and r.json["error"] == "validation_failed"
    [msg] = r.json["errors"]["payments.0.amount"]
    assert "498.01" in msg and "498.00" in msg and "尚欠" in msg, msg
    r = client.post("/api/v1/orders/D1/payments", headers=headers, json={
        "payments": [{"method": "alipay", "amount": "498.00", "reference": "ALI-1"}],
        "paid_at": "2026-03-02T09:00:00+08:00"})
    assert r.status_code == 200, r.json
    o = r.json["result"]
    assert (o["status"], o["payment_state"], o["balance_due"]) == ("paid", "paid", "0.00")
    assert o["paid_at"].startswith("2026-03-02T01:00:00")
    assert [(p["method"], p["amount"]) for p in o["payments"]] == [
        ("cash", "100.00"), ("alipay", "498.00")]
    assert [(e.order_ref, e.amount) for e in recorder.paid] == [("D1", Decimal("598.00"))]
    # A retry of the same payment answers the order, unchanged.
    r = client.post("/api/v1/orders/D1/payments", headers=headers, json={
        "payments": [{"method": "alipay", "amount": "498.00", "reference": "ALI-1"}],
        "paid_at": "2026-03-02T09:00:00+08:00"})
    assert r.status_code == 200 and len(r.json["result"]["payments"]) == 2
    assert len(recorder.paid) == 1


def test_cancel_with_deposit_then_refund_it(app: Flask, token: Headers) -> None:
    client, headers = app.test_client(), token("boss_a")
    _new(client, headers, "D2", [{"method": "wechat_pay", "amount": "200.00"}])
    r = client.post("/api/v1/orders/D2/cancel", headers=headers)
    o = r.json["result"]
    assert (o["status"], o["payment_state"], o["refund_due"]) == \
        ("cancelled", "refund_due", "200.00")
    r = client.get("/api/v1/orders/?payment_state=refund_due", headers=headers)
    assert [x["order_ref"] for x in r.json["result"]] == ["D2"]
    r = client.post("/api/v1/orders/D2/refund-deposit", headers=headers,
                    json={"reference": "WX-REFUND-9"})
    assert r.status_code == 200, r.json
    o = r.json["result"]
    assert (o["payment_state"], o["refund_due"], o["paid_amount"]) == \
        ("cancelled", "0.00", "0.00")
    assert [(p["method"], p["amount"], p["reference"]) for p in o["payments"]] == [
        ("wechat_pay", "200.00", None), ("wechat_pay", "-200.00", "WX-REFUND-9")]
    # The seeded pending order O4 has no deposit: not one to refund.
    r = client.post("/api/v1/orders/O4/refund-deposit", headers=headers)
    assert r.status_code == 409 and r.json["error"] == "bad_status"


def test_list_by_payment_state_and_scoping(app: Flask, token: Headers) -> None:
    client, headers = app.test_client(), token("boss_a")
    _new(client, headers, "D3", [{"method": "cash", "amount": "1.00"}])
    r = client.get("/api/v1/orders/?payment_state=partly_paid", headers=headers)
    assert [x["order_ref"] for x in r.json["result"]] == ["D3"]
    r = client.get("/api/v1/orders/?payment_state=pending", headers=headers)
    assert [x["order_ref"] for x in r.json["result"]] == ["O4"]  # seeded, nothing paid
    # Brand B's manager does not see brand A's order: not found.
    r = client.post("/api/v1/orders/D3/payments", headers=token("boss_b"), json={
        "payments": [{"method": "cash", "amount": "1.00"}]})
    assert r.status_code == 404
    # Rep R2 does not see R1's customer's order either.
    r = client.post("/api/v1/orders/D3/payments", headers=token("rep2"), json={
        "payments": [{"method": "cash", "amount": "1.00"}]})
    assert r.status_code == 404
    # A body without payments names the field.
    r = client.post("/api/v1/orders/D3/payments", headers=headers, json={})
    assert r.status_code == 422 and "payments" in r.json["errors"]
