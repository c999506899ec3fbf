"""Customer-management screens: risk flags and segments, today list, at-risk list."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from core.context import Ctx
from tests.web.cm_seed import seed_cm
from tests.web.seed import Seeded

Login = Callable[[str], FlaskClient]


@pytest.fixture()
def cm(ctx_a: Ctx, seeded: Seeded) -> dict[str, int]:
    return seed_cm(ctx_a, seeded)


def _rules(html: str, block_id: str) -> list[str]:
    block = html.split(f'id="{block_id}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'data-rule="([a-z_]+)"', block)


def test_customer_page_shows_risk_flags_and_segments(login: Login, seeded: Seeded,
                                                      cm: dict[str, int]) -> None:
    client = login("boss_a")
    html = client.get(f"/customers/show/{seeded.customers['C2']}").get_data(as_text=True)
    # C2: last order 2025-11-01 (> 90 days) and never contacted (> 30 days).
    assert _rules(html, "churn-risk") == ["no_order", "no_contact"]
    assert "No order in the last 90 days." in html and "No recent contact" in html
    html = client.get(f"/customers/show/{seeded.customers['C3']}").get_data(as_text=True)
    # C3: ordered 2026-03-01, called 2026-02-20: no flag.
    assert _rules(html, "churn-risk") == [] and "No risk signals." in html
    html = client.get(f"/customers/show/{seeded.customers['C1']}").get_data(as_text=True)
    assert _rules(html, "churn-risk") == ["no_contact"]
    seg = html.split('id="segments"', 1)[1].split("</section>", 1)[0]
    # Each value says what it means, under its scheme's name; a value nobody labelled
    # (this stored "champions") shows as it is.
    assert re.findall(r'data-scheme="(\w+)"><span class="tag" data-segment="(\w+)">(.*?)</span>',
                      seg) == [("abc", "A", "A: top 80% of revenue"),
                               ("rfm", "champions", "champions")]
    assert re.findall(r'data-scheme="(\w+)">—</dd>', seg) == ["grid", "size"]
    assert "ABC (Pareto)" in seg and "A: the customers who bring 80% of the revenue" in seg
    # Another brand's manager: 404.
    assert login("boss_b").get(f"/customers/show/{seeded.customers['C1']}").status_code == 404


def test_today_page_for_a_rep_is_their_own(login: Login, cm: dict[str, int]) -> None:
    rep1 = login("rep1")
    html = rep1.get("/today/").get_data(as_text=True)
    # R1 today (before 2026-03-03 00:00 local): T1 (C1, value 797.00) then T2 (C2, 199.00),
    # by customer value; T3 is tomorrow; T4 is R2's.
    assert re.findall(r'data-task="(\d+)"', html) == [str(cm["T1 overdue C1"]),
                                                     str(cm["T2 later today C2"])]
    assert html.count('class="overdue"') == 1  # T1 only
    assert "CN¥797.00" in html and "CN¥199.00" in html
    assert 'id="overdue-by-rep"' not in html  # the per-rep table is for managers
    assert rep1.get("/today/?rep=R2").status_code == 404
    assert "Today" in html and 'href="/today/"' in html  # in the menu
    # A rep lands on their list; a brand admin on the dashboard.
    assert rep1.get("/").headers["Location"].endswith("/today/")
    assert login("boss_a").get("/").headers["Location"].endswith("/dashboard/")


def test_today_page_for_a_manager(login: Login, cm: dict[str, int]) -> None:
    boss = login("boss_a")
    html = boss.get("/today/?rep=R2").get_data(as_text=True)
    assert re.findall(r'data-task="(\d+)"', html) == [str(cm["T4 overdue C3"])]
    # Overdue: R1 T1, R2 T4 → 1 each, tie broken by rep_ref.
    block = html.split('id="overdue-by-rep"', 1)[1]
    assert re.findall(r'data-rep="(\w*)"', block) == ["R1", "R2"]
    # The other brand sees none of it.
    other = login("boss_b").get("/today/?rep=R1")
    assert other.status_code == 404
    assert "滤芯更换提醒" not in login("boss_b").get("/today/").get_data(as_text=True)


def test_at_risk_list(login: Login, seeded: Seeded, cm: dict[str, int]) -> None:
    html = login("boss_a").get("/at-risk/list/").get_data(as_text=True)
    # Purchasing customers C1 (no contact), C2 (no order, no contact); C3 was called and
    # ordered recently; C4 only has a pending order (not purchasing).
    rows = re.findall(r'<tr data-ref="(\w+)">(.*?)</tr>', html, re.S)
    assert [(ref, re.findall(r'data-rule="(\w+)"', body)) for ref, body in rows] == [
        ("C1", ["no_contact"]), ("C2", ["no_order", "no_contact"])]
    assert "2 results" in html
    # A rep sees only their own customers (C1, C2 are R1's; none of R2's is at risk).
    assert re.findall(r'<tr data-ref="(\w+)">', login("rep2").get(
        "/at-risk/list/").get_data(as_text=True)) == []
    assert re.findall(r'<tr data-ref="(\w+)">', login("boss_b").get(
        "/at-risk/list/").get_data(as_text=True)) == []
