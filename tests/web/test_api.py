"""REST API: JWT login, brand and rep scoping, validation errors, pagination, hooks."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient

from tests.web.conftest import PASSWORD, Recorder
from tests.web.seed import Seeded

Headers = Callable[[str], dict[str, str]]


def test_api_needs_a_token(app: Flask) -> None:
    assert app.test_client().get("/api/v1/customers/").status_code == 401


def test_jwt_login_and_list_customers(app: Flask, token: Headers) -> None:
    r = app.test_client().get("/api/v1/customers/", headers=token("boss_a"))
    assert r.status_code == 200
    assert r.json["count"] == 4
    assert {c["customer_ref"] for c in r.json["result"]} == {"C1", "C2", "C3", "C4"}
    c1 = next(c for c in r.json["result"] if c["customer_ref"] == "C1")
    assert c1["phone"] == "138****8001"  # masked: 3 first and 4 last digits kept
    assert c1["rep_ref"] == "R1" and c1["tags"] == ["VIP"]


def test_other_brand_gets_404(app: Flask, token: Headers) -> None:
    client = app.test_client()
    headers_b = token("boss_b")
    assert client.get("/api/v1/customers/C1", headers=headers_b).status_code == 404
    assert client.get("/api/v1/orders/O1", headers=headers_b).status_code == 404
    assert client.get("/api/v1/customers/", headers=headers_b).json["count"] == 0
    # Brand B cannot write into brand A's customer either.
    r = client.put("/api/v1/customers/C1", json={"name": "x"}, headers=headers_b)
    assert r.status_code == 404


def test_rep_sees_only_own_customers_and_orders(app: Flask, token: Headers) -> None:
    client = app.test_client()
    headers = token("rep1")
    listed = client.get("/api/v1/customers/", headers=headers).json
    assert {c["customer_ref"] for c in listed["result"]} == {"C1", "C2"}
    assert client.get("/api/v1/customers/C3", headers=headers).status_code == 404
    assert client.get("/api/v1/orders/O3", headers=headers).status_code == 404
    orders = client.get("/api/v1/orders/", headers=headers).json
    assert {o["order_ref"] for o in orders["result"]} == {"O1", "O2"}
    # Nor can a rep record an order for another rep's customer.
    r = client.post("/api/v1/orders/", headers=headers, json={
        "order_ref": "X1", "customer_ref": "C3", "ordered_at": "2026-03-02T10:00:00",
        "lines": [{"sku": "P1", "quantity": 1, "unit_price": "199.00"}]})
    # Not found, as a field error (issue 18): the ref came in the body.
    assert r.status_code == 422
    assert r.json["errors"] == {"customer_ref": ["No customer with number C3."]}


def test_validation_errors_name_the_fields(app: Flask, token: Headers) -> None:
    client = app.test_client()
    headers = token("boss_a")
    r = client.post("/api/v1/customers/", json={"email": "not-an-email"}, headers=headers)
    assert r.status_code == 422
    assert set(r.json["errors"]) == {"customer_ref", "name", "email"}
    assert r.json["errors"]["email"] == ["Not a valid email address."]
    r = client.post("/api/v1/orders/", headers=headers, json={
        "order_ref": "O9", "customer_ref": "C1", "ordered_at": "yesterday",
        "lines": [{"sku": "P1", "quantity": 0, "unit_price": "1.999"}]})
    assert r.status_code == 422
    assert set(r.json["errors"]) == {"ordered_at", "lines.0.quantity", "lines.0.unit_price"}
    # A body that is not a JSON object is refused with a message, not a 500.
    r = client.post("/api/v1/customers/", data="[1, 2", headers={
        **headers, "Content-Type": "application/json"})
    assert r.status_code == 422 and "_schema" in r.json["errors"]
    # An unknown sku names the line.
    r = client.post("/api/v1/orders/", headers=headers, json={
        "order_ref": "O9", "customer_ref": "C1", "ordered_at": "2026-03-02T10:00:00",
        "lines": [{"sku": "NOPE", "quantity": 1, "unit_price": "1.00"}]})
    assert r.status_code == 422 and list(r.json["errors"]) == ["lines.0.sku"]
    assert client.get("/api/v1/orders/O9", headers=headers).status_code == 404


def test_duplicate_is_a_conflict(app: Flask, token: Headers) -> None:
    r = app.test_client().post("/api/v1/customers/", headers=token("boss_a"), json={
        "customer_ref": "C9", "name": "重复", "phone": "+86 138-0013-8001"})
    assert r.status_code == 409 and r.json["error"] == "likely_duplicate"


def test_pagination(app: Flask, token: Headers) -> None:
    client = app.test_client()
    headers = token("boss_a")
    for i in range(5):
        r = client.post("/api/v1/customers/", headers=headers,
                        json={"customer_ref": f"N{i}", "name": f"新客户{i}"})
        assert r.status_code == 201, r.json
    # 4 seeded + 5 new = 9 customers; 4 per page → pages of 4, 4 and 1.
    pages = [client.get(f"/api/v1/customers/?page={p}&page_size=4", headers=headers).json
             for p in (1, 2, 3)]
    assert [p["count"] for p in pages] == [9, 9, 9]
    assert [p["pages"] for p in pages] == [3, 3, 3]
    assert [len(p["result"]) for p in pages] == [4, 4, 1]
    refs = [c["customer_ref"] for p in pages for c in p["result"]]
    assert len(set(refs)) == 9
    filtered = client.get("/api/v1/customers/?q=新客户", headers=headers).json
    assert filtered["count"] == 5
    assert client.get("/api/v1/customers/?page=x", headers=headers).status_code == 422


def test_order_and_refund_through_the_api_fire_hooks(app: Flask, token: Headers,
                                                     recorder: Recorder) -> None:
    client = app.test_client()
    headers = token("boss_a")
    r = client.post("/api/v1/orders/", headers=headers, json={
        "order_ref": "A100", "customer_ref": "C2", "ordered_at": "2026-03-02T09:30:00",
        "lines": [{"sku": "P1", "quantity": 2, "unit_price": "199.00"},
                  {"sku": "P2", "quantity": 1, "unit_price": "299.00"}]})
    assert r.status_code == 201, r.json
    # 2 x 199.00 + 1 x 299.00 = 697.00
    assert r.json["result"]["total_amount"] == "697.00"
    assert r.json["result"]["status"] == "paid"
    assert [(e.order_ref, e.amount) for e in recorder.paid] == [("A100", Decimal("697.00"))]
    r = client.post("/api/v1/returns/", headers=headers, json={
        "return_ref": "RT1", "order_ref": "A100", "requested_at": "2026-03-02T10:00:00",
        "refunded_at": "2026-03-02T11:00:00",
        "lines": [{"sku": "P1", "quantity": 1, "amount": "199.00"}]})
    assert r.status_code == 201, r.json
    assert [(e.return_ref, e.amount) for e in recorder.refunded] == [("RT1", Decimal("199.00"))]
    # Refunding again changes nothing and fires nothing.
    assert client.post("/api/v1/returns/RT1/refund", headers=headers).status_code == 200
    assert len(recorder.refunded) == 1


def test_read_only_role_cannot_write(app: Flask, token: Headers) -> None:
    r = app.test_client().post("/api/v1/customers/", headers=token("audit_a"),
                               json={"customer_ref": "Z1", "name": "x"})
    assert r.status_code == 403


def test_openapi_is_served(app: Flask, token: Headers) -> None:
    r = app.test_client().get("/api/v1/_openapi", headers=token("boss_a"))
    assert r.status_code == 200
    paths = r.json["paths"]
    for path in ("/api/v1/customers/", "/api/v1/orders/", "/api/v1/returns/",
                 "/api/v1/tasks/", "/api/v1/interactions/", "/api/v1/security/login"):
        assert path in paths, path
    assert "post" in paths["/api/v1/orders/"]


def test_api_login_is_rate_limited(app: Flask) -> None:
    client = app.test_client()
    codes = [client.post("/api/v1/security/login", json={
        "username": f"guess{i}", "password": "wrong", "provider": "db"}).status_code
        for i in range(11)]
    # The limit is 10 failures a minute per address: ten refusals (401), then 429 in JSON
    # with Retry-After, even for the right password.
    assert codes[:10] == [401] * 10 and codes[10] == 429
    r = client.post("/api/v1/security/login", json={
        "username": "boss_a", "password": PASSWORD, "provider": "db"})
    assert r.status_code == 429 and r.json["error"] == "too_many_attempts"
    assert 1 <= int(r.headers["Retry-After"]) <= 61
    # The form login of the same address shares the counter.
    r = client.post("/login/", data={"username": "rep1", "password": PASSWORD})
    assert r.status_code == 429 and "Retry-After" in r.headers


def test_an_account_is_locked_after_failures_from_many_addresses(app: Flask) -> None:
    for i in range(10):
        r = app.test_client().post("/api/v1/security/login", json={
            "username": "rep1", "password": "wrong", "provider": "db"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{i}"})
        assert r.status_code == 401
    r = app.test_client().post("/api/v1/security/login", json={
        "username": "rep1", "password": PASSWORD, "provider": "db"},
        environ_base={"REMOTE_ADDR": "10.0.1.1"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 60  # 15-minute lock
    # Other accounts from a fresh address are not affected.
    r = app.test_client().post("/api/v1/security/login", json={
        "username": "boss_a", "password": PASSWORD, "provider": "db"},
        environ_base={"REMOTE_ADDR": "10.0.2.2"})
    assert r.status_code == 200


def test_tasks_and_interactions(app: Flask, token: Headers, seeded: Seeded) -> None:
    client = app.test_client()
    headers = token("rep1")
    r = client.post("/api/v1/tasks/", headers=headers, json={
        "title": "回访张伟", "due_at": "2026-03-01T10:00:00", "customer_ref": "C1"})
    assert r.status_code == 201, r.json
    task_id = r.json["result"]["id"]
    # Tasks name their customer and rep by refs (the rep's own task goes to R1), never by
    # internal ids; the task keeps its id, which /tasks/{pk}/complete takes.
    assert (r.json["result"]["customer_ref"], r.json["result"]["rep_ref"]) == ("C1", "R1")
    assert not {"customer_id", "rep_id"} & set(r.json["result"])
    overdue = client.get("/api/v1/tasks/?overdue=1", headers=headers).json
    assert [t["id"] for t in overdue["result"]] == [task_id]
    # Another rep cannot see or complete it.
    other = token("rep2")
    assert client.post(f"/api/v1/tasks/{task_id}/complete", headers=other).status_code == 404
    assert client.post(f"/api/v1/tasks/{task_id}/complete", headers=headers).json[
        "result"]["status"] == "done"
    r = client.post("/api/v1/interactions/", headers=headers, json={
        "customer_ref": "C1", "kind": "call", "occurred_at": "2026-03-02T09:00:00",
        "summary": "电话回访"})
    assert r.status_code == 201
    logged = r.json["result"]
    assert (logged["customer_ref"], logged["rep_ref"], logged["kind"]) == ("C1", "R1", "call")
    assert not {"customer_id", "rep_id"} & set(logged)
    listed = client.get("/api/v1/interactions/?customer_ref=C1", headers=headers).json
    assert [(i["id"], i["customer_ref"], i["rep_ref"]) for i in listed["result"]] == [
        (logged["id"], "C1", "R1")]
    r = client.post("/api/v1/interactions/", headers=headers, json={
        "customer_ref": "C1", "kind": "fax", "occurred_at": "2026-03-02T09:00:00",
        "summary": "x"})
    assert r.status_code == 422 and list(r.json["errors"]) == ["kind"]
    assert client.get("/api/v1/interactions/?customer_ref=C3",
                      headers=headers).status_code == 404


def test_session_cookie_does_not_authenticate_the_api(login: Callable[[str], FlaskClient]
                                                      ) -> None:
    # The REST API is CSRF-exempt, so only a JWT may authenticate it.
    client = login("boss_a")
    assert client.get("/customers/list/").status_code == 200
    assert client.get("/api/v1/customers/").status_code == 401
    assert client.post("/api/v1/customers/", json={"customer_ref": "X", "name": "x"}
                       ).status_code == 401


def test_reps_update_and_status(app: Flask, token: Headers) -> None:
    client = app.test_client()
    headers = token("boss_a")
    r = client.put("/api/v1/reps/R1", json={"territory": "浦东", "capacity": 80},
                   headers=headers)
    assert r.status_code == 200 and r.json["result"]["territory"] == "浦东"
    r = client.post("/api/v1/reps/R1/status", json={"status": "suspended",
                                                    "effective_on": "2026-03-02"},
                    headers=headers)
    assert r.status_code == 200 and r.json["result"]["status"] == "suspended"
    r = client.post("/api/v1/reps/R1/status", json={"status": "retired"}, headers=headers)
    assert r.status_code == 422 and list(r.json["errors"]) == ["status"]
    # A rep may read reps but not change them.
    assert client.put("/api/v1/reps/R1", json={"territory": "x"},
                      headers=token("rep1")).status_code == 403
