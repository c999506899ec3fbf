"""Every menu entry, as each demo role, in each language, in headless Chromium (issue 18,
"Done when"): no raw code from ``tests.raw_codes.RAW_CODES`` (the list every label check
shares), no English word on a Chinese page outside its ``ALLOWED_WORDS``, no horizontal
overflow, and no visible button or link of the page leading to a 403. One browser and one
demo brand for the whole walk.

Screenshots: docs/screenshots/walk-*.png (a few representative pages).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from urllib.parse import urljoin, urlparse

import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from core.context import Ctx
from core.demo import build_demo
from core.runtime import Runtime
from core.web import roles
from core.web.users import DEMO_USERS, create_user
from tests.conftest import FixedClock
from tests.raw_codes import problems_in
from tests.web.conftest import PASSWORD, build_app
from tests.web.test_browser import driver, serving, shot  # noqa: F401

pytestmark = pytest.mark.browser

LANGUAGES = ("en", "zh_Hans_CN", "zh_Hant_TW")

# The visible text of the page, without what is data or deliberately another language:
# refs and codes set in monospace, raw audit entries, the language switch's own names,
# form controls. The audit log's "changes" column is read like the rest (labelled fields,
# old and new values named; refs in monospace).
VISIBLE_TEXT = """
const skip = 'script, style, .mono, code, pre, details.raw, [lang]:not(html), select, input,'
           + ' textarea, noscript';
const out = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const node = walker.currentNode;
  const el = node.parentElement;
  if (!el || el.closest(skip)) continue;
  const style = getComputedStyle(el);
  if (style.display === 'none' || style.visibility === 'hidden') continue;
  out.push(node.textContent);
}
return out.join(' ');
"""
# Links a page shows as buttons or actions (GET), to be opened with the same login.
BUTTON_LINKS = """
return Array.from(document.querySelectorAll('.main a.btn, .main .toolbar a, .main .head-actions a'))
  .filter(a => a.offsetParent !== null && a.href && !a.hasAttribute('data-export'))
  .map(a => a.href);
"""


@pytest.fixture()
def demo_server(rt: Runtime, clock: FixedClock, make_ctx: Callable[..., Ctx]
                ) -> Iterator[str]:
    """A small demo brand (every module, a year of history) with the five demo logins."""
    build_demo(lambda code: make_ctx(code, user="system"), customers=40)
    app: Flask = build_app(rt, clock)
    for username, role, rep_ref in DEMO_USERS:
        create_user(app, username, PASSWORD, role,
                    brand_code=None if role == roles.SUPER_ADMIN else "DEMO", rep_ref=rep_ref)
    with serving(app) as base:
        yield base


def _log_in(driver: WebDriver, base: str, username: str) -> None:  # noqa: F811
    driver.delete_all_cookies()
    driver.get(f"{base}/login/")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert driver.find_element(By.CSS_SELECTOR, ".topbar .page-title")


def _status(driver: WebDriver, url: str) -> int:  # noqa: F811
    """The HTTP status of a GET of ``url`` with the browser's session cookie."""
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _problems(driver: WebDriver, locale: str) -> list[str]:  # noqa: F811
    text = driver.execute_script(VISIBLE_TEXT)
    found = problems_in(text, locale)
    if not driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth"):
        found.append("horizontal overflow")
    return found


#: The interactive API documentation: Swagger UI's page, outside the product's layout and
#: in English whatever the language (tested in tests/web/test_openapi.py).
API_DOCS = "/api-docs/"

# (role's login, language) → the page to keep as a screenshot.
SHOTS = {("manager", "zh_Hans_CN"): ("/dashboard/", "walk-dashboard-zh-hans.png"),
         ("manager", "en"): ("/dashboard/", "walk-dashboard-en.png"),
         ("compliance", "zh_Hant_TW"): ("/customers/list/",
                                        "walk-customers-compliance-zh-hant.png"),
         ("rep", "zh_Hans_CN"): ("/today/", "walk-today-rep-zh-hans.png")}


def test_every_menu_entry_as_every_role_in_every_language(
        driver: WebDriver, demo_server: str) -> None:  # noqa: F811
    base = demo_server
    problems: list[str] = []
    for username, _role, _rep in DEMO_USERS:
        _log_in(driver, base, username)
        checked_links: set[str] = set()
        for locale in LANGUAGES:
            driver.get(f"{base}/language/{locale}")
            entries = [(a.get_attribute("href"), a.text) for a in
                       driver.find_elements(By.CSS_SELECTOR, ".sidebar .nav a")]
            assert entries, (username, locale)
            for href, name in entries:
                if urlparse(href).path.startswith(API_DOCS):
                    continue  # Swagger UI's own page (English, its own layout), for integrators
                driver.get(href)
                where = f"{username} / {locale} / {name} ({urlparse(href).path})"
                title = driver.find_element(By.CSS_SELECTOR, ".topbar .page-title").text
                if title in ("Not allowed", "无权访问", "無權存取"):
                    problems.append(f"{where}: a menu entry answers 403")
                problems += [f"{where}: {p}" for p in _problems(driver, locale)]
                for link in driver.execute_script(BUTTON_LINKS):
                    path = urlparse(link).path
                    if link in checked_links or "/logout" in path or "/language/" in path:
                        continue
                    checked_links.add(link)
                    if _status(driver, urljoin(base, link)) == 403:
                        problems.append(f"{where}: the button to {path} answers 403")
            wanted = SHOTS.get((username, locale))
            if wanted:
                driver.get(base + wanted[0])
                shot(driver, wanted[1])
    assert not problems, "\n".join(problems)
