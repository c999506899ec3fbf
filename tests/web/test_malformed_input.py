"""Malformed input is a 4xx with the product's error body, never a 500 (hardening 8, 14).

Each case failed with a server error (or a wrong status) before; on PostgreSQL a NUL
byte and ids beyond 2^31 were 500s too.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.web.seed import Seeded

Headers = Callable[[str], dict[str, str]]
Login = Callable[[str], FlaskClient]
HUGE = str(2**63)


@pytest.mark.parametrize("path", [
    f"/api/v1/customers/?page={HUGE}", f"/api/v1/orders/?page={HUGE}&page_size=10",
    "/api/v1/customers/?q=%00", "/api/v1/customers/%00", "/api/v1/orders/A%00B",
    f"/api/v1/tasks/?page={HUGE}", "/api/v1/customers/?page=-1",
])
def test_api_reads_answer_4xx_json(app: Flask, token: Headers, path: str) -> None:
    r = app.test_client().get(path, headers=token("boss_a"))
    assert 200 <= r.status_code < 500 and r.is_json, (path, r.status_code, r.data[:200])
    if r.status_code >= 400:
        assert "message" in r.json


def test_api_bodies_with_nul_name_the_field(app: Flask, token: Headers) -> None:
    r = app.test_client().post("/api/v1/customers/", headers=token("boss_a"),
                               json={"customer_ref": "N\x001", "name": "甲"})
    assert r.status_code == 422 and "customer_ref" in r.json["errors"], r.json


@pytest.mark.parametrize("path", [
    f"/customers/list/?page={HUGE}", f"/customers/show/{HUGE}", f"/orders/show/{2**31}",
    "/customers/list/?q=%00", f"/tasks/list/?page={HUGE}",
])
def test_web_pages_answer_4xx_or_a_page(login: Login, seeded: Seeded, path: str) -> None:
    r = login("boss_a").get(path)
    assert r.status_code in (200, 400, 404), (path, r.status_code)


def test_a_tampered_token_is_401(app: Flask, token: Headers) -> None:
    headers = token("boss_a")
    tampered = headers["Authorization"][:-4] + ("AAAA" if not headers[
        "Authorization"].endswith("AAAA") else "BBBB")
    r = app.test_client().get("/api/v1/customers/", headers={"Authorization": tampered})
    assert r.status_code == 401, (r.status_code, r.data[:200])


@pytest.mark.parametrize(("query", "field"), [
    ("as_of=7026-01-01&since=2026-01-01", "as_of"),
    ("as_of=9999-12-30&since=0001-01-02", "as_of"),
    ("as_of=2026-03-01&since=2010-01-01", "since"),
    ("as_of=2026-03-01&since=2026-03-02", "since"),
])
def test_report_windows_are_bounded(app: Flask, token: Headers, query: str,
                                    field: str) -> None:
    """The probe's 79-second and 500 windows are refused at once, for reps too."""
    for user in ("boss_a", "rep1"):
        r = app.test_client().get(f"/api/v1/figures/?{query}", headers=token(user))
        assert r.status_code == 422 and field in r.json["errors"], (query, r.json)


def test_a_ten_year_window_still_runs(app: Flask, token: Headers) -> None:
    r = app.test_client().get("/api/v1/figures/?as_of=2026-03-01&since=2016-03-04",
                              headers=token("boss_a"))
    assert r.status_code == 200, r.json


def test_expensive_reads_have_a_per_user_limit(rt, clock, brands, seeded) -> None:
    from tests.web.conftest import build_app

    app = build_app(rt, clock, WTF_CSRF_ENABLED=False, DIRECTCRM_EXPENSIVE_LIMIT="3 per minute")
    from core.web.users import create_user
    from tests.web.conftest import PASSWORD

    for name in ("boss_a", "rep1"):
        create_user(app, name, PASSWORD, "brand_admin" if name == "boss_a" else "rep",
                    brand_code="A", rep_ref=None if name == "boss_a" else "R1", locale="en")

    def headers(user: str) -> dict[str, str]:
        r = app.test_client().post("/api/v1/security/login", json={
            "username": user, "password": PASSWORD, "provider": "db"})
        return {"Authorization": f"Bearer {r.json['access_token']}"}

    boss, rep = headers("boss_a"), headers("rep1")
    codes = [app.test_client().get("/api/v1/figures/", headers=boss).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = app.test_client().get("/api/v1/figures/", headers=boss)
    assert r.status_code == 429 and r.is_json and int(r.headers["Retry-After"]) > 0
    # Another user has their own allowance; cheap reads are not limited.
    assert app.test_client().get("/api/v1/figures/", headers=rep).status_code == 200
    assert app.test_client().get("/api/v1/customers/", headers=boss).status_code == 200
