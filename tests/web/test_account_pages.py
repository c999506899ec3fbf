"""The password pages in the product's layout (issue 18, item 2): changing one's own
password (reached by clicking one's name), the super admin setting a user's password, the
policy on both with translated messages; Flask-AppBuilder's bare security screens gone."""

from __future__ import annotations

import html as htmllib
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from tests.web.conftest import PASSWORD

Login = Callable[[str], FlaskClient]


def text(client: FlaskClient, url: str, **kw: object) -> tuple[int, str]:
    r = client.post(url, **kw) if kw else client.get(url)
    return r.status_code, htmllib.unescape(r.get_data(as_text=True))


def test_change_my_password_page_is_the_products(login: Login) -> None:
    boss = login("boss_a")
    _, dashboard = text(boss, "/dashboard/")
    assert 'id="change-password" href="/resetmypassword/form"' in dashboard
    status, page = text(boss, "/resetmypassword/form")
    assert status == 200
    # The product's layout (sidebar menu, page title), its form, no FAB scaffold text.
    assert 'class="sidebar"' in page and '<h1 class="page-title">Change password</h1>' in page
    assert "New password" in page and "Repeat the new password" in page
    assert 'type="password"' in page and 'autocomplete="new-password"' in page
    for scaffold in ("Reset Password Form", "does not check this for you",
                     "table-bordered", "col-lg-2"):
        assert scaffold not in page, scaffold


def test_change_my_password_policy_and_result(login: Login, app: object) -> None:
    boss = login("boss_a")
    status, page = text(boss, "/resetmypassword/form",
                        data={"password": "violet-kite-orchard-7", "conf_password": "violet"})
    assert status == 200
    assert '<div class="error" data-field="conf_password">The two passwords differ.</div>' in page
    _, page = text(boss, "/resetmypassword/form", data={"password": "", "conf_password": ""})
    assert '<div class="error" data-field="password">Required.</div>' in page
    _, page = text(boss, "/resetmypassword/form",
                   data={"password": "password1234", "conf_password": "password1234"})
    assert "Too easy to guess" in page
    r = boss.post("/resetmypassword/form", data={"password": "violet-kite-orchard-7",
                                                  "conf_password": "violet-kite-orchard-7"})
    assert r.status_code == 302
    # The old password no longer opens a session; the new one does.
    client = boss.application.test_client()
    assert "/login/" in client.post("/login/", data={"username": "boss_a",
                                                     "password": PASSWORD}).headers["Location"]
    r = client.post("/login/", data={"username": "boss_a",
                                     "password": "violet-kite-orchard-7"})
    assert r.status_code == 302 and "/login/" not in r.headers["Location"]


def test_messages_in_chinese(login: Login) -> None:
    boss = login("boss_a")
    boss.get("/language/zh_Hans_CN")
    _, page = text(boss, "/resetmypassword/form",
                   data={"password": "short", "conf_password": "short"})
    assert '<h1 class="page-title">修改密码</h1>' in page
    assert "至少使用 10 个字符" in page
    boss.get("/language/zh_Hant_TW")
    _, page = text(boss, "/resetmypassword/form",
                   data={"password": "violet-kite-orchard-7", "conf_password": "x"})
    assert "兩次輸入的密碼不一致。" in page and "新密碼" in page


def test_super_admin_sets_a_users_password(login: Login, app: Flask) -> None:
    with app.app_context():
        pk = app.appbuilder.sm.find_user(username="cs_a").id  # type: ignore[attr-defined]
    admin = login("admin")
    _, staff = text(admin, "/staff/list/")
    assert f"/resetpassword/form?pk={pk}" in staff
    status, page = text(admin, f"/resetpassword/form?pk={pk}")
    assert status == 200 and '<h1 class="page-title">Set password</h1>' in page
    assert "Set a new password for cs_a." in page
    # The policy checks the target's name, not the admin's.
    _, page = text(admin, f"/resetpassword/form?pk={pk}",
                   data={"password": "cs_a-violet-2026", "conf_password": "cs_a-violet-2026"})
    assert "Must not contain the user name." in page
    r = admin.post(f"/resetpassword/form?pk={pk}",
                   data={"password": "amber-lantern-river-4", "conf_password":
                         "amber-lantern-river-4"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/staff/list/")
    assert admin.get("/resetpassword/form?pk=999999").status_code == 404
    # cs_a signs in with the new password only.
    client = app.test_client()
    r = client.post("/login/", data={"username": "cs_a", "password": "amber-lantern-river-4"})
    assert "/login/" not in r.headers["Location"]
    # A brand admin may not set other people's passwords, nor see the link.
    boss = login("boss_a")
    assert boss.get(f"/resetpassword/form?pk={pk}").status_code == 403
    assert "/resetpassword/form" not in text(boss, "/staff/list/")[1]


def test_fab_security_screens_are_not_served(login: Login) -> None:
    admin = login("admin")
    for url in ("/users/list/", "/users/userinfo/", "/users/add", "/roles/list/",
                "/roles/add", "/userstatschartview/chart/", "/groups/list/"):
        assert admin.get(url).status_code == 404, url
