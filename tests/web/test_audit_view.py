"""The audit log screen: brand scoping, roles, filters, paging, the CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import insert, select

from core.audit.models import AuditEntry
from core.context import Ctx
from core.runtime import Runtime
from tests.web.seed import Seeded

Login = Callable[[str], FlaskClient]
UTC = dt.UTC


@pytest.fixture()
def entries(rt: Runtime, ctx_a: Ctx, ctx_b: Ctx, seeded: Seeded) -> tuple[int, int]:
    """Hand-made entries with known times (the services stamp the wall clock):
    A: alice_a updates customer C1 (Mar 1 15:59 UTC = Mar 1 23:59 Shanghai): phone, name,
    owner rep R1 → R2 and stage first purchase → repeat; and deletes task 90009 (gone
    since; Mar 1 16:00 UTC = Mar 2 00:00 Shanghai); B: bob_b creates customer 80008."""
    a, b = ctx_a.brand_id, ctx_b.brand_id
    c1, r1, r2 = seeded.customers["C1"], seeded.reps["R1"], seeded.reps["R2"]
    rows = [
        {"at": dt.datetime(2026, 3, 1, 15, 59, tzinfo=UTC), "actor": "alice_a", "brand_id": a,
         "action": "update", "record_type": "customers", "record_id": str(c1),
         "changes": {"phone": ["138****8001", "139****0007"], "name": ["张伟", "张大伟"],
                     "rep_id": [r1, r2], "lifecycle_stage": ["first_purchase", "repeat"],
                     "updated_at": ["2026-01-01T00:00:00+00:00", "2026-03-01T15:59:00+00:00"]},
         "details": None},
        {"at": dt.datetime(2026, 3, 1, 16, 0, tzinfo=UTC), "actor": "alice_a", "brand_id": a,
         "action": "delete", "record_type": "tasks", "record_id": "90009",
         "changes": {"title": ["回访", None]}, "details": None},
        {"at": dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC), "actor": "bob_b", "brand_id": b,
         "action": "create", "record_type": "customers", "record_id": "80008",
         "changes": {"name": [None, "林小姐"]}, "details": None},
    ]
    with rt.engine.begin() as conn:
        conn.execute(insert(AuditEntry.__table__), rows)
    return a, b


def html(client: FlaskClient, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return r.get_data(as_text=True)


def test_brand_admin_and_compliance_see_their_brand_only(login: Login, entries: object
                                                         ) -> None:
    for user in ("boss_a", "audit_a"):
        page = html(login(user), "/audit/list/")
        assert "alice_a" in page and "bob_b" not in page and "林小姐" not in page
        assert 'href="/audit/list/"' in page  # the menu entry
    # Newest first: the delete (16:00 UTC) before the update (15:59 UTC).
    page = html(login("boss_a"), "/audit/list/?actor=alice_a")
    assert page.index("#90009") < page.index("张伟 (C1)")
    # Changed fields old → new, as stored (already masked).
    assert "138****8001" in page and "139****0007" in page and "→" in page
    assert "13800138001" not in page


def test_other_roles_get_403_and_no_menu(login: Login, entries: object) -> None:
    for user in ("rep1", "cs_a", "boss_b"):  # rep, customer service, a manager (of B)
        client = login(user)
        assert client.get("/audit/list/").status_code == 403, user
        assert client.get("/audit/export.csv").status_code == 403, user
        assert 'href="/audit/list/"' not in html(client, "/dashboard/")


def test_super_admin_sees_every_brand(login: Login, entries: tuple[int, int]) -> None:
    admin = login("admin")
    page = html(admin, "/audit/list/")
    assert "alice_a" in page and "bob_b" in page
    only_b = html(admin, f"/audit/list/?brand={entries[1]}")
    assert "bob_b" in only_b and "alice_a" not in only_b


def test_filters(login: Login, entries: object) -> None:
    boss = login("boss_a")
    page = html(boss, "/audit/list/?action=delete")
    assert "#90009" in page and "张伟 (C1)" not in page
    page = html(boss, "/audit/list/?record_type=customers&record=C1&actor=alice_a")
    assert "张伟 (C1)" in page and "#90009" not in page
    assert "1 results" in page
    # Days are Shanghai days: 15:59 UTC is still Mar 1, 16:00 UTC is already Mar 2.
    page = html(boss, "/audit/list/?actor=alice_a&since=2026-03-02&until=2026-03-02")
    assert "#90009" in page and "张伟 (C1)" not in page
    page = html(boss, "/audit/list/?actor=alice_a&until=2026-03-01")
    assert "张伟 (C1)" in page and "#90009" not in page
    # Another brand's actor: nothing, not B's entry.
    assert "No audit entries match." in html(boss, "/audit/list/?actor=bob_b")
    # A malformed date names the field and is ignored.
    page = html(boss, "/audit/list/?actor=alice_a&since=2026-13-01")
    assert "From: not a valid date (YYYY-MM-DD)." in page and "2 results" in page
    page = html(boss, "/audit/list/?actor=alice_a&since=2026-03-02&until=2026-03-01")
    assert "To: must not be before the start date." in page


def test_paging(login: Login, rt: Runtime, entries: tuple[int, int]) -> None:
    start = dt.datetime(2026, 2, 1, tzinfo=UTC)
    with rt.engine.begin() as conn:
        conn.execute(insert(AuditEntry.__table__), [
            {"at": start + dt.timedelta(minutes=i), "actor": "bulk", "brand_id": entries[0],
             "action": "import", "record_type": "customers", "record_id": f"n{i}",
             "changes": None, "details": {"count": i}} for i in range(55)])
    boss = login("boss_a")
    first = html(boss, "/audit/list/?actor=bulk")
    # 55 entries, 50 a page: page 1 = n54 … n5 (newest first), page 2 = n4 … n0.
    assert "55 results" in first and "Page 1 of 2" in first
    assert "<span>#n54</span>" in first and "<span>#n5</span>" in first
    assert "<span>#n4</span>" not in first
    second = html(boss, "/audit/list/?actor=bulk&page=2")
    assert "Page 2 of 2" in second
    assert second.count("<span>#n") == 5 and "<span>#n0</span>" in second


def _ids(rt: Runtime, actor: str) -> list[int]:
    with rt.sessionmaker() as s:
        return list(s.scalars(select(AuditEntry.id).where(AuditEntry.actor == actor)
                              .order_by(AuditEntry.at)))


def test_csv_export(login: Login, rt: Runtime, entries: tuple[int, int]) -> None:
    boss = login("boss_a")
    r = boss.get("/audit/export.csv?actor=alice_a")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"].startswith('attachment; filename="audit-A-')
    body = r.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    update_id, delete_id = _ids(rt, "alice_a")
    # Oldest first, the two rows of the fixture, by hand, with the screen's labels: local
    # (Shanghai) times, kinds, record names, field labels, rep names, stage names; the
    # modification time of the row is left out (the entry has its own time).
    assert rows == [
        ["When (Asia/Shanghai)", "Who", "Login", "Action", "Record type", "Record",
         "Changes", "Details", "Entry no."],
        ["2026-03-01 23:59:00", "alice_a", "alice_a", "Updated", "Customer", "张伟 (C1)",
         "Phone: 138****8001 → 139****0007\nName: 张伟 → 张大伟\n"
         "Owner rep: 王芳 (R1) → 李强 (R2)\nStage: First purchase → Repeat buyer",
         "", str(update_id)],
        ["2026-03-02 00:00:00", "alice_a", "alice_a", "Deleted", "Task", "#90009",
         "Title: 回访", "", str(delete_id)],
    ]
    # Shanghai day Mar 2 only, and B's entry never appears even when asked for.
    rows = list(csv.reader(io.StringIO(
        boss.get("/audit/export.csv?since=2026-03-02&until=2026-03-02&actor=alice_a")
        .get_data(as_text=True)[1:])))
    assert [row[5] for row in rows[1:]] == ["#90009"]
    rows = list(csv.reader(io.StringIO(
        boss.get("/audit/export.csv?actor=bob_b").get_data(as_text=True)[1:])))
    assert rows[1:] == []
    # Each export is itself audited, in the brand, with its filters.
    with rt.sessionmaker() as s:
        exports = s.scalars(select(AuditEntry).where(
            AuditEntry.action == "report_generated").order_by(AuditEntry.id)).all()
    assert [(e.actor, e.brand_id, e.details["filters"]) for e in exports] == [
        ("boss_a", entries[0], {"actor": "alice_a"}),
        ("boss_a", entries[0], {"since": "2026-03-02", "until": "2026-03-02",
                                "actor": "alice_a"}),
        ("boss_a", entries[0], {"actor": "bob_b"}),
    ]


def test_csv_export_streams_many_rows(login: Login, rt: Runtime,
                                      entries: tuple[int, int]) -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    with rt.engine.begin() as conn:
        conn.execute(insert(AuditEntry.__table__), [
            {"at": start + dt.timedelta(seconds=i), "actor": "bulk", "brand_id": entries[0],
             "action": "import", "record_type": "orders", "record_id": str(i),
             "changes": None, "details": None} for i in range(1203)])
    r = login("admin").get(f"/audit/export.csv?brand={entries[0]}&actor=bulk")
    assert r.is_streamed
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True)[1:])))
    # header + 1203 rows (chunks of 500, 500, 203), oldest first; no such orders: "#id".
    assert len(rows) == 1204 and rows[1][5] == "#0" and rows[-1][5] == "#1202"
    assert rows[1][4] == "Order" and rows[1][3] == "Imported"
