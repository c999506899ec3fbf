"""The audit screen in headless Chromium, in three languages: a compliance officer filters
one customer's history, reads labels and names, opens the raw entry with one click.
Screenshots go to docs/screenshots/audit-*.png."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from core.context import Ctx
from core.runtime import Runtime
from core.services.customers import update_customer
from core.web.users import create_user
from tests.conftest import FixedClock
from tests.web.conftest import PASSWORD, build_app
from tests.web.seed import Seeded
from tests.web.test_browser import driver, log_in, serving, shot  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture()
def server(rt: Runtime, clock: FixedClock, ctx_a: Ctx, seeded: Seeded) -> Iterator[str]:
    app: Flask = build_app(rt, clock)
    create_user(app, "audit_a", PASSWORD, "compliance_officer", brand_code="A",
                first_name="林", last_name="审计")
    create_user(app, "boss_a", PASSWORD, "brand_admin", brand_code="A",
                first_name="周", last_name="经理")
    boss = Ctx(session=ctx_a.session, brand=ctx_a.brand, user="boss_a", locale="en",
               clock=ctx_a.clock, registry=ctx_a.registry)
    update_customer(boss, "C1", {"name": "张伟伟", "birthday": "1988-04-02",
                                 "email": "zhang@example.com"})
    with serving(app) as base:
        yield base


def test_audit_screen_in_three_languages(driver: WebDriver, server: str,  # noqa: F811
                                         seeded: Seeded) -> None:
    log_in(driver, server, "audit_a")
    for code, kind, field, name in (
            ("en", "Customer", "Birthday", "audit-en.png"),
            ("zh_Hans_CN", "客户", "生日", "audit-zh-hans.png"),
            ("zh_Hant_TW", "客戶", "生日", "audit-zh-hant.png")):
        driver.get(f"{server}/language/{code}")
        driver.get(f"{server}/audit/list/?record_type=customers&record=C1")
        rows = driver.find_elements(By.CSS_SELECTOR, "table.audit tbody tr")
        # C1's creation by the seed (system) and its update by boss_a, newest first.
        assert len(rows) == 2
        first = rows[0]
        assert kind in first.find_element(By.CSS_SELECTOR, ".record").text
        link = first.find_element(By.CSS_SELECTOR, "a.record-link")
        assert link.text == "张伟伟 (C1)"
        assert link.get_attribute("href").endswith(f"/customers/show/{seeded.customers['C1']}")
        # Who: the user's full name, with the login under it.
        assert "周 经理" in first.text and "boss_a" in first.text
        labels = [dt.text for dt in first.find_elements(By.CSS_SELECTOR, ".changes dt")]
        assert field in labels and "birthday" not in labels
        raw = first.find_element(By.CSS_SELECTOR, "details.raw pre")
        assert not raw.is_displayed()
        first.find_element(By.CSS_SELECTOR, "details.raw summary").click()
        assert '"record_type": "customers"' in raw.text
        shot(driver, name)
