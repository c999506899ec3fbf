"""The password page in headless Chromium, three languages: reached by clicking one's name,
in the product's layout, a refused password explained beside its field.
Screenshots: docs/screenshots/password-*.png."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from core.runtime import Runtime
from core.web.users import create_user
from tests.conftest import FixedClock
from tests.web.conftest import PASSWORD, build_app
from tests.web.seed import Seeded
from tests.web.test_browser import driver, log_in, serving, shot  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture()
def server(rt: Runtime, clock: FixedClock, seeded: Seeded) -> Iterator[str]:
    app: Flask = build_app(rt, clock)
    create_user(app, "boss_a", PASSWORD, "brand_admin", brand_code="A",
                first_name="周", last_name="经理")
    with serving(app) as base:
        yield base


def test_password_page_in_three_languages(driver: WebDriver, server: str) -> None:  # noqa: F811
    log_in(driver, server, "boss_a")
    for code, title, error, name in (
            ("en", "Change password", "Use at least 10 characters.", "password-en.png"),
            ("zh_Hans_CN", "修改密码", "请至少使用 10 个字符。", "password-zh-hans.png"),
            ("zh_Hant_TW", "修改密碼", "請至少使用 10 個字元。", "password-zh-hant.png")):
        driver.get(f"{server}/language/{code}")
        driver.get(f"{server}/dashboard/")
        driver.find_element(By.ID, "change-password").click()
        assert driver.find_element(By.CSS_SELECTOR, ".topbar .page-title").text == title
        driver.find_element(By.ID, "f-password").send_keys("short")
        driver.find_element(By.ID, "f-conf_password").send_keys("short")
        driver.find_element(By.CSS_SELECTOR, "form.form-card button[type=submit]").click()
        err = driver.find_element(By.CSS_SELECTOR, ".error[data-field='password']")
        assert err.text == error
        assert driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth")
        shot(driver, name)
