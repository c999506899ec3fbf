"""Sessions and tokens end: after a logout the old session cookie no longer works, and a
password change revokes the user's access and refresh tokens (hardening issue 11)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from tests.web.conftest import PASSWORD

Login = Callable[[str], FlaskClient]


def test_a_copied_session_cookie_dies_with_the_logout(app: Flask, login: Login) -> None:
    browser = login("boss_a")
    assert browser.get("/customers/list/").status_code == 200
    stolen = browser.get_cookie("session").value
    assert browser.get("/logout/").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    r = thief.get("/customers/list/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    # Logging in again works at once.
    assert login("boss_a").get("/customers/list/").status_code == 200


def test_a_password_change_revokes_tokens(app: Flask, login: Login) -> None:
    client = app.test_client()
    tokens = client.post("/api/v1/security/login", json={
        "username": "boss_a", "password": PASSWORD, "provider": "db", "refresh": True}).json
    access = {"Authorization": f"Bearer {tokens['access_token']}"}
    refresh = {"Authorization": f"Bearer {tokens['refresh_token']}"}
    assert client.get("/api/v1/customers/", headers=access).status_code == 200
    browser = login("boss_a")
    r = browser.post("/resetmypassword/form", data={"password": "violet-kite-orchard-7",
                                                     "conf_password": "violet-kite-orchard-7"})
    assert r.status_code == 302
    r = client.get("/api/v1/customers/", headers=access)
    assert r.status_code == 401 and r.json["error"] == "revoked_token"
    assert client.post("/api/v1/security/refresh", headers=refresh).status_code == 401
    # The browser that changed the password is logged out too; the new password works.
    assert browser.get("/customers/list/").status_code == 302
    fresh = client.post("/api/v1/security/login", json={
        "username": "boss_a", "password": "violet-kite-orchard-7", "provider": "db"}).json
    assert client.get("/api/v1/customers/", headers={
        "Authorization": f"Bearer {fresh['access_token']}"}).status_code == 200
