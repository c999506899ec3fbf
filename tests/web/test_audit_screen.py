"""The audit screen as a compliance officer reads it (issue 18, item 3): local time, the
person, the record's name and page, labelled fields, old → new with code labels, a filter
by record, the raw entry one click away, and the same labels in the CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import html as htmllib
import io
import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import insert, select

from core.audit.models import AuditEntry
from core.context import Ctx
from core.runtime import Runtime
from core.services.customers import update_customer
from tests.web.seed import Seeded

Login = Callable[[str], FlaskClient]
UTC = dt.UTC


def people(page: str) -> str:
    """The page without the raw entries (what is read without clicking)."""
    return re.sub(r'<details class="raw">.*?</details>', "", page, flags=re.S)


def page_of(client: FlaskClient, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return htmllib.unescape(r.get_data(as_text=True))


def _entries_of(rt: Runtime, **where: object) -> list[AuditEntry]:
    with rt.sessionmaker() as s:
        stmt = select(AuditEntry).order_by(AuditEntry.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(AuditEntry, key) == value)
        return list(s.scalars(stmt))


def test_a_real_change_reads_as_labels_and_names(login: Login, rt: Runtime, ctx_a: Ctx,
                                                 seeded: Seeded) -> None:
    # C2 (刘洋) is renamed and becomes a repeat buyer: written through the service,
    # audited by the unit of work as it was written.
    ctx = Ctx(session=ctx_a.session, brand=ctx_a.brand, user="boss_a", locale="en",
              clock=ctx_a.clock, registry=ctx_a.registry)
    update_customer(ctx, "C2", {"name": "刘洋洋", "birthday": "1990-05-17"})
    c2 = seeded.customers["C2"]
    officer = login("audit_a")
    page = page_of(officer, "/audit/list/?record_type=customers&record=C2&action=update")
    assert "1 results" in page
    # Who: the user's name (first name = login here); which record: name, ref and a link.
    assert f'<a class="record-link" href="/customers/show/{c2}">刘洋洋 (C2)</a>' in page
    assert ">Customer<" in page and ">Updated<" in page
    # What: field labels and names, old → new; never table or column names or codes.
    people_part = people(page)
    assert "<dt>Name</dt>" in people_part and '<span class="old">刘洋</span>' in people_part
    assert '<span class="new">刘洋洋</span>' in people_part
    assert "<dt>Birthday</dt>" in people_part
    assert '<span class="new">May 17, 1990</span>' in people_part
    for raw in ("birthday", "customers #", "updated_at", "1990-05-17"):
        assert raw not in people_part, raw
    # The raw entry is one click away (a <details> under the change), as stored.
    raw_part = page.split('<details class="raw">')[1].split("</details>")[0]
    assert '"record_type": "customers"' in raw_part and '"1990-05-17"' in raw_part


def test_codes_bulk_reveal_and_local_time(login: Login, rt: Runtime, ctx_a: Ctx,
                                          seeded: Seeded) -> None:
    a = ctx_a.brand_id
    c1 = seeded.customers["C1"]
    with rt.engine.begin() as conn:
        conn.execute(insert(AuditEntry.__table__), [
            # 2026-03-05 02:30 UTC = 10:30 in Shanghai.
            {"at": dt.datetime(2026, 3, 5, 2, 30, tzinfo=UTC), "actor": "boss_a",
             "brand_id": a, "action": "reveal", "record_type": "customers",
             "record_id": str(c1), "changes": None, "details": {"field": "phone"}},
            {"at": dt.datetime(2026, 3, 5, 2, 31, tzinfo=UTC), "actor": "system",
             "brand_id": a, "action": "update", "record_type": "tasks", "record_id": None,
             "changes": None,
             "details": {"bulk": True, "rows": 3, "columns": ["done_at", "status"]}},
            {"at": dt.datetime(2026, 3, 5, 2, 32, tzinfo=UTC), "actor": "boss_a",
             "brand_id": a, "action": "create", "record_type": "products", "record_id": "1",
             "changes": {"category": [None, "health_food"], "active": [None, True],
                         "list_price": [None, "1299.00"]}, "details": None},
        ])
    page = page_of(login("audit_a"), "/audit/list/?since=2026-03-05&until=2026-03-05")
    assert "3 results" in page
    page = people(page)
    # Local time with seconds, never microseconds or UTC offsets.
    assert "10:30:00" in page and "02:30" not in page
    # The reveal names the field; the bulk update says how many records and which fields.
    assert "Revealed" in page and "Field: Phone" in page
    assert "System" in page and "3 records" in page and "Fields: Done, Status" in page
    assert "bulk" not in page.split('<details class="raw">')[0]
    # Codes by their label, booleans as Yes, money as a number.
    assert "Health food" in page and "<dt>On sale</dt>" in page and ">Yes<" in page
    assert "¥1,299.00" in page and "health_food" not in page.split('<details class="raw">')[0]


def test_chinese_labels(login: Login, entries_zh: None) -> None:
    officer = login("audit_a")
    officer.get("/language/zh_Hans_CN")
    page = page_of(officer, "/audit/list/?actor=alice_zh")
    assert ">客户<" in page and ">修改<" in page
    assert "<dt>阶段</dt>" in page and "首次购买" in page and "复购客户" in page
    assert "<dt>归属直销员</dt>" in page
    assert "lifecycle_stage" not in page.split('<details class="raw">')[0]
    officer.get("/language/zh_Hant_TW")
    page = page_of(officer, "/audit/list/?actor=alice_zh")
    assert ">客戶<" in page and "<dt>歸屬直銷員</dt>" in page



@pytest.fixture()
def entries_zh(rt: Runtime, ctx_a: Ctx, seeded: Seeded) -> None:
    with rt.engine.begin() as conn:
        conn.execute(insert(AuditEntry.__table__), [{
            "at": dt.datetime(2026, 3, 1, 8, 0, tzinfo=UTC), "actor": "alice_zh",
            "brand_id": ctx_a.brand_id, "action": "update", "record_type": "customers",
            "record_id": str(seeded.customers["C1"]),
            "changes": {"lifecycle_stage": ["first_purchase", "repeat"],
                        "rep_id": [seeded.reps["R1"], seeded.reps["R2"]]},
            "details": None}])


def test_history_link_and_record_filter(login: Login, rt: Runtime, ctx_a: Ctx,
                                        seeded: Seeded) -> None:
    c1 = seeded.customers["C1"]
    page = page_of(login("boss_a"), "/audit/list/?record_type=customers&record=C1")
    # Every entry of C1 (its creation by the seed) and nothing of C2.
    assert "张伟 (C1)" in page and "刘洋 (C2)" not in page
    assert f"/audit/list/?record_type=customers&record_id={c1}" in page
    # A record number without a kind is refused, naming the field.
    page = page_of(login("boss_a"), "/audit/list/?record=C1")
    assert "Record: choose the kind of record first." in page
    # An unknown ref: nothing matches (not an error page).
    page = page_of(login("boss_a"), "/audit/list/?record_type=customers&record=C999")
    assert "No audit entries match." in page


def test_csv_neutralises_formulas_and_has_bom(login: Login, rt: Runtime, ctx_a: Ctx,
                                              seeded: Seeded) -> None:
    with rt.engine.begin() as conn:
        conn.execute(insert(AuditEntry.__table__), [{
            "at": dt.datetime(2026, 3, 1, 8, 0, tzinfo=UTC), "actor": "=cmd|' /C calc'!A0",
            "brand_id": ctx_a.brand_id, "action": "update", "record_type": "orders",
            "record_id": "777", "changes": {"region": ["上海", "=HYPERLINK(\"x\")"]},
            "details": None}])
    body = login("boss_a").get("/audit/export.csv?record_type=orders&record_id=777"
                               ).get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows[1][:7] == ["2026-03-01 16:00:00", "'=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0",
                           "Updated", "Order", "#777", 'Region: 上海 → =HYPERLINK("x")']
