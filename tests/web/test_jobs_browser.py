"""Background jobs in headless Chromium (#17): the compliance report button opens the job's
page (queued, progress bar, refreshing by itself), the worker renders the PDF, the page
offers it; a CSV import shows its counts and invalid rows. Screenshots:
docs/screenshots/job-*.png, import-*.png."""

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

CSV = ("customer_ref,name,phone,rep_ref\n"
       "C90,李娜,13800138090,R1\n"
       "C91,,13800138091,R1\n"
       "C92,王芳,13800138092,R999\n"
       "C93,张伟,13800138093,\n")


@pytest.fixture()
def server(rt: Runtime, clock: FixedClock, ctx_a: Ctx, seeded: Seeded, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DIRECTCRM_FILES_DIR", str(tmp_path / "files"))
    enable_modules(ctx_a, ["compliance"])
    app: Flask = build_app(rt, clock)
    create_user(app, "boss_a", PASSWORD, "brand_admin", brand_code="A")
    with serving(app) as base:
        yield base


def test_report_and_import_jobs_in_the_browser(driver: WebDriver, server: str,  # noqa: F811
                                               rt: Runtime, tmp_path: Path) -> None:
    runner = QueueRunner(rt.engine, rt.registry)
    log_in(driver, server, "boss_a")
    source = tmp_path / "customers.csv"
    source.write_text(CSV, encoding="utf-8")
    for code, queued, done, suffix in (("en", "Queued", "Done", "en"),
                                       ("zh_Hans_CN", "排队中", "完成", "zh-hans"),
                                       ("zh_Hant_TW", "排隊中", "完成", "zh-hant")):
        driver.get(f"{server}/language/{code}")
        driver.get(f"{server}/compliance/?period=2026-02")
        driver.find_element(By.CSS_SELECTOR, "a.btn.primary[href*='/compliance/download']"
                            ).click()
        WebDriverWait(driver, 10).until(lambda d: "/jobs/" in d.current_url)
        assert driver.find_element(By.ID, "job-status").text == queued
        assert driver.find_elements(By.CSS_SELECTOR, "progress.job-progress")
        refresh = driver.find_element(By.CSS_SELECTOR, "meta[http-equiv=refresh]")
        assert refresh.get_attribute("content") == "2"
        shot(driver, f"job-queued-{suffix}.png")
        assert len(runner.run_pending()) == 1
        driver.refresh()
        assert driver.find_element(By.ID, "job-status").text == done
        link = driver.find_element(By.ID, "job-download")
        assert link.get_attribute("href").endswith("/download")
        assert not driver.find_elements(By.CSS_SELECTOR, "meta[http-equiv=refresh]")

        driver.get(f"{server}/imports/")
        for option in driver.find_elements(By.CSS_SELECTOR, "#f-kind option"):
            if option.get_attribute("value") == "customers":
                option.click()
        driver.find_element(By.ID, "f-file").send_keys(str(source))
        driver.find_element(By.NAME, "skip_invalid").click()
        driver.find_element(By.CSS_SELECTOR, "form.form-card button[type=submit]").click()
        WebDriverWait(driver, 10).until(lambda d: "/jobs/" in d.current_url)
        runner.run_pending()
        driver.refresh()
        errors = driver.find_elements(By.CSS_SELECTOR, "#job-errors tbody tr")
        # The first language imports C90 and C93; later ones find them there already.
        assert [r.find_elements(By.TAG_NAME, "td")[0].text for r in errors] == ["3", "4"]
        assert driver.find_element(By.ID, "job-download")
        assert driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth")
        shot(driver, f"import-result-{suffix}.png")
        driver.get(f"{server}/jobs/list/")
        assert len(driver.find_elements(By.CSS_SELECTOR, "table tbody tr")) >= 2
    shot(driver, "jobs-list-zh-hant.png")
