"""The API docs page in headless Chromium: Swagger UI runs from the app's own files under
the production Content-Security-Policy, reads the public document, and shows the typed
operations; from the sidebar, the link reaches it. Screenshot: docs/screenshots/api-docs.png.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as EC  # noqa: N812
from selenium.webdriver.support.ui import WebDriverWait

from core.runtime import Runtime
from core.web.users import create_user
from tests.conftest import FixedClock
from tests.web.conftest import PASSWORD, build_app
from tests.web.seed import Seeded
from tests.web.test_browser import driver, log_in, serving, shot  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture()
def docs_server(rt: Runtime, clock: FixedClock, seeded: Seeded) -> Iterator[str]:
    """The app (CSRF on, security headers as in production) on a free port."""
    app = build_app(rt, clock)
    create_user(app, "boss_a", PASSWORD, "brand_admin", brand_code="A")
    with serving(app) as base:
        yield base


def test_the_docs_page_shows_the_typed_api(driver: WebDriver,  # noqa: F811
                                          docs_server: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{docs_server}/api-docs/")  # no login: the page is public
    wait = WebDriverWait(driver, 20)
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".opblock-tag")))
    tags = {t.get_attribute("data-tag") for t in
            driver.find_elements(By.CSS_SELECTOR, ".opblock-tag")}
    assert {"customers", "orders", "tasks", "interactions", "leads"} <= tags, tags
    # Open "Create a customer": its answers are 201 and the error statuses, not 200.
    post = driver.find_element(By.CSS_SELECTOR, "#operations-customers-post_api_v1_customers_")
    post.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    wait.until(EC.presence_of_element_located(
        (By.CSS_SELECTOR, "#operations-customers-post_api_v1_customers_ .responses-table")))
    codes = [c.text for c in post.find_elements(By.CSS_SELECTOR,
                                                ".responses-table .response-col_status")]
    assert "201" in codes and "422" in codes and "200" not in codes, codes
    # Nothing was refused by the Content-Security-Policy, nothing fetched elsewhere.
    loaded = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded and all(url.startswith(docs_server) for url in loaded), loaded
    driver.execute_script("window.scrollTo(0, 0)")
    shot(driver, "api-docs.png")


def test_the_sidebar_links_to_the_docs(driver: WebDriver,  # noqa: F811
                                       docs_server: str) -> None:
    log_in(driver, docs_server, "boss_a")
    driver.find_element(By.CSS_SELECTOR, "a[href='/api-docs/']").click()
    WebDriverWait(driver, 20).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, ".opblock-tag")))
    assert driver.current_url == f"{docs_server}/api-docs/"
