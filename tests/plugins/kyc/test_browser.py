"""In headless Chromium: the public consent page on a phone, with CSRF on as in
production, and the data-request queue in the three languages. Screenshots go to
docs/screenshots/ (looked at when they change)."""

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
from plugins.kyc import consent, dsr, links
from tests.conftest import FixedClock
from tests.web.conftest import PASSWORD, build_app, seeded  # noqa: F401
from tests.web.seed import Seeded
from tests.web.test_browser import SCREENSHOTS, driver, log_in, serving, shot  # noqa: F401

pytestmark = pytest.mark.browser

NOTICES = {
    "zh_Hans_CN": "为向您推荐适合的产品和优惠，我们会使用您的联系方式和购买记录。\n\n"
                  "您可以随时在本页撤回同意，撤回立即生效，不影响您购买和售后服务。",
    "zh_Hant_TW": "為向您推薦合適的產品和優惠，我們會使用您的聯絡方式和購買紀錄。\n\n"
                  "您可以隨時在本頁撤回同意，撤回立即生效，不影響您購買和售後服務。",
    "en": "To recommend products and offers that suit you, we use your contact details and "
          "purchase history.\n\nYou can withdraw at any time on this page; it takes effect "
          "at once and does not affect your purchases or after-sales service.",
}


@pytest.fixture()
def server(rt: Runtime, clock: FixedClock, ctx_a: Ctx,
           seeded: Seeded) -> Iterator[str]:  # noqa: F811
    enable_modules(ctx_a, ["kyc"])
    ctx_a.refresh_modules()
    for locale, text in NOTICES.items():
        consent.add_notice(ctx_a, {"purpose": "marketing", "version": "2026-01",
                                   "locale": locale, "text": text,
                                   "effective_on": "2026-01-01"})
    for ref, kind, at in (("C1", "export", "2026-02-01T10:00:00"),
                          ("C2", "delete", "2026-02-25T10:00:00"),
                          ("C3", "access", "2026-03-01T09:00:00")):
        dsr.open_request(ctx_a, {"customer_ref": ref, "kind": kind, "at": at})
    app: Flask = build_app(rt, clock)  # CSRF on
    create_user(app, "boss_a", PASSWORD, "brand_admin", brand_code="A")
    with serving(app) as base:
        yield base


def test_consent_page_on_a_phone(driver: WebDriver, server: str,  # noqa: F811
                                 ctx_a: Ctx) -> None:
    token = links.link_token(ctx_a, "C1", "marketing", "wechat")
    driver.delete_all_cookies()
    driver.set_window_size(400, 860)
    try:
        for locale, agree, name in (("zh_Hant_TW", "我同意", "privacy-consent-zh-hant.png"),
                                    ("en", "I agree", "privacy-consent-en.png"),
                                    ("zh_Hans_CN", "我同意", "privacy-consent-zh-hans.png")):
            driver.get(f"{server}/consent/{token}?lang={locale}")
            assert NOTICES[locale].split("\n")[0] in driver.find_element(
                By.CSS_SELECTOR, ".notice").text
            assert driver.find_element(By.CSS_SELECTOR, "button.agree").text == agree
            driver.save_screenshot(str(SCREENSHOTS / name))
        for button, said in (("button.agree", "已记录"), ("button.withdraw", "撤回")):
            old = driver.find_element(By.CSS_SELECTOR, button)
            old.click()
            WebDriverWait(driver, 10).until(EC.staleness_of(old))
            assert said in driver.find_element(By.CSS_SELECTOR, ".flash.ok").text
            if button == "button.agree":
                driver.save_screenshot(str(SCREENSHOTS / "privacy-consent-given.png"))
    finally:
        driver.set_window_size(1440, 1000)


def test_request_queue_in_three_languages(driver: WebDriver, server: str) -> None:  # noqa: F811
    log_in(driver, server, "boss_a")
    for code, title, name in (("zh_Hans_CN", "个人信息主体请求", "privacy-requests-zh-hans.png"),
                              ("zh_Hant_TW", "個人資料當事人請求", "privacy-requests-zh-hant.png"),
                              ("en", "Data-subject requests", "privacy-requests-en.png")):
        driver.get(f"{server}/language/{code}")
        driver.get(f"{server}/kyc/requests/")
        assert driver.find_element(By.CSS_SELECTOR, ".topbar .page-title").text == title
        rows = driver.find_elements(By.CSS_SELECTOR, "table.table tbody tr")
        # Due 2026-02-16 (overdue on 2 March), 2026-03-12, 2026-03-16: most urgent first.
        assert [r.find_element(By.CSS_SELECTOR, "td").text for r in rows] == [
            "DSR-2026-00001", "DSR-2026-00002", "DSR-2026-00003"]
        assert "overdue" in rows[0].get_attribute("class")
        shot(driver, name)


def test_customer_privacy_page(driver: WebDriver, server: str, ctx_a: Ctx) -> None:  # noqa: F811
    """The customer's consents, a withdrawal, and the identity documents, masked."""
    from plugins.kyc import identity

    consent.add_notice(ctx_a, {"purpose": "sensitive_data", "version": "2026-01",
                               "locale": "zh_Hans_CN", "text": "证件号码仅用于实名核验。",
                               "effective_on": "2026-01-01"})
    for purpose, channel in (("marketing", "wechat"), ("marketing", "sms"),
                             ("sensitive_data", "visit")):
        consent.give(ctx_a, {"customer_ref": "C1", "purpose": purpose, "channel": channel,
                             "at": "2026-02-01T10:00:00"}, consent.ConsentSource.REP)
    consent.withdraw(ctx_a, {"customer_ref": "C1", "purpose": "marketing", "channel": "sms",
                             "at": "2026-02-20T10:00:00"}, consent.ConsentSource.WEB)
    identity.verify(ctx_a, {"customer_ref": "C1", "id_type": "passport",
                            "id_number": "E12345678", "method": "onsite"})
    log_in(driver, server, "boss_a")
    driver.get(f"{server}/language/zh_Hans_CN")
    driver.get(f"{server}/kyc/customer/C1")
    text = driver.find_element(By.TAG_NAME, "body").text
    assert "E12****5678" in text and "E12345678" not in text
    assert "已撤回" in text and "已同意" in text
    shot(driver, "privacy-customer-zh-hans.png")
