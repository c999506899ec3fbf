"""In headless Chromium: the complaints queue and a ticket page in three languages, and the
customer 360° section; screenshots in docs/screenshots/ (looked at when they change)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy import select

from core.context import Ctx
from core.runtime import Runtime
from core.services.modules import enable_modules
from core.web.users import create_user
from plugins.complaints import escalation, services
from tests.conftest import FixedClock
from tests.plugins.complaints.helpers import at
from tests.web.conftest import PASSWORD, build_app, seeded  # noqa: F401
from tests.web.seed import Seeded
from tests.web.test_browser import SCREENSHOTS, driver, log_in, serving, shot  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture()
def server(rt: Runtime, clock: FixedClock, ctx_a: Ctx,
           seeded: Seeded) -> Iterator[str]:  # noqa: F811
    enable_modules(ctx_a, ["complaints"])
    app: Flask = build_app(rt, clock)  # CSRF on
    create_user(app, "boss_a", PASSWORD, "brand_admin", brand_code="A")
    with serving(app) as base:
        yield base


def _tickets(ctx: Ctx, clock: FixedClock) -> str:
    ctx.refresh_modules()
    services.set_policy(ctx, "normal", {"first_response": "8h", "escalation": "16h",
                                        "resolution": "40h", "clock": "business"})
    services.set_policy(ctx, "high", {"first_response": "4h", "escalation": "8h",
                                      "resolution": "16h", "clock": "business"})
    clock.value = at("2026-03-02T09:00").astimezone(dt.UTC)

    def open_(customer: str, category: str, severity: str, summary: str, opened: str,
              **extra: str):
        clock.value = at(opened).astimezone(dt.UTC)
        return services.open_ticket(ctx, {"customer_ref": customer, "channel": "phone",
                                          "category": category, "severity": severity,
                                          "summary": summary, **extra})

    first = open_("C1", "adverse_reaction", "normal", "使用面霜后面部红肿，要求退款并说明成分",
                  "2026-03-02T09:10")
    open_("C2", "delivery", "normal", "快递外箱破损，一瓶洗洁精漏液", "2026-03-02T11:00")
    third = open_("C3", "rep_conduct", "high", "直销员宣称保健食品可治疗高血压",
                  "2026-03-02T14:00")
    open_("C4", "billing", "low", "同一订单被扣款两次", "2026-03-03T08:30",
          channel="wechat")
    clock.value = at("2026-03-02T09:40").astimezone(dt.UTC)
    ctx.user = "li.na"
    services.act(ctx, first.ref, "respond",
                 {"note": "您好，非常抱歉。请先停用产品，我们今天联系您。"})
    services.act(ctx, first.ref, "assign", {"assignee": "wang.fang"})
    clock.value = at("2026-03-02T15:00").astimezone(dt.UTC)
    services.act(ctx, first.ref, "start", {"note": "已联系研发核对批号 B2602"})
    services.act(ctx, first.ref, "pause", {"note": "请客户提供就诊记录"})
    clock.value = at("2026-03-03T10:00").astimezone(dt.UTC)
    services.act(ctx, first.ref, "resume", {"note": "客户已发来就诊记录"})
    services.act(ctx, third.ref, "respond", {"note": "已收到，正在核实"})
    clock.value = at("2026-03-03T10:30").astimezone(dt.UTC)
    escalation.run(ctx)
    return first.ref


def test_queue_ticket_and_customer_section(driver: WebDriver, server: str,  # noqa: F811
                                           ctx_a: Ctx, clock: FixedClock,
                                           seeded: Seeded) -> None:  # noqa: F811
    ref = _tickets(ctx_a, clock)
    log_in(driver, server, "boss_a")
    for code, title, name in (("zh_Hans_CN", "投诉", "zh-hans"), ("zh_Hant_TW", "客訴", "zh-hant"),
                              ("en", "Complaints", "en")):
        driver.get(f"{server}/language/{code}")
        driver.get(f"{server}/complaints/queue/")
        assert driver.find_element(By.CSS_SELECTOR, ".topbar .page-title").text == title
        rows = driver.find_elements(By.CSS_SELECTOR, "table.table tbody tr")
        assert len(rows) == 4
        assert driver.find_elements(By.CSS_SELECTOR, ".due.late")  # a breached one, in red
        shot(driver, f"complaints-queue-{name}.png")
        driver.get(f"{server}/complaints/ticket/{ref}")
        assert ref in driver.find_element(By.CSS_SELECTOR, ".topbar .page-title").text
        assert len(driver.find_elements(By.CSS_SELECTOR, ".timeline li")) >= 8
        shot(driver, f"complaints-ticket-{name}.png")
    driver.get(f"{server}/language/zh_Hans_CN")
    driver.get(f"{server}/customers/show/{seeded.customers['C1']}")
    section = driver.find_element(By.ID, "section-complaints")
    assert ref in section.text
    shot(driver, "complaints-customer-section-zh-hans.png")


def test_public_form_on_a_phone(driver: WebDriver, server: str,  # noqa: F811
                                ctx_a: Ctx) -> None:
    from plugins.complaints.public import link_token

    ctx_a.refresh_modules()
    path = f"{server}/complaint/A/{link_token(ctx_a)}"
    driver.delete_all_cookies()
    driver.set_window_size(400, 860)
    try:
        for locale, title, name in (("zh_Hant_TW", "客訴與建議", "zh-hant"),
                                    ("en", "Complaints and feedback", "en"),
                                    ("zh_Hans_CN", "投诉与建议", "zh-hans")):
            driver.get(f"{path}?lang={locale}")
            assert title in driver.find_element(By.TAG_NAME, "h1").text
            driver.save_screenshot(str(SCREENSHOTS / f"complaints-public-form-{name}.png"))
        driver.find_element(By.ID, "name").send_keys("张伟")
        driver.find_element(By.ID, "phone").send_keys("13800138001")
        driver.find_element(By.ID, "summary").send_keys("面霜用后脸部发红")
        driver.find_element(By.ID, "agree").click()
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        assert "CPL-000001" in driver.find_element(By.CSS_SELECTOR, ".ref").text
        driver.save_screenshot(str(SCREENSHOTS / "complaints-public-form-sent-zh-hans.png"))
    finally:
        driver.set_window_size(1440, 1000)


def shot_phone(browser: WebDriver, name: str) -> None:
    """A phone-wide screenshot of the whole page."""
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(400, max(860, min(int(height) + 140, 2400)))
    browser.save_screenshot(str(SCREENSHOTS / name))
    browser.set_window_size(400, 860)


def test_survey_page_on_a_phone(driver: WebDriver, server: str,  # noqa: F811
                                ctx_a: Ctx) -> None:
    from plugins.complaints import surveys

    ctx_a.refresh_modules()
    surveys.set_template(ctx_a, "nps", [
        {"key": "advice", "type": "likert5", "required": True,
         "text": {"en": "Your adviser knows the products well.",
                  "zh_Hans_CN": "您的顾问很了解产品。", "zh_Hant_TW": "您的顧問很了解產品。"}},
        {"key": "reason", "type": "choice",
         "text": {"en": "What matters most to you?", "zh_Hans_CN": "您最看重什么？",
                  "zh_Hant_TW": "您最看重什麼？"},
         "choices": [{"value": "quality", "text": {"en": "Product quality",
                                                   "zh_Hans_CN": "产品品质",
                                                   "zh_Hant_TW": "產品品質"}},
                     {"value": "service", "text": {"en": "Service", "zh_Hans_CN": "服务",
                                                   "zh_Hant_TW": "服務"}},
                     {"value": "price", "text": {"en": "Price", "zh_Hans_CN": "价格",
                                                 "zh_Hant_TW": "價格"}}]}])
    surveys._rows(ctx_a, "nps", [{"source_key": "nps:shot", "customer_id": 1}])
    survey = surveys.listing(ctx_a)[0][0]
    path = f"{server}/survey/A/{surveys.token(survey)}"
    driver.delete_all_cookies()
    driver.set_window_size(400, 860)
    try:
        for locale, words, name in (("zh_Hans_CN", "推荐", "zh-hans"),
                                    ("zh_Hant_TW", "推薦", "zh-hant"),
                                    ("en", "recommend", "en")):
            driver.get(f"{path}?lang={locale}")
            assert words in driver.find_element(By.TAG_NAME, "h1").text
            assert len(driver.find_elements(By.CSS_SELECTOR, ".scale label")) == 11 + 5
            driver.find_element(By.CSS_SELECTOR, ".scale label:nth-child(10)").click()  # 9
            shot_phone(driver, f"complaints-survey-{name}.png")
    finally:
        driver.set_window_size(1440, 1000)


def test_survey_results_screen(driver: WebDriver, server: str,  # noqa: F811
                               ctx_a: Ctx, clock: FixedClock, seeded: Seeded) -> None:  # noqa: F811
    from plugins.complaints import surveys
    from plugins.complaints.models import Survey

    ctx_a.refresh_modules()
    clock.value = at("2026-03-10T10:00").astimezone(dt.UTC)
    c, r = seeded.customers, seeded.reps
    answers = [("csat", "C1", "R1", 5, "delivery"), ("csat", "C2", "R1", 3, "product_quality"),
               ("csat", "C3", "R2", 4, "delivery"), ("nps", "C1", "R1", 10, None),
               ("nps", "C2", "R1", 8, None), ("nps", "C3", "R2", 9, None),
               ("nps", "C4", "R2", 4, None), ("ces", "C1", "R1", 6, None),
               ("ces", "C3", "R2", 5, None)]
    for n, (kind, cust, rep, score, category) in enumerate(answers):
        surveys._rows(ctx_a, kind, [{"source_key": f"{kind}:shot:{n}", "customer_id": c[cust],
                                     "rep_id": r[rep], "category": category}])
        s = ctx_a.session.scalar(select(Survey).where(Survey.source_key == f"{kind}:shot:{n}"))
        surveys.answer(ctx_a, surveys.token(s), str(score), None)
    log_in(driver, server, "boss_a")
    for code, title, name in (("zh_Hans_CN", "满意度调查", "zh-hans"),
                              ("zh_Hant_TW", "滿意度調查", "zh-hant"),
                              ("en", "Satisfaction surveys", "en")):
        driver.get(f"{server}/language/{code}")
        driver.get(f"{server}/complaints/surveys/?period=2026-03")
        assert driver.find_element(By.CSS_SELECTOR, ".topbar .page-title").text == title
        assert len(driver.find_elements(By.CSS_SELECTOR, "table.table")) == 3
        shot(driver, f"complaints-surveys-{name}.png")
