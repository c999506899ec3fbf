"""The Settings screen: who may see and change it, and what a save does."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from core.context import Ctx
from core.services.settings import get_setting

Login = Callable[[str], FlaskClient]


def test_brand_admin_changes_an_area_all_or_nothing(login: Login, ctx_a: Ctx) -> None:
    client = login("boss_a")
    page = client.get("/settings/list/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-setting="tasks.followup_hours"' in html and 'id="area-churn_risk"' in html
    form = {"tasks.followup_hours": "36", "tasks.profile_hours": "0",
            "tasks.profile_fields": ["phone", "email"]}
    r = client.post("/settings/save/tasks", data=form)
    assert r.status_code == 422
    assert 'data-field="tasks.profile_hours"' in r.get_data(as_text=True)
    ctx_a.session.rollback()
    ctx_a.session.refresh(ctx_a.brand)
    assert get_setting(ctx_a, "tasks.followup_hours") == 48  # nothing saved
    form["tasks.profile_hours"] = "24"
    r = client.post("/settings/save/tasks", data=form)
    assert r.status_code == 302
    ctx_a.session.rollback()
    ctx_a.session.refresh(ctx_a.brand)
    assert get_setting(ctx_a, "tasks.followup_hours") == 36
    assert get_setting(ctx_a, "tasks.profile_fields") == ["phone", "email"]
    # Unchanged fields of the area were not written: they still follow their default.
    assert "profile_hours" not in ctx_a.brand.settings["tasks"]


def test_who_sees_the_settings(login: Login) -> None:
    assert login("rep1").get("/settings/list/").status_code in (302, 403)
    assert login("audit_a").get("/settings/list/").status_code == 200
    # A compliance officer reads but cannot save.
    r = login("audit_a").post("/settings/save/tasks", data={"tasks.followup_hours": "12"})
    assert r.status_code in (302, 403)
    assert 'name="tasks.followup_hours"' in login("audit_a").get(
        "/settings/list/").get_data(as_text=True)


def test_choices_are_shown_by_their_labels_and_posted_as_codes(login: Login) -> None:
    import re

    client = login("boss_a")
    client.get("/language/zh_Hans_CN")
    html = client.get("/settings/list/").get_data(as_text=True)
    # A list of choices: the check box keeps the code, the reader sees the label.
    assert re.search(r'value="phone"[^>]*>\s*手机号</label>', html)
    assert re.search(r'value="no_order"[^>]*>\s*近期未下单</label>', html)
    assert re.search(r'value="abc"[^>]*>\s*ABC（帕累托）</label>', html)
    # The defaults are written the same way, not as codes.
    assert "no_order, no_contact" not in html
    assert '<span class="mono">no_order' not in html
    client.get("/language/en")
    html = client.get("/settings/list/").get_data(as_text=True)
    assert re.search(r'value="no_contact"[^>]*>\s*No recent contact</label>', html)
