"""Sorting and CSV export on the lists that lacked them: leads, at-risk customers, users
and likely duplicates (issue 18, item 7)."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient

from core.context import Ctx
from tests.web.cm_seed import seed_cm
from tests.web.seed import Seeded
from tests.web.test_list_sort_export import csv_rows, page

Login = Callable[[str], FlaskClient]


def test_leads_sort_and_export(login: Login, ctx_a: Ctx, seeded: Seeded) -> None:
    from core.leads.services import create_lead

    create_lead(ctx_a, {"lead_ref": "L1", "name": "赵一", "channel": "ads", "score": 70},
                assign=False)
    create_lead(ctx_a, {"lead_ref": "L2", "name": "钱二", "channel": "referral", "score": 30},
                assign=False)
    create_lead(ctx_a, {"lead_ref": "L3", "name": "孙三", "channel": "event", "score": 50},
                assign=False)
    boss = login("boss_a")
    html = page(boss, "/leads/list/?sort=score")
    assert re.findall(r'<tr data-ref="(L\d)">', html) == ["L2", "L3", "L1"]
    assert 'href="?sort=-score"' in html and "/leads/export.csv?sort=score" in html
    rows = csv_rows(boss, "/leads/export.csv?sort=-score")
    assert rows[0] == ["Lead no.", "Name", "Channel", "Status", "Score", "Contacts",
                       "Captured"]
    assert [r[:3] + r[4:6] for r in rows[1:]] == [["L1", "赵一", "Ads", "70", "0"],
                                                  ["L3", "孙三", "Event", "50", "0"],
                                                  ["L2", "钱二", "Referral", "30", "0"]]


def test_at_risk_sort_and_export(login: Login, ctx_a: Ctx, seeded: Seeded) -> None:
    seed_cm(ctx_a, seeded)
    boss = login("boss_a")
    # C1: last order O2 on 2026-02-12, no contact; C2: last order O9 on 2025-11-01, no
    # order in 90 days and no contact. Two signals sort C2 first when descending.
    html = page(boss, "/at-risk/list/?sort=-signals")
    assert re.findall(r'<tr data-ref="(\w+)">', html) == ["C2", "C1"]
    rows = csv_rows(boss, "/at-risk/export.csv?sort=order")
    assert rows == [
        ["Customer no.", "Name", "Last order", "Last contact", "Risk signals"],
        ["C2", "刘洋", "2025-11-01 10:00", "", "No recent order, No recent contact"],
        ["C1", "张伟", "2026-02-12 10:00", "", "No recent contact"]]


def test_users_sort_and_export(login: Login) -> None:
    boss = login("boss_a")
    html = page(boss, "/staff/list/?sort=-username")
    names = re.findall(r'<td class="strong">(\w+)</td>', html)
    assert names == ["rep2", "rep1", "cs_a", "boss_a", "audit_a"]  # brand A's logins
    rows = csv_rows(boss, "/staff/export.csv?sort=username")
    assert rows[0] == ["Username", "Role", "Brand", "Rep", "Last login"]
    assert [r[:4] for r in rows[1:]] == [
        ["audit_a", "Compliance officer", "A", ""], ["boss_a", "Brand admin", "A", ""],
        ["cs_a", "Customer service", "A", ""], ["rep1", "Rep", "A", "R1"],
        ["rep2", "Rep", "A", "R2"]]


def test_duplicates_export(login: Login, ctx_a: Ctx, seeded: Seeded) -> None:
    from core.services.customers import create_customer

    create_customer(ctx_a, {"customer_ref": "D1", "name": "周敏", "phone": "13900000077"})
    create_customer(ctx_a, {"customer_ref": "D2", "name": "周敏敏", "phone": "13900000077"},
                    allow_duplicate=True)
    rows = csv_rows(login("boss_a"), "/duplicates/export.csv")
    assert rows[0] == ["Duplicate group", "Match", "Customer no.", "Name", "Lifecycle stage",
                       "Customer since"]
    assert [r[:5] for r in rows[1:]] == [["1", "Same phone number", "D1", "周敏", "Prospect"],
                                         ["1", "Same phone number", "D2", "周敏敏", "Prospect"]]
    assert login("rep1").get("/duplicates/export.csv").status_code == 403
