"""A sorted list with its export button in headless Chromium, three languages; no
horizontal overflow. Screenshots: docs/screenshots/orders-sorted-*.png."""

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
    create_user(app, "boss_a", PASSWORD, "brand_admin", brand_code="A")
    with serving(app) as base:
        yield base


def test_sorting_by_clicking_headers(driver: WebDriver, server: str) -> None:  # noqa: F811
    log_in(driver, server, "boss_a")
    for code, total, name in (("en", "TOTAL", "orders-sorted-en.png"),
                              ("zh_Hans_CN", "合计", "orders-sorted-zh-hans.png"),
                              ("zh_Hant_TW", "合計", "orders-sorted-zh-hant.png")):
        driver.get(f"{server}/language/{code}")
        driver.get(f"{server}/orders/list/")
        header = driver.find_element(By.CSS_SELECTOR, "th.sortable a[data-sort='total']")
        assert header.text.startswith(total)  # headers are shown in capitals
        header.click()  # ascending
        driver.find_element(By.CSS_SELECTOR, "th.sortable a[data-sort='total']").click()
        refs = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "table tbody tr td a")
                if a.text.startswith("O")]
        assert refs == ["O3", "O2", "O4", "O1"]  # 599, 598, then the two 199s (id desc)
        assert driver.current_url.endswith("sort=-total")
        export = driver.find_element(By.CSS_SELECTOR, "a[data-export]")
        assert export.get_attribute("href").endswith("/orders/export.csv?sort=-total")
        assert driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth")
        shot(driver, name)
