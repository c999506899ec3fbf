"""One error body everywhere in the API (issue 18, item 9): ``{"error", "message",
"errors"}`` from the endpoints, FAB's ``protect``, the JWT layer, the login and routing;
messages in the language of ``Accept-Language``, else the user's, else the brand's;
unknown fields and unknown refs as 422 field errors; a bad token 401."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from core.context import Ctx
from core.services.modules import enable_modules
from core.web.users import create_user
from tests.web.conftest import PASSWORD

Headers = Callable[[str], dict[str, str]]


def shape(r: Any, status: int, error: str) -> dict[str, Any]:
    """The response has the one error shape, this status and code; returns the body."""
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True))
    body = r.get_json()
    assert set(body) >= {"error", "message", "errors"}, body
    assert body["error"] == error and isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], dict)
    return body


def test_token_problems_are_401_in_the_one_shape(app: Flask) -> None:
    client = app.test_client()
    body = shape(client.get("/api/v1/customers/"), 401, "unauthorized")
    assert body["errors"] == {}
    for header in ("Bearer abc.def.ghi", "Bearer not-a-jwt", "Basic Zm9vOmJhcg==",
                   "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.bad-signature"):
        r = client.get("/api/v1/customers/", headers={"Authorization": header})
        assert r.status_code == 401, header
        assert shape(r, 401, r.get_json()["error"])["error"] in {"unauthorized",
                                                                 "invalid_token"}
    body = shape(client.post("/api/v1/security/login", json={
        "username": "boss_a", "password": "wrong-password-1", "provider": "db"}),
        401, "invalid_login")
    assert body["message"] == "Invalid login. Please try again."
    body = shape(client.post("/api/v1/security/login", json={"provider": "db"}),
                 400, "bad_request")
    assert body["errors"] == {"username": ["Missing data for required field."],
                              "password": ["Missing data for required field."]}


def test_every_refusal_has_the_one_shape(app: Flask, token: Headers) -> None:
    client, boss = app.test_client(), token("boss_a")
    en = {**boss, "Accept-Language": "en"}
    assert shape(client.get("/api/v1/nothing/", headers=en), 404, "not_found")["errors"] == {}
    body = shape(client.get("/api/v1/customers/C999", headers=en), 404, "not_found")
    assert body["message"] == "No customer with number C999."  # no table name
    shape(client.delete("/api/v1/customers/C1", headers=en), 405, "method_not_allowed")
    body = shape(client.post("/api/v1/customers/", headers=en,
                             json={"customer_ref": "C1", "name": "重复"}), 409, "duplicate")
    assert body["errors"] == {}
    body = shape(client.post("/api/v1/customers/", headers=token("audit_a"),
                             json={"customer_ref": "N1", "name": "x"}), 403, "forbidden")
    assert body["errors"] == {}
    body = shape(client.get("/api/v1/customers/?page=x&page_size=500", headers=en),
                 422, "validation_failed")
    assert body["errors"] == {"page": ["Not a valid integer."],
                              "page_size": ["Must be between 1 and 100."]}


def test_unknown_fields_and_refs_are_field_errors(app: Flask, token: Headers) -> None:
    client, en = app.test_client(), {**token("boss_a"), "Accept-Language": "en"}
    # A misspelt field is refused, not dropped; nothing is written.
    body = shape(client.post("/api/v1/customers/", headers=en, json={
        "customer_ref": "N1", "name": "新客", "phon": "13900000000"}),
        422, "validation_failed")
    assert body["errors"] == {"phon": ["Unknown field."]}
    assert client.get("/api/v1/customers/N1", headers=en).status_code == 404
    # Also inside the lines of an order, together with the other field errors.
    body = shape(client.post("/api/v1/orders/", headers=en, json={
        "order_ref": "X1", "customer_ref": "C1", "ordered_at": "2026-03-02T10:00:00+08:00",
        "lines": [{"sku": "P1", "quantity": 0, "unit_price": "199.00", "colour": "red"}]}),
        422, "validation_failed")
    assert body["errors"] == {
        "lines.0.quantity": ["Must be greater than or equal to 1 and less than or equal "
                             "to 100000."],
        "lines.0.colour": ["Unknown field."]}
    # A ref in the body that names nothing: the field and the reason, 422 (not a 404
    # naming a table).
    body = shape(client.post("/api/v1/customers/", headers=en, json={
        "customer_ref": "N2", "name": "新客", "rep_ref": "R999"}), 422, "validation_failed")
    assert body["errors"] == {"rep_ref": ["No rep with number R999."]}
    body = shape(client.post("/api/v1/orders/", headers=en, json={
        "order_ref": "X2", "customer_ref": "C999", "ordered_at": "2026-03-02T10:00:00+08:00",
        "lines": [{"sku": "P1", "quantity": 1, "unit_price": "199.00"}]}),
        422, "validation_failed")
    assert body["errors"] == {"customer_ref": ["No customer with number C999."]}
    body = shape(client.post("/api/v1/tasks/", headers=en, json={
        "title": "回访", "customer_ref": "C1", "rep_ref": "R404",
        "due_at": "2026-03-05T10:00:00+08:00"}), 422, "validation_failed")
    assert body["errors"] == {"rep_ref": ["No rep with number R404."]}


@pytest.mark.parametrize(("header", "message", "length"), [
    ("zh-CN", "输入无效。", "长度必须在 1 到 64 之间。"),
    ("zh-TW", "輸入無效。", "長度必須在 1 到 64 之間。"),
    ("zh-Hant-HK;q=0.9, en;q=0.5", "輸入無效。", "長度必須在 1 到 64 之間。"),
    ("en-GB", "The input is not valid.", "Length must be between 1 and 64."),
])
def test_accept_language_wins(app: Flask, token: Headers, header: str, message: str,
                              length: str) -> None:
    # boss_a chose English; the request asks for another language and gets it, the
    # field messages (marshmallow's, with their numbers) included.
    r = app.test_client().post("/api/v1/customers/", headers={
        **token("boss_a"), "Accept-Language": header}, json={"customer_ref": "", "name": "x"})
    body = shape(r, 422, "validation_failed")
    assert body["message"] == message and body["errors"] == {"customer_ref": [length]}


def test_then_the_users_language_then_the_brands(app: Flask, token: Headers) -> None:
    create_user(app, "lin_tw", PASSWORD, "manager", brand_code="A", locale="zh_Hant_TW")
    create_user(app, "wu_brand", PASSWORD, "manager", brand_code="A")  # no preference
    client = app.test_client()
    for user, message, missing in (
            ("lin_tw", "輸入無效。", "沒有編號為 R999 的直銷員。"),
            # brand A's language is Simplified Chinese
            ("wu_brand", "输入无效。", "没有编号为 R999 的直销员。")):
        r = client.post("/api/v1/customers/", headers=token(user), json={
            "customer_ref": "N3", "name": "x", "rep_ref": "R999"})
        body = shape(r, 422, "validation_failed")
        assert body["message"] == message and body["errors"] == {"rep_ref": [missing]}
    # 403 and 404 from FAB and routing speak the caller's language too.
    r = client.get("/api/v1/nothing/", headers={"Accept-Language": "zh-TW"})
    assert shape(r, 404, "not_found")["message"] == "找不到。"
    r = client.get("/api/v1/customers/", headers={"Accept-Language": "zh-CN"})
    assert shape(r, 401, "unauthorized")["message"].startswith("请先登录")


def test_a_modules_endpoint_answers_the_same(app: Flask, token: Headers,
                                              ctx_a: Ctx) -> None:
    enable_modules(ctx_a, ["referral"])
    client, en = app.test_client(), {**token("boss_a"), "Accept-Language": "en"}
    body = shape(client.post("/api/v1/referral/referrals", headers=en, json={
        "referrer_ref": "C1", "referred_ref": "C2", "via": "wechat"}),
        422, "validation_failed")
    assert body["errors"] == {"via": ["Unknown field."]}
    body = shape(client.post("/api/v1/referral/referrals", headers=en, json={
        "referrer_ref": "C1"}), 422, "validation_failed")
    assert body["errors"] == {"referred_ref": ["Missing data for required field."]}
    shape(client.get("/api/v1/referral/referrals", headers={"Accept-Language": "en"}),
          401, "unauthorized")
    body = shape(client.post("/api/v1/referral/referrals/999999/review", headers=en,
                             json={"decision": "approve"}), 422, "validation_failed")
    assert body["errors"] == {"referral": ["No referral 999999."]}
