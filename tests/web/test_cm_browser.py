"""The customer-management screens in headless Chromium: the customer page with its risk
flags and segments, a rep's Today page, the lead list. Screenshots go to docs/screenshots/
(today.png, leads.png); the customer page's to the pytest temporary directory.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from werkzeug.serving import BaseWSGIServer, make_server

from core.context import Ctx
from core.leads.assignment import move_lead
from core.leads.services import create_lead, log_contact
from core.runtime import Runtime
from core.web.users import create_user
from tests.conftest import FixedClock
from tests.web.cm_seed import seed_cm
from tests.web.conftest import build_app
from tests.web.seed import Seeded
from tests.web.test_browser import PASSWORD, driver, log_in, shot  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture()
def cm_server(rt: Runtime, clock: FixedClock, ctx_a: Ctx, seeded: Seeded
              ) -> Iterator[tuple[str, dict[str, int]]]:
    """The app with the customer-management data, English logins, on a free port."""
    tasks = seed_cm(ctx_a, seeded)
    for ref, name, channel, phone in (("L1", "孙丽", "event", "13700137001"),
                                      ("L2", "周杰", "referral", "13700137002"),
                                      ("L3", "吴磊", "ads", None),
                                      ("L4", "郑爽", "social", "13700137004")):
        create_lead(ctx_a, {"lead_ref": ref, "name": name, "channel": channel,
                            **({"phone": phone} if phone else {})}, assign=False)
    for ref, rep in (("L1", "R1"), ("L2", "R1"), ("L4", "R2")):
        move_lead(ctx_a, ref, rep)
    log_contact(ctx_a, "L1", {"kind": "call", "summary": "首次电话"})
    app: Flask = build_app(rt, clock)
    create_user(app, "boss_a", PASSWORD, "brand_admin", brand_code="A", locale="en")
    create_user(app, "rep1", PASSWORD, "rep", brand_code="A", rep_ref="R1", locale="en")
    srv: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}", tasks
    srv.shutdown()
    thread.join(5)


def test_cm_pages(driver: WebDriver, cm_server: tuple[str, dict[str, int]],  # noqa: F811
                  seeded: Seeded, tmp_path: Path) -> None:
    base, tasks = cm_server
    log_in(driver, base, "rep1")
    # The rep finds Today in the menu.
    driver.find_element(By.CSS_SELECTOR, "nav.nav a[href='/today/']").click()
    rows = driver.find_elements(By.CSS_SELECTOR, "#today-list tr[data-task]")
    # T1 (C1, 797.00, overdue) then T2 (C2, 199.00).
    assert [r.get_attribute("data-task") for r in rows] == [
        str(tasks["T1 overdue C1"]), str(tasks["T2 later today C2"])]
    assert "Overdue" in rows[0].text and "CN¥797.00" in rows[0].text
    assert shot(driver, "today.png").stat().st_size > 20_000

    # C2's page: two named risk rules, and the segments card.
    driver.get(f"{base}/customers/show/{seeded.customers['C2']}")
    flags = driver.find_elements(By.CSS_SELECTOR, "#churn-risk .risk-flag")
    assert [f.get_attribute("data-rule") for f in flags] == ["no_order", "no_contact"]
    assert "No order in the last 90 days." in flags[0].text
    import shutil

    saved = shot(driver, "_customer-risk.png")
    shutil.move(saved, tmp_path / "customer-risk.png")

    log_in(driver, base, "boss_a")
    driver.get(f"{base}/customers/show/{seeded.customers['C1']}")
    # Each stored value with its meaning (first line), then the scheme's explanation.
    segs = {e.get_attribute("data-scheme"): e.text.split("\n")[0]
            for e in driver.find_elements(By.CSS_SELECTOR, "#segments dd")}
    assert segs == {"abc": "A: top 80% of revenue", "grid": "—", "rfm": "champions",
                    "size": "—"}
    driver.get(f"{base}/leads/list/")
    refs = [r.get_attribute("data-ref") for r in driver.find_elements(
        By.CSS_SELECTOR, "#leads tr[data-ref]")]
    assert refs == ["L4", "L3", "L2", "L1"]
    assert shot(driver, "leads.png").stat().st_size > 20_000
