"""The audit log: an entry per action kind, same transaction as the change, append-only."""

from __future__ import annotations

import csv
import datetime as dt
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import String, delete, insert, inspect, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core import audit
from core.audit.listener import _audited_columns, _shown
from core.audit.models import AuditEntry
from core.cli import cli
from core.cli.common import reset_runtime
from core.crypto import EncryptedText
from core.errors import NotFound
from core.models import Brand, Customer, CustomerTag
from core.services.customers import create_customer, update_customer
from core.services.modules import disable_modules, enable_modules


def entries(session, **where):
    session.rollback()  # a fresh snapshot: see what other sessions committed
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, key) == value)
    rows = list(session.scalars(stmt))
    session.rollback()
    return rows


def new_customer(ctx, ref="C1", phone="+86 138-0013-8000", **extra):
    return create_customer(ctx, {"customer_ref": ref, "name": "李娜", "phone": phone,
                                 "wechat_id": "wx_lina", **extra})


def test_brand_creation_is_audited_for_that_brand(ctx_a):
    (entry,) = entries(ctx_a.session, record_type="brands", record_id=str(ctx_a.brand_id))
    assert (entry.action, entry.actor, entry.brand_id) == ("create", "tester", ctx_a.brand_id)
    assert entry.changes["code"] == [None, "A"]
    assert entry.at.tzinfo is not None


def test_create_update_delete_with_masked_sensitive_values(ctx_a):
    customer = new_customer(ctx_a, tags=["vip"])
    (created,) = entries(ctx_a.session, record_type="customers", action="create")
    assert (created.actor, created.brand_id, created.record_id) == (
        "tester", ctx_a.brand_id, str(customer.id))
    # Sensitive values masked (first 3 + **** + last 4 of the value as typed), lookup
    # hashes left out: "+86 138-0013-8000" → "+86" + "****" + "8000"
    assert created.changes["phone"] == [None, "+86****8000"]
    # "wx_lina" has 7 characters (< 8): first 1 + **** + last 4
    assert created.changes["wechat_id"] == [None, "w****lina"]
    assert created.changes["name"] == [None, "李娜"]
    assert "phone_hash" not in created.changes and "wechat_hash" not in created.changes
    (tag,) = entries(ctx_a.session, record_type="customer_tags", action="create")
    assert tag.changes["tag"] == [None, "vip"]

    update_customer(ctx_a, "C1", {"phone": "13900001111", "name": "李娜娜"})
    (updated,) = entries(ctx_a.session, record_type="customers", action="update")
    assert updated.changes["phone"] == ["+86****8000", "139****1111"]
    assert updated.changes["name"] == ["李娜", "李娜娜"]
    # updated_at is set again but to the same fixed-clock time: not a change.
    assert set(updated.changes) == {"phone", "name"}

    with ctx_a.write() as session:
        session.delete(session.scalar(select(CustomerTag)))
    (deleted,) = entries(ctx_a.session, record_type="customer_tags", action="delete")
    assert deleted.changes["tag"] == ["vip", None]
    assert deleted.record_id == str(tag.record_id)


def test_rollback_leaves_no_entry_and_commit_always_has_one(ctx_a):
    before = len(entries(ctx_a.session))
    with pytest.raises(RuntimeError), ctx_a.write():
        new_customer(ctx_a)
        audit.record(ctx_a, "report_generated", record_type="report", record_id="X")
        raise RuntimeError("boom")
    assert len(entries(ctx_a.session)) == before
    assert ctx_a.session.scalar(select(Customer.id)) is None

    customer = new_customer(ctx_a)
    assert [e.action for e in entries(ctx_a.session, record_type="customers",
                                      record_id=str(customer.id))] == ["create"]


def test_explicit_actions(ctx_a, make_ctx):
    customer = new_customer(ctx_a)
    audit.record(ctx_a, "merge", record_type="customers", record_id=customer.id,
                 details={"merged": [41, 42]})
    audit.record(ctx_a, "report_generated", record_type="report", record_id="pipl_p8",
                 details={"period": "2026-02"})
    audit.record_bulk(ctx_a, record_type="customers", count=250,
                      details={"file": "customers.csv", "batch": 1})
    audit.record_login(ctx_a.session, "alice", True, ctx_a.brand_id, {"ip": "10.0.0.5"})
    audit.record_login(ctx_a.session, "mallory", False, None)
    got = {e.action: e for e in entries(ctx_a.session)}
    assert got["merge"].details == {"merged": [41, 42]}
    assert got["merge"].record_id == str(customer.id)
    assert got["report_generated"].record_id == "pipl_p8"
    assert got["import"].details == {"count": 250, "file": "customers.csv", "batch": 1}
    assert (got["login_success"].actor, got["login_success"].brand_id) == (
        "alice", ctx_a.brand_id)
    assert (got["login_failure"].actor, got["login_failure"].brand_id) == ("mallory", None)
    # Written for ctx_a's user and brand.
    assert {got[a].actor for a in ("merge", "report_generated", "import")} == {"tester"}
    # Committed: another session sees them.
    other = make_ctx()
    assert len(entries(other.session, action="login_failure")) == 1


def test_module_enable_and_disable(ctx_a):
    enable_modules(ctx_a, ["loyalty"])
    disable_modules(ctx_a, ["loyalty"])
    actions = [(e.action, e.record_id) for e in entries(ctx_a.session, record_type="module")]
    assert actions == [("module_enable", "loyalty"), ("module_disable", "loyalty")]
    # The brand_modules row changes are recorded by the listener too.
    rows = entries(ctx_a.session, record_type="brand_modules")
    assert [e.action for e in rows] == ["create", "update"]
    assert rows[1].changes["enabled"] == [True, False]


def test_reveal_returns_plaintext_and_logs(ctx_a, ctx_b, make_ctx):
    customer = new_customer(ctx_a)
    assert audit.reveal(ctx_a, customer, "phone") == "+86 138-0013-8000"
    (entry,) = entries(ctx_a.session, action="reveal")
    assert (entry.record_type, entry.record_id, entry.details) == (
        "customers", str(customer.id), {"field": "phone"})
    with pytest.raises(ValueError):
        audit.reveal(ctx_a, customer, "name")  # not an encrypted field
    with pytest.raises(NotFound):
        audit.reveal(ctx_b, customer, "phone")  # another brand's record
    assert len(entries(ctx_a.session, action="reveal")) == 1
    # A super admin (installation-wide context) revealing: filed under the record's brand.
    admin = make_ctx(user="root")
    assert audit.reveal(admin, customer, "wechat_id") == "wx_lina"
    (by_admin,) = entries(ctx_a.session, action="reveal", actor="root")
    assert by_admin.brand_id == ctx_a.brand_id and by_admin.details == {"field": "wechat_id"}


def test_update_and_delete_of_audit_rows_are_refused(ctx_a, rt):
    new_customer(ctx_a)
    count = len(entries(ctx_a.session))
    for sql in ("UPDATE audit_log SET actor = 'intruder'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError) as exc, rt.engine.begin() as conn:
            conn.execute(text(sql))
        assert "append-only" in str(exc.value)
    assert len(entries(ctx_a.session)) == count
    assert {e.actor for e in entries(ctx_a.session)} == {"tester"}
    if rt.engine.dialect.name == "postgresql":
        check_application_role_grant(rt.engine)


def check_application_role_grant(engine):
    """docs/operations.md's grant: the application role may read and append, not change."""
    role = f"directcrm_app_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} NOLOGIN"))
    try:
        with engine.begin() as conn:
            conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
            conn.execute(text("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "
                              f"public TO {role}"))
            conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"))
            conn.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {role}"))
            conn.execute(text(f"GRANT SELECT, INSERT ON audit_log TO {role}"))
        with engine.begin() as conn:
            conn.execute(text(f"SET LOCAL ROLE {role}"))
            conn.execute(text("INSERT INTO audit_log (at, actor, action) "
                              "VALUES (now(), 'app', 'login_failure')"))
        for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log",
                    "TRUNCATE audit_log"):
            with pytest.raises(DBAPIError) as exc, engine.begin() as conn:
                conn.execute(text(f"SET LOCAL ROLE {role}"))
                conn.execute(text(sql))
            assert "permission denied" in str(exc.value)
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))


def test_query_filters_are_brand_scoped(ctx_a, ctx_b, make_ctx):
    new_customer(ctx_a)
    new_customer(ctx_b, ref="B1", phone="0912345678")
    audit.record(ctx_a, "reveal", record_type="customers", record_id="1")
    in_a = list(ctx_a.session.scalars(audit.query(ctx_a)))
    assert in_a and {e.brand_id for e in in_a} == {ctx_a.brand_id}
    only = list(ctx_a.session.scalars(audit.query(ctx_a, audit.AuditFilter(action="reveal"))))
    assert [e.action for e in only] == ["reveal"]
    now = dt.datetime.now(dt.UTC)
    future = audit.AuditFilter(since=now + dt.timedelta(minutes=5))
    assert list(ctx_a.session.scalars(audit.query(ctx_a, future))) == []
    past = audit.AuditFilter(until=now - dt.timedelta(days=1))
    assert list(ctx_a.session.scalars(audit.query(ctx_a, past))) == []
    # Installation-wide contexts see both brands.
    everything = make_ctx()
    brand_ids = {e.brand_id for e in everything.session.scalars(audit.query(everything))}
    assert {ctx_a.brand_id, ctx_b.brand_id} <= brand_ids
    assert audit.count_entries(ctx_a) == len(in_a)
    assert audit.count_entries(ctx_a, audit.AuditFilter(action="reveal")) == 1
    page = audit.list_entries(ctx_a, limit=2)
    assert len(page) == 2 and page[0].id > page[1].id  # newest first


def test_audit_export_cli(ctx_a, ctx_b, database_url, tmp_path, monkeypatch, keyring):
    customer = new_customer(ctx_a)
    new_customer(ctx_b, ref="B1", phone="0912345678")
    audit.reveal(ctx_a, customer, "phone")
    monkeypatch.setenv("DIRECTCRM_DATABASE_URL", database_url)
    monkeypatch.setenv("DIRECTCRM_KEYS", keyring.to_json())
    monkeypatch.setenv("DIRECTCRM_INSTANCE_PATH", str(tmp_path))
    reset_runtime()
    out_file = tmp_path / "audit.csv"
    today = dt.datetime.now(dt.UTC).astimezone(ctx_a.tz).date().isoformat()
    try:
        result = CliRunner().invoke(cli, ["audit", "export", "--brand", "A", "--since", today,
                                          "--until", today, "--out", str(out_file)])
        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(out_file.open(encoding="utf-8")))
        # Brand A: its creation, the customer, the reveal; nothing of brand B.
        assert {r["brand_id"] for r in rows} == {str(ctx_a.brand_id)}
        assert [r["action"] for r in rows if r["record_type"] == "customers"] == [
            "create", "reveal"]
        assert f"Exported {len(rows)} audit entries" in result.output
        exported = out_file.read_text()
        assert "138-0013-8000" not in exported and "+86****8000" in exported
        result = CliRunner().invoke(cli, ["audit", "export", "--brand", "A", "--action",
                                          "reveal", "--out", str(out_file)])
        rows = list(csv.DictReader(out_file.open(encoding="utf-8")))
        assert [(r["action"], r["details"]) for r in rows] == [("reveal", '{"field": "phone"}')]
        # Installation-wide: both brands and the brand-less login failure.
        audit.record_login(ctx_a.session, "mallory", False, None)
        result = CliRunner().invoke(cli, ["audit", "export", "--out", str(out_file)])
        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(out_file.open(encoding="utf-8")))
        assert {r["brand_id"] for r in rows} == {str(ctx_a.brand_id), str(ctx_b.brand_id), ""}
    finally:
        reset_runtime()
        from core.crypto import set_keyring

        set_keyring(keyring)


def test_brand_rows_of_other_tables_take_their_own_brand(ctx_a, ctx_b):
    """An installation-wide session writing a brand's row files the entry under that brand."""
    with ctx_a.write() as session:
        session.get(Brand, ctx_a.brand_id).name = "Brand A2"
    (entry,) = entries(ctx_a.session, record_type="brands", action="update")
    assert entry.brand_id == ctx_a.brand_id and entry.changes["name"] == ["Brand A", "Brand A2"]


class _OtherBase(DeclarativeBase):  # a separate metadata: nothing is created
    pass


class Probe(_OtherBase):
    __tablename__ = "probe"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(10))
    password_hash: Mapped[str] = mapped_column(String(100))
    api_token: Mapped[str] = mapped_column(String(100))
    bank_account: Mapped[str] = mapped_column(EncryptedText)


def test_secret_looking_columns_are_redacted_and_encrypted_ones_masked():
    assert _audited_columns(inspect(Probe)) == [
        ("name", "plain"), ("api_token", "redact"), ("bank_account", "mask")]
    # 19 characters: first 3 + **** + last 4
    assert _shown("6222021234567890123", "mask") == "622****0123"
    assert _shown("abc", "redact") == "[redacted]" and _shown(None, "redact") is None


def test_set_based_statements_get_one_summary_entry_each(ctx_a):
    new_customer(ctx_a, "C1")
    new_customer(ctx_a, "C2", phone="13900002222", wechat_id="wx_two")
    c1, c2 = ctx_a.session.scalars(select(Customer.id).order_by(Customer.id)).all()
    with ctx_a.write() as session:
        session.execute(insert(CustomerTag), [
            {"brand_id": ctx_a.brand_id, "customer_id": c1, "tag": "vip"},
            {"brand_id": ctx_a.brand_id, "customer_id": c2, "tag": "vip"}])
        session.execute(update(Customer).where(Customer.brand_id == ctx_a.brand_id)
                        .values(source_channel="wechat"))
        session.execute(update(Customer).where(Customer.customer_ref == "nobody")
                        .values(source_channel="x"))  # 0 rows: nothing to record
        session.execute(delete(CustomerTag).where(CustomerTag.customer_id == c2))
    bulk = [(e.action, e.record_type, e.record_id, e.details)
            for e in entries(ctx_a.session) if e.details and e.details.get("bulk")]
    assert bulk == [
        ("create", "customer_tags", None,
         {"bulk": True, "rows": 2, "columns": ["brand_id", "customer_id", "tag"]}),
        ("update", "customers", None,
         {"bulk": True, "rows": 2, "columns": ["source_channel"]}),
        ("delete", "customer_tags", None, {"bulk": True, "rows": 1, "columns": []}),
    ]
    assert {e.actor for e in entries(ctx_a.session, action="delete")} == {"tester"}
    # Rolled back with the statement.
    before = len(entries(ctx_a.session))
    with pytest.raises(RuntimeError), ctx_a.write() as session:
        session.execute(update(Customer).values(name="x"))
        raise RuntimeError("boom")
    assert len(entries(ctx_a.session)) == before
