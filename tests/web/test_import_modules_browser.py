"""A module's import kind and the segment recompute in headless Chromium (#17), in the
three languages: the import page lists compliance's "Rep pay" with its columns, the upload
becomes a job whose page shows the invalid rows and offers the rejects file; the Segments
page queues the full recompute and shows the stored counts. Screenshots:
docs/screenshots/import-form-*.png, import-rep-pay-*.png, segments-*.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from core.context import Ctx
from core.jobqueue.runner import QueueRunner
from core.runtime import Runtime
from core.services.modules import enable_modules
from core.web.users import create_user
from tests.conftest import FixedClock
from tests.web.conftest import PASSWORD, build_app
from tests.web.seed import Seeded
from tests.web.test_browser import driver, log_in, serving, shot  # noqa: F401

pytestmark = pytest.mark.browser

PAY = ("rep_ref,period,kind,amount\n"
       "R1,2026-02,commission,1200.00\n"
       "R9,2026-02,bonus,50.00\n"          # line 3: no rep R9
       "R2,2026-02,commission,860.50\n")


@pytest.fixture()
def server(rt: Runtime, clock: FixedClock, ctx_a: Ctx, seeded: Seeded, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DIRECTCRM_FILES_DIR", str(tmp_path / "files"))
    enable_modules(ctx_a, ["compliance"])
    app: Flask = build_app(rt, clock)
    create_user(app, "boss_a", PASSWORD, "brand_admin", brand_code="A")
    with serving(app) as base:
        yield base


def test_module_import_kind_and_segment_recompute_in_the_browser(
        driver: WebDriver, server: str, rt: Runtime, tmp_path: Path) -> None:  # noqa: F811
    runner = QueueRunner(rt.engine, rt.registry)
    log_in(driver, server, "boss_a")
    source = tmp_path / "rep-pay.csv"
    source.write_text(PAY, encoding="utf-8")
    for code, label, suffix in (("en", "Rep pay", "en"), ("zh_Hans_CN", "直销员报酬", "zh-hans"),
                                ("zh_Hant_TW", "直銷員報酬", "zh-hant")):
        driver.get(f"{server}/language/{code}")
        driver.get(f"{server}/imports/")
        option = driver.find_element(By.CSS_SELECTOR, "#f-kind option[value=rep_pay]")
        assert option.text == label
        row = driver.find_element(By.CSS_SELECTOR, "#import-kinds tr[data-kind=rep_pay]")
        assert "rep_ref, period, kind, amount" in row.text and label in row.text
        assert driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth")
        shot(driver, f"import-form-{suffix}.png")
        option.click()
        driver.find_element(By.ID, "f-file").send_keys(str(source))
        driver.find_element(By.NAME, "skip_invalid").click()
        driver.find_element(By.CSS_SELECTOR, "form.form-card button[type=submit]").click()
        WebDriverWait(driver, 10).until(lambda d: "/jobs/" in d.current_url)
        assert len(runner.run_pending()) == 1
        driver.refresh()
        errors = driver.find_elements(By.CSS_SELECTOR, "#job-errors tbody tr")
        assert [r.find_elements(By.TAG_NAME, "td")[0].text for r in errors] == ["3"]
        assert [r.find_elements(By.TAG_NAME, "td")[1].text for r in errors] == ["rep_ref"]
        assert driver.find_element(By.ID, "job-download")
        assert label in driver.find_element(By.ID, "job-summary").text or label in (
            driver.find_element(By.CSS_SELECTOR, ".job-facts").text)
        shot(driver, f"import-rep-pay-{suffix}.png")

        driver.get(f"{server}/segments/")
        driver.find_element(By.ID, "recompute-button").click()
        WebDriverWait(driver, 10).until(lambda d: "/jobs/" in d.current_url)
        runner.run_pending()
        driver.get(f"{server}/segments/")
        assert driver.find_elements(By.CSS_SELECTOR, "section[data-scheme=abc] tr[data-segment]")
        assert driver.find_element(By.ID, "recompute-last")
        assert driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth")
        shot(driver, f"segments-{suffix}.png")
