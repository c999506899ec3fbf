"""One password policy everywhere: the CLI and services, and FAB's password form
(hardening issue 10: the reset form accepted "a", the CLI "12345678", "aaaaaaaa" and the
username repeated)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.errors import ValidationFailed
from core.users.passwords import password_problems
from core.web.users import create_user

Login = Callable[[str], FlaskClient]


@pytest.mark.parametrize("password", ["a", "12345678", "aaaaaaaa", "aaaaaaaaaaaa",
                                      "1234567890", "qwertyuiop", "password123",
                                      "li.nali.na12", "Li.Na2026xx"])
def test_weak_passwords_are_refused(app: Flask, password: str) -> None:
    assert password_problems(password, "li.na")
    with pytest.raises(ValidationFailed) as refused:
        create_user(app, "li.na", password, "manager", brand_code="A")
    assert list(refused.value.errors) == ["password"]


@pytest.mark.parametrize("password", ["correct-horse-1", "demo-pass-2026",
                                      "紫藤花开在四月的清晨"])
def test_strong_passwords_pass(password: str) -> None:
    assert password_problems(password, "li.na") == []


def test_the_reset_form_applies_the_policy(login: Login) -> None:
    client = login("boss_a")
    page = client.get("/resetmypassword/form")
    assert page.status_code == 200
    r = client.post("/resetmypassword/form", data={"password": "a", "conf_password": "a"})
    assert r.status_code == 200  # the form again, with the reason
    assert "Use at least 10 characters." in r.get_data(as_text=True)
    r = client.post("/resetmypassword/form", data={"password": "boss_aboss_a1",
                                                    "conf_password": "boss_aboss_a1"})
    assert "Must not contain the user name." in r.get_data(as_text=True)
    r = client.post("/resetmypassword/form", data={"password": "violet-kite-orchard-7",
                                                    "conf_password": "violet-kite-orchard-7"})
    assert r.status_code == 302
