"""In headless Chromium: the referral landing page on a phone, in three languages, with
CSRF on; screenshots in docs/screenshots/ (looked at when they change)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC  # noqa: N812
from selenium.webdriver.support.ui import WebDriverWait

from core.context import Ctx
from core.runtime import Runtime
from core.services.modules import enable_modules
from core.web.users import create_user
from plugins.referral import services
from tests.conftest import FixedClock
from tests.web.conftest import PASSWORD, build_app, seeded  # noqa: F401
from tests.web.seed import Seeded
from tests.web.test_browser import SCREENSHOTS, driver, log_in, serving, shot  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture()
def server(rt: Runtime, clock: FixedClock, ctx_a: Ctx,
           seeded: Seeded) -> Iterator[str]:  # noqa: F811
    enable_modules(ctx_a, ["referral"])
    app: Flask = build_app(rt, clock)  # CSRF on
    create_user(app, "boss_a", PASSWORD, "brand_admin", brand_code="A")
    with serving(app) as base:
        yield base


def test_landing_page_on_a_phone(driver: WebDriver, server: str,  # noqa: F811
                                 ctx_a: Ctx) -> None:
    ctx_a.refresh_modules()
    code = services.code_for(ctx_a, "C1")
    driver.delete_all_cookies()
    driver.set_window_size(400, 860)
    try:
        for locale, title, name in (
                ("zh_Hant_TW", "邀請您了解", "referral-landing-zh-hant.png"),
                ("en", "invites you to", "referral-landing-en.png"),
                ("zh_Hans_CN", "邀请您了解", "referral-landing-zh-hans.png")):
            driver.get(f"{server}/r/A/{code}?lang={locale}")
            assert title in driver.find_element(By.TAG_NAME, "h1").text
            assert driver.find_element(By.CSS_SELECTOR, ".qr img").get_attribute(
                "naturalWidth") not in (None, "0")  # the QR code loaded
            driver.save_screenshot(str(SCREENSHOTS / name))
        driver.find_element(By.ID, "name").send_keys("小周")
        driver.find_element(By.ID, "phone").send_keys("13912340000")
        driver.find_element(By.ID, "agree").click()
        old = driver.find_element(By.CSS_SELECTOR, "button[type=submit]")
        old.click()
        WebDriverWait(driver, 10).until(EC.staleness_of(old))
        assert "谢谢" in driver.find_element(By.CSS_SELECTOR, ".flash").text
    finally:
        driver.set_window_size(1440, 1000)


def test_review_queue_and_customer_section(driver: WebDriver, server: str,  # noqa: F811
                                           ctx_a: Ctx, seeded: Seeded) -> None:  # noqa: F811
    from core.services.customers import create_customer

    ctx_a.refresh_modules()
    for ref, name in (("N1", "周一"), ("N2", "吴二"), ("N3", "郑三")):
        create_customer(ctx_a, {"customer_ref": ref, "name": name, "rep_ref": "R1"})
    services.code_for(ctx_a, "C1")
    for referrer, referred in (("C1", "C2"), ("C1", "N3"), ("N1", "N2"), ("N2", "N1")):
        services.record_referrals(ctx_a, [{"referrer_ref": referrer,
                                           "referred_ref": referred}], "cli")
    log_in(driver, server, "boss_a")
    for code, title, name in (("zh_Hans_CN", "转介绍", "referral-queue-zh-hans.png"),
                              ("zh_Hant_TW", "轉介紹", "referral-queue-zh-hant.png"),
                              ("en", "Referrals", "referral-queue-en.png")):
        driver.get(f"{server}/language/{code}")
        driver.get(f"{server}/referral/list/")
        assert driver.find_element(By.CSS_SELECTOR, ".topbar .page-title").text == title
        rows = driver.find_elements(By.CSS_SELECTOR, "table.table tbody tr")
        assert len(rows) == 1  # the held (circular) one
        shot(driver, name)
    for code, words, name in (("zh_Hant_TW", "推薦碼", "referral-customer-section-zh-hant.png"),
                              ("en", "Referral code", "referral-customer-section-en.png"),
                              ("zh_Hans_CN", "推荐码", "referral-customer-section-zh-hans.png")):
        driver.get(f"{server}/language/{code}")
        driver.get(f"{server}/customers/show/{seeded.customers['C1']}")
        section = driver.find_element(By.ID, "section-referral")
        assert words in section.text and "刘洋" in section.text
        shot(driver, name)
    for code, title, name in (("zh_Hans_CN", "本月转介绍", "referral-dashboard-zh-hans.png"),
                              ("zh_Hant_TW", "本月轉介紹", "referral-dashboard-zh-hant.png"),
                              ("en", "REFERRALS THIS MONTH", "referral-dashboard-en.png")):
        driver.get(f"{server}/language/{code}")
        driver.get(f"{server}/dashboard/")
        section = driver.find_element(By.ID, "section-referral")
        assert title in section.text and "张伟 (C1)" in section.text  # the top referrer
        driver.execute_script("arguments[0].scrollIntoView()", section)
        section.screenshot(str(SCREENSHOTS / name))
