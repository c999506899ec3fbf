"""The order page with a deposit, in headless Chromium (#18): an order taken with a
deposit through the form, an instalment recorded on its page, the balance shown; the
screenshot docs/screenshots/order-deposit.png (Simplified Chinese, the brand's language)
and order-deposit-en.png.

Seed (tests/web/seed.py): C2 刘洋 (R1); P3 净水器滤芯 599.00.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

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
    create_user(app, "boss_en", PASSWORD, "brand_admin", brand_code="A", locale="en")
    with serving(app) as base:
        yield base


def _no_overflow(drv: WebDriver) -> bool:
    return drv.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_order_with_a_deposit_then_an_instalment(driver: WebDriver,  # noqa: F811
                                                  server: str) -> None:
    log_in(driver, server, "boss_a")
    driver.get(f"{server}/orders/add?customer=C2")
    driver.find_element(By.ID, "f-order_ref").send_keys("SO-DEP-1")
    Select(driver.find_element(By.ID, "f-status")).select_by_value("pending")
    driver.find_element(By.NAME, "lines-0-sku").send_keys("P3")
    driver.find_element(By.NAME, "lines-0-quantity").send_keys("1")
    Select(driver.find_element(By.NAME, "payments-0-method")).select_by_value("cash")
    driver.find_element(By.NAME, "payments-0-amount").send_keys("200.00")
    driver.find_element(By.CSS_SELECTOR, "form.form-card button[type=submit]").click()
    WebDriverWait(driver, 20).until(expected_conditions.url_contains("/orders/show/"))
    # The order page: partly paid (部分付款), 599.00 − 200.00 = 399.00 due.
    head = driver.find_element(By.CSS_SELECTOR, ".profile-head h2")
    assert "部分付款" in head.text
    assert "399.00" in driver.find_element(By.ID, "balance-due").text
    # An instalment by Alipay of 99.00 with its transaction number.
    form = driver.find_element(By.ID, "record-payment")
    Select(form.find_element(By.NAME, "method")).select_by_value("alipay")
    amount = form.find_element(By.NAME, "amount")
    assert amount.get_attribute("value") == "399.00"  # the balance is offered
    amount.clear()
    amount.send_keys("99.00")
    form.find_element(By.NAME, "reference").send_keys("2026030222001")
    before = driver.find_element(By.ID, "balance-due")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    # The old page's figure is still there until the new page replaces it: wait for that.
    WebDriverWait(driver, 20).until(expected_conditions.staleness_of(before))
    assert "300.00" in driver.find_element(By.ID, "balance-due").text
    assert "300.00" in driver.find_element(By.CSS_SELECTOR, ".flash").text
    assert "299.00" in driver.find_element(By.ID, "paid-so-far").text  # 200.00 + 99.00
    assert _no_overflow(driver)
    shot(driver, "order-deposit.png")
    page = driver.current_url
    log_in(driver, server, "boss_en")
    driver.get(page)
    assert "Partly paid" in driver.find_element(By.CSS_SELECTOR, ".profile-head h2").text
    assert _no_overflow(driver)
    shot(driver, "order-deposit-en.png")
