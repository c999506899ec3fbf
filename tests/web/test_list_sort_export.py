"""Column sorting and CSV export on the lists (issue 18, items 7/8): a header click sorts
(again: the other way), filters are kept, an unknown key is ignored; the export carries
the list's filters and sort, every page, labelled columns, a BOM, formula cells
neutralised, and is audited."""

from __future__ import annotations

import csv
import html as htmllib
import io
import re
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.context import Ctx
from core.runtime import Runtime
from core.services.customers import create_customer
from tests.web.seed import Seeded

Login = Callable[[str], FlaskClient]


def page(client: FlaskClient, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return htmllib.unescape(r.get_data(as_text=True))


def csv_rows(client: FlaskClient, url: str) -> list[list[str]]:
    r = client.get(url)
    assert r.status_code == 200 and r.mimetype == "text/csv", (url, r.status_code)
    body = r.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def refs_in(html: str, pattern: str) -> list[str]:
    return re.findall(pattern, html)


def test_orders_sort_by_a_header_and_back(login: Login, seeded: Seeded) -> None:
    boss = login("boss_a")
    # Seeded orders: O1 199.00, O2 598.00, O3 599.00, O4 199.00 (pending).
    html = page(boss, "/orders/list/?sort=total")
    assert refs_in(html, r">(O\d)</a>") == ["O1", "O4", "O2", "O3"]  # ties by id
    assert 'href="?sort=-total"' in html  # the sorted header now sorts the other way
    html = page(boss, "/orders/list/?sort=-total")
    assert refs_in(html, r">(O\d)</a>") == ["O3", "O2", "O4", "O1"]
    # Filters stay; an unknown key is ignored (the default order, newest first).
    html = page(boss, "/orders/list/?status=paid&sort=-ref")
    assert refs_in(html, r">(O\d)</a>") == ["O3", "O2", "O1"]
    assert 'href="?status=paid&sort=ref" data-sort="ref"' in html
    html = page(boss, "/orders/list/?sort=drop_table")
    assert refs_in(html, r">(O\d)</a>") == ["O4", "O3", "O2", "O1"]


def test_customers_export_follows_filters_and_sort(login: Login, rt: Runtime, ctx_a: Ctx,
                                                   seeded: Seeded) -> None:
    create_customer(ctx_a, {"customer_ref": "C5", "name": "=HYPERLINK(\"x\")",
                            "rep_ref": "R1"})
    boss = login("boss_a")
    html = page(boss, "/customers/list/?rep=R1&sort=-ref")
    assert 'href="/customers/export.csv?rep=R1&sort=-ref"' in html
    rows = csv_rows(boss, "/customers/export.csv?rep=R1&sort=-ref")
    assert rows[0] == ["Customer no.", "Name", "Phone", "Rep", "Stage", "Tags", "Since",
                       "Source channel"]
    # R1's customers C5, C2, C1 (ref descending); phones masked as on the screen; the
    # stage by its label (C1 has two paid orders: a repeat buyer); a formula-like name
    # neutralised.
    assert [r[:5] for r in rows[1:]] == [
        ["C5", "'=HYPERLINK(\"x\")", "", "王芳 (R1)", "Prospect"],
        ["C2", "刘洋", "138****8002", "王芳 (R1)", "Prospect"],
        ["C1", "张伟", "138****8001", "王芳 (R1)", "Repeat buyer"],
    ]
    assert rows[3][5] == "VIP"
    with rt.sessionmaker() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "report_generated")
                          ).one()
    assert (entry.actor, entry.record_type, entry.details) == (
        "boss_a", "customers", {"report": "customers_csv",
                                "filters": {"rep": "R1", "sort": "-ref"}})


def test_export_in_chinese_and_every_page(login: Login, ctx_a: Ctx, seeded: Seeded) -> None:
    for n in range(130):  # more than one export chunk (100) and than a screen page (25)
        create_customer(ctx_a, {"customer_ref": f"K{n:03d}", "name": f"客户{n:03d}"})
    boss = login("boss_a")
    boss.get("/language/zh_Hans_CN")
    rows = csv_rows(boss, "/customers/export.csv?q=K&sort=ref")
    assert rows[0] == ["客户编号", "名称", "手机号", "直销员", "阶段", "标签", "创建时间",
                       "来源渠道"]
    assert [r[0] for r in rows[1:]] == [f"K{n:03d}" for n in range(130)]
    assert rows[1][4] == "潜在客户"


def test_other_lists_export_with_labels(login: Login, seeded: Seeded) -> None:
    boss = login("boss_a")
    rows = csv_rows(boss, "/orders/export.csv?sort=ref")
    assert rows[0] == ["Order no.", "Ordered", "Customer", "Rep", "Status", "Total",
                       "Channel", "Paid so far", "Balance due"]
    # O1: 2026-01-10 10:00 in Shanghai, 张伟 (C1) of 王芳 (R1), paid, 199.00, all of it
    # paid, nothing due.
    assert rows[1] == ["O1", "2026-01-10 10:00", "张伟 (C1)", "王芳 (R1)", "Paid", "199.00",
                       "", "199.00", "0.00"]
    assert [r[4] for r in rows[1:]] == ["Paid", "Paid", "Paid", "Pending"]
    # O4 is pending with nothing paid: its whole 199.00 is due.
    assert rows[4][7:] == ["0.00", "199.00"]
    rows = csv_rows(boss, "/products/export.csv?sort=-price")
    assert [r[0] for r in rows[1:]] == ["P3", "P2", "P1"]
    assert rows[0][:4] == ["SKU", "Name", "Category", "List price"]
    assert rows[1][5] == "Yes"
    rows = csv_rows(boss, "/reps/export.csv?sort=-ref")
    assert [r[:3] for r in rows[1:]] == [["R2", "李强", "Active"], ["R1", "王芳", "Active"]]
    # A rep's own lists: customers export only theirs; the reps list is not theirs to export.
    rep = login("rep1")
    assert {r[0] for r in csv_rows(rep, "/customers/export.csv")[1:]} == {"C1", "C2"}
    assert rep.get("/reps/export.csv").status_code == 404
    # Another brand's manager exports only their brand's rows (brand B has no orders).
    assert csv_rows(login("boss_b"), "/orders/export.csv")[1:] == []


def test_tasks_interactions_and_returns(login: Login, ctx_a: Ctx, seeded: Seeded) -> None:
    from core.services.activities import create_interaction, create_task
    from core.services.orders import create_return

    create_task(ctx_a, {"title": "回访 B", "customer_ref": "C1",
                        "due_at": "2026-03-06T10:00:00+08:00"})
    create_task(ctx_a, {"title": "回访 A", "customer_ref": "C3",
                        "due_at": "2026-03-09T10:00:00+08:00"})
    create_interaction(ctx_a, {"customer_ref": "C1", "kind": "call", "summary": "问候",
                               "occurred_at": "2026-03-01T09:00:00+08:00"})
    create_interaction(ctx_a, {"customer_ref": "C3", "kind": "visit", "summary": "上门",
                               "occurred_at": "2026-03-02T15:30:00+08:00"})
    create_return(ctx_a, {"return_ref": "RT1", "order_ref": "O2",
                          "requested_at": "2026-03-03T10:00:00+08:00",
                          "lines": [{"sku": "P2", "quantity": 1, "amount": "299.00"}]})
    boss = login("boss_a")
    html = page(boss, "/tasks/list/?sort=title")
    assert html.index("回访 A") < html.index("回访 B")
    rows = csv_rows(boss, "/tasks/export.csv?sort=-due")
    assert rows[0] == ["Task", "Customer", "Rep", "Due at", "Status"]
    # C3 belongs to 李强 (R2), C1 to 王芳 (R1); times in Shanghai.
    assert rows[1:] == [["回访 A", "陈静 (C3)", "李强 (R2)", "2026-03-09 10:00", "Open"],
                        ["回访 B", "张伟 (C1)", "王芳 (R1)", "2026-03-06 10:00", "Open"]]
    rows = csv_rows(boss, "/interactions/export.csv?sort=when")
    assert rows[0] == ["When", "Kind", "Customer", "Summary", "By"]
    assert [r[:4] for r in rows[1:]] == [
        ["2026-03-01 09:00", "Call", "张伟 (C1)", "问候"],
        ["2026-03-02 15:30", "Visit", "陈静 (C3)", "上门"]]
    rows = csv_rows(boss, "/returns/export.csv")
    assert rows[0] == ["Return no.", "Order no.", "Requested", "Refunded", "Amount", "Reason",
                       "Customer"]
    assert rows[1:] == [["RT1", "O2", "2026-03-03 10:00", "", "299.00", "", "张伟 (C1)"]]
    html = page(boss, "/returns/list/?sort=-amount")
    assert 'data-sort="amount"' in html and "RT1" in html
    # The list names the customer, and the return opens (on its order's page).
    row = html.split('data-return="RT1"')[1].split("</tr>")[0]
    assert "张伟" in row and "#returns" in row
