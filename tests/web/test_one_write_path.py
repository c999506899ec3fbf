"""Live writes follow the same rules as the import ("one contract" issue, defect 1)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from flask import Flask
from sqlalchemy import select

from core.context import Ctx
from core.models import Customer, Interaction, Order
from core.services.merge import merge_customers
from tests.web.conftest import Recorder

Headers = Callable[[str], dict[str, str]]


def test_an_order_for_a_merged_ref_lands_on_the_survivor(
        app: Flask, token: Headers, ctx_a: Ctx, recorder: Recorder) -> None:
    merge_customers(ctx_a, "C1", ["C2"])  # both R1's customers in the seed
    client, headers = app.test_client(), token("boss_a")
    r = client.post("/api/v1/orders/", headers=headers, json={
        "order_ref": "MRG1", "customer_ref": "C2", "ordered_at": "2026-03-02T09:00:00",
        "lines": [{"sku": "P1", "quantity": 1, "unit_price": "199.00"}]})
    assert r.status_code == 201, r.json
    ctx_a.session.rollback()
    c1 = ctx_a.session.scalar(select(Customer.id).where(Customer.customer_ref == "C1"))
    order = ctx_a.session.scalar(select(Order).where(Order.order_ref == "MRG1"))
    assert order.customer_id == c1
    assert [(o.order_ref, o.customer_id) for o in recorder.paid] == [("MRG1", c1)]
    # Interactions too.
    r = client.post("/api/v1/interactions/", headers=headers, json={
        "customer_ref": "C2", "kind": "call", "occurred_at": "2026-03-02T09:30:00",
        "summary": "回访"})
    assert r.status_code == 201, r.json
    ctx_a.session.rollback()
    assert ctx_a.session.scalar(select(Interaction.customer_id).where(
        Interaction.summary == "回访")) == c1


def test_a_rep_records_a_paid_order_of_their_own_customer(
        app: Flask, token: Headers, ctx_a: Ctx, recorder: Recorder) -> None:
    client, headers = app.test_client(), token("rep1")
    r = client.post("/api/v1/orders/", headers=headers, json={
        "order_ref": "REP1", "customer_ref": "C1", "ordered_at": "2026-03-02T09:00:00",
        "lines": [{"sku": "P1", "quantity": 2, "unit_price": "199.00"}]})
    assert r.status_code == 201, r.json
    assert r.json["result"]["total_amount"] == "398.00"
    assert [o.amount for o in recorder.paid] == [Decimal("398.00")]


def test_a_rep_cannot_credit_an_order_to_another_rep(
        app: Flask, token: Headers, ctx_a: Ctx, recorder: Recorder) -> None:
    client, headers = app.test_client(), token("rep1")
    r = client.post("/api/v1/orders/", headers=headers, json={
        "order_ref": "REP2", "customer_ref": "C1", "rep_ref": "R2",
        "ordered_at": "2026-03-02T09:00:00",
        "lines": [{"sku": "P1", "quantity": 1, "unit_price": "199.00"}]})
    # Another rep is outside a rep's row scope: "not found", as for another brand's rows;
    # a ref in the body that names nothing is a field error (issue 18).
    assert r.status_code == 422, r.json
    assert r.json["errors"] == {"rep_ref": ["No rep with number R2."]}
    assert recorder.paid == []
    ctx_a.session.rollback()
    assert ctx_a.session.scalar(select(Order.id).where(Order.order_ref == "REP2")) is None
    # A brand admin may credit any rep of the brand.
    r = app.test_client().post("/api/v1/orders/", headers=token("boss_a"), json={
        "order_ref": "REP3", "customer_ref": "C1", "rep_ref": "R2",
        "ordered_at": "2026-03-02T09:00:00",
        "lines": [{"sku": "P1", "quantity": 1, "unit_price": "199.00"}]})
    assert r.status_code == 201, r.json
