"""End to end in headless Chromium (Debian's chromium and chromedriver, no downloads):
log in, create a customer, record an order, see the loyalty points on the customer page,
switch to Traditional Chinese, and a rep failing to open another rep's customer.

Screenshots of the dashboard and the customer page go to docs/screenshots/.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC  # noqa: N812
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import BaseWSGIServer, make_server

from core.context import Ctx
from core.runtime import Runtime
from core.services.modules import enable_modules
from core.web.users import create_user
from tests.conftest import FixedClock
from tests.web.conftest import PASSWORD, Recorder, build_app
from tests.web.seed import Seeded, seed_history

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def driver() -> Iterator[WebDriver]:
    """One headless Chromium for the whole module."""
    profile = tempfile.TemporaryDirectory(prefix="directcrm-chrome-")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--window-size=1440,1000",
                "--lang=en-US", f"--user-data-dir={profile.name}"):
        options.add_argument(arg)
    drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    drv.implicitly_wait(3)
    yield drv
    drv.quit()
    profile.cleanup()


@pytest.fixture()
def server(rt: Runtime, clock: FixedClock, ctx_a: Ctx, seeded: Seeded,
           recorder: Recorder) -> Iterator[str]:
    """The app (CSRF on, as in production) served on a free localhost port."""
    recorder.with_section = False  # the real loyalty section is shown instead
    seed_history(ctx_a, clock)
    enable_modules(ctx_a, ["loyalty"])  # its points section shows on the customer page
    app: Flask = build_app(rt, clock)
    create_user(app, "boss_a", PASSWORD, "brand_admin", brand_code="A")
    create_user(app, "rep1", PASSWORD, "rep", brand_code="A", rep_ref="R1")
    with serving(app) as base:
        yield base


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """``app`` served on a free localhost port in a thread, for the browser; the base URL."""
    srv: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_port}"
    finally:
        srv.shutdown()
        thread.join(5)


def log_in(driver: WebDriver, base: str, username: str, screenshot: str | None = None
           ) -> None:
    driver.delete_all_cookies()
    driver.get(f"{base}/login/")
    if screenshot:
        shot(driver, screenshot)
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert driver.find_element(By.CSS_SELECTOR, ".topbar .page-title")


def shot(driver: WebDriver, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    height = driver.execute_script("return document.documentElement.scrollHeight")
    # The window includes the browser's frame: add room so the whole page fits.
    driver.set_window_size(1440, max(900, min(int(height) + 160, 2600)))
    driver.save_screenshot(str(path))
    driver.set_window_size(1440, 1000)
    return path


def test_customer_order_and_languages(driver: WebDriver, server: str, seeded: Seeded,
                                      recorder: Recorder) -> None:
    log_in(driver, server, "boss_a", screenshot="login.png")
    # The brand's language (简体中文) is the default for a user without a preference.
    assert driver.find_element(By.CSS_SELECTOR, ".topbar .page-title").text == "仪表板"
    assert len(driver.find_elements(By.CSS_SELECTOR, "svg.chart")) >= 3
    assert shot(driver, "dashboard.png").stat().st_size > 20_000

    # Create a customer through the form.
    driver.get(f"{server}/customers/list/")
    driver.find_element(By.ID, "new-customer").click()
    driver.find_element(By.ID, "f-customer_ref").send_keys("WEB1")
    driver.find_element(By.ID, "f-name").send_keys("周杰")
    driver.find_element(By.ID, "f-phone").send_keys("13900001111")
    # The owning rep is a search picker (no select of every rep): typing part of the
    # name offers 王芳 (R1); the field takes her ref.
    rep = driver.find_element(By.ID, "f-rep_ref")
    rep.send_keys("王")
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(
        By.CSS_SELECTOR, "#dl-rep_ref option[value='R1']"))
    rep.clear()
    rep.send_keys("R1")
    driver.find_element(By.ID, "f-tags").send_keys("新客, 直播")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert driver.find_element(By.CSS_SELECTOR, ".profile-head h2").text.startswith("周杰")
    assert driver.find_element(By.ID, "phone").text == "139****1111"
    customer_url = driver.current_url

    # Record an order for them: 2 x 玫瑰精华液 at the list price 199.00 = 398.00.
    driver.find_element(By.ID, "new-order").click()
    driver.find_element(By.ID, "f-order_ref").send_keys("WEB-O1")
    # The product picker suggests as one types (our own forms.js and /products/pick).
    sku = driver.find_element(By.NAME, "lines-0-sku")
    sku.send_keys("精华")
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(
        By.CSS_SELECTOR, "#dl-products option[value='P1']"))
    sku.clear()
    sku.send_keys("P1")
    driver.find_element(By.NAME, "lines-0-quantity").send_keys("2")
    # A line added, then removed again: the rows are renumbered.
    driver.find_element(By.CSS_SELECTOR, "[data-add-row='lines']").click()
    assert driver.find_element(By.NAME, "lines-1-sku").get_attribute("value") == ""
    shot(driver, "order-form.png")
    driver.find_elements(By.CSS_SELECTOR, "#lines [data-remove-row]")[1].click()
    assert not driver.find_elements(By.NAME, "lines-1-sku")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert driver.find_element(By.ID, "order-total").text == "¥398.00"
    assert [e.order_ref for e in recorder.paid][-1] == "WEB-O1"

    # The customer page shows the order and the module's section (the loyalty points
    # balance once the loyalty module is enabled; here the test module's section).
    driver.get(customer_url)
    driver.find_element(By.ID, "log-interaction").click()
    driver.find_element(By.ID, "f-summary").send_keys("电话回访：精华液使用感受很好，下月再来")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 10).until(EC.url_to_be(customer_url))
    timeline = driver.find_element(By.CSS_SELECTOR, ".timeline").text
    assert "WEB-O1" in timeline and "¥398.00" in timeline and "电话回访" in timeline
    # The loyalty module's section: 398.00 paid at 1 point per yuan (member tier x 1.00,
    # rounded down) = 398 points.
    loyalty = driver.find_element(By.ID, "section-loyalty")
    assert "积分余额" in loyalty.text
    assert '<strong class="balance">398</strong>' in loyalty.get_attribute("innerHTML")
    assert "WEB-O1" in loyalty.text
    assert "复购客户" not in driver.find_element(By.CSS_SELECTOR, ".profile-head").text
    assert shot(driver, "customer.png").stat().st_size > 20_000

    # Switch to Traditional Chinese: the menu follows.
    driver.find_element(By.CSS_SELECTOR, "#language-switch a[lang='zh-Hant-TW']").click()
    menu = driver.find_element(By.CSS_SELECTOR, "nav.nav").text
    assert "客戶" in menu and "訂單" in menu and "儀表板" in menu
    assert driver.current_url == customer_url  # the switch returns to the same page
    driver.get(f"{server}/customers/list/")
    assert driver.find_element(By.CSS_SELECTOR, ".topbar .page-title").text == "客戶"
    shot(driver, "customers-zh-hant.png")

    # Search by part of the ref in the other case: only the new customer matches.
    box = driver.find_element(By.CSS_SELECTOR, "input[name=q]")
    old_table = driver.find_element(By.CSS_SELECTOR, "table.table")
    box.send_keys("web")
    box.submit()
    WebDriverWait(driver, 10).until(EC.staleness_of(old_table))  # the result page, not the old
    cells = driver.find_elements(By.CSS_SELECTOR, "table.table td.mono:nth-child(2)")
    refs = [e.text for e in cells]
    assert refs == ["WEB1"]
    shot(driver, "customers-search.png")


def test_rep_cannot_open_another_reps_customer(driver: WebDriver, server: str,
                                               seeded: Seeded) -> None:
    log_in(driver, server, "rep1")
    driver.get(f"{server}/customers/show/{seeded.customers['C1']}")
    assert driver.find_element(By.CSS_SELECTOR, ".profile-head h2").text.startswith("张伟")
    driver.get(f"{server}/customers/show/{seeded.customers['C3']}")
    assert driver.find_element(By.CSS_SELECTOR, ".error-code").text == "404"
    assert "陈静" not in driver.page_source
    # Nor does the customer list show the other rep's customers.
    driver.get(f"{server}/customers/list/")
    assert "陈静" not in driver.page_source and "张伟" in driver.page_source


def test_settings_screen_in_three_languages(driver: WebDriver, server: str) -> None:
    """The Settings screen is generated from the declarations, in each language; a bad
    value is refused beside its field and nothing changes."""
    log_in(driver, server, "boss_a")
    for code, title, label, shot_name in (
            ("zh_Hans_CN", "设置", "回访期限（小时）", "settings-zh-hans.png"),
            ("zh_Hant_TW", "設定", "回訪期限（小時）", "settings-zh-hant.png"),
            ("en", "Settings", "Follow-up due after (hours)", "settings-en.png")):
        driver.get(f"{server}/language/{code}")
        driver.get(f"{server}/settings/list/")
        assert driver.find_element(By.CSS_SELECTOR, ".topbar .page-title").text == title
        field = driver.find_element(By.CSS_SELECTOR, "[data-setting='tasks.followup_hours']")
        assert label in field.text
        # The loyalty module is enabled for brand A: its area is listed too.
        assert driver.find_elements(By.ID, "area-loyalty")
        shot(driver, shot_name)
    box = driver.find_element(By.ID, "s-tasks.followup_hours")
    box.clear()
    box.send_keys("0")
    driver.find_element(By.CSS_SELECTOR, "#area-tasks button[type=submit]").click()
    WebDriverWait(driver, 10).until(EC.presence_of_element_located(
        (By.CSS_SELECTOR, ".error[data-field='tasks.followup_hours']")))
    error = driver.find_element(By.CSS_SELECTOR, ".error[data-field='tasks.followup_hours']")
    assert error.text == "Must be at least 1."
    box = driver.find_element(By.ID, "s-tasks.followup_hours")
    box.clear()
    box.send_keys("36")
    driver.find_element(By.CSS_SELECTOR, "#area-tasks button[type=submit]").click()
    WebDriverWait(driver, 10).until(EC.presence_of_element_located(
        (By.CSS_SELECTOR, ".flash.success")))
    assert "Saved 1 change(s)." in driver.find_element(By.CSS_SELECTOR, ".flash").text
    field = driver.find_element(By.CSS_SELECTOR, "[data-setting='tasks.followup_hours']")
    assert "changed" in field.text
