"""Personal data at rest: no plaintext in the database; lookup across formatting; masking."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from core.audit.models import AuditEntry
from core.cli import cli
from core.cli.common import reset_runtime
from core.crypto import EncryptedText, set_keyring
from core.db import Base
from core.errors import DomainError
from core.importing import import_csv
from core.models import Customer
from core.privacy import masked, masked_dict, sensitive_fields
from core.services.customers import create_customer, find_by_phone
from core.services.reps import create_rep
from tests.core.importing_helpers import write_csv

# Distinctive numbers (no other test uses them), each in the formats people type.
CUSTOMER_PHONE = "13712345679"
BULK_PHONE = "13698765432"
REP_PHONE = "13587654321"
WECHAT = "WxPrivacyProbe77"


def variants(digits: str) -> list[str]:
    """A mobile number as people write it: plain, split 3-4-4 by '-' or ' ', with +86."""
    a, b, c = digits[:3], digits[3:7], digits[7:]
    return [digits, f"{a}-{b}-{c}", f"{a} {b} {c}", f"+86{digits}", f"{a}{b}", f"{b}{c}"]


def needles() -> list[str]:
    out = [WECHAT, WECHAT.lower()]
    for phone in (CUSTOMER_PHONE, BULK_PHONE, REP_PHONE):
        out += variants(phone)
    return out


def seed_like_an_import(ctx, tmp_path):
    """Reps and customers through the CSV import (Core bulk inserts), plus one customer
    through the service (ORM), phones in different formattings."""
    write_csv(tmp_path / "reps.csv", ["rep_ref", "name", "phone", "status"],
              [["R1", "王芳", "135 8765 4321", "active"]])
    write_csv(tmp_path / "customers.csv", ["customer_ref", "name", "phone", "wechat_id",
                                           "rep_ref"],
              [["C2", "赵敏", "0086 136 9876 5432", "", "R1"]])
    for kind in ("reps", "customers"):
        result = import_csv(ctx, kind, tmp_path / f"{kind}.csv")
        assert not result.errors, result.errors
    create_customer(ctx, {"customer_ref": "C1", "name": "李娜",
                          "phone": "+86 137-1234-5679", "wechat_id": WECHAT, "rep_ref": "R1"})


def test_no_plaintext_in_the_raw_database(ctx_a, rt, tmp_path):
    seed_like_an_import(ctx_a, tmp_path)
    found: list[str] = []
    engine = rt.engine
    # 1. Every table's raw contents, every column read as text (no type processing).
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(text(f'SELECT * FROM "{table.name}"')):
                blob = "\x1f".join("" if v is None else str(v) for v in row)
                found += [f"{table.name}: {n}" for n in needles() if n in blob]
        if engine.dialect.name == "postgresql":
            # And whole rows cast to text by the server itself.
            for table in Base.metadata.sorted_tables:
                for (blob,) in conn.execute(text(f'SELECT t::text FROM "{table.name}" t')):
                    found += [f"{table.name}::text: {n}" for n in needles() if n in blob]
    # 2. SQLite: the database file and its write-ahead log, byte for byte.
    if engine.dialect.name == "sqlite":
        engine.dispose()  # close connections so the WAL is checkpointed into the file
        db_path = Path(make_url(str(engine.url)).database)
        for path in (db_path, db_path.with_name(db_path.name + "-wal")):
            if path.exists():
                data = path.read_bytes()
                found += [f"{path.name}: {n}" for n in needles() if n.encode() in data]
                assert data, path
    assert found == []
    # ...while the values are all there, encrypted.
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT phone, wechat_id FROM customers "
                                   "ORDER BY customer_ref")).all()
    assert all(v.startswith(("k1:", "k2:", "k3:")) for v in (stored[0][0], stored[0][1],
                                                              stored[1][0]))
    # ...and findable by any formatting; each import batch left one summary audit entry.
    assert [c.customer_ref for c in find_by_phone(ctx_a, "13698765432")] == ["C2"]
    imports = ctx_a.session.scalars(select(AuditEntry).where(AuditEntry.action == "import")
                                    .order_by(AuditEntry.id)).all()
    assert [(e.record_type, e.details["count"]) for e in imports] == [("reps", 1),
                                                                      ("customers", 1)]


def test_every_encrypted_column_of_the_models_is_sensitive():
    """The model rule: phones, WeChat IDs (and any ID number/bank account) are encrypted."""
    words = ("phone", "mobile", "wechat", "id_number", "id_card", "passport", "bank_account")
    checked = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            name = column.name
            if any(w in name for w in words) and not name.endswith("_hash"):
                assert isinstance(column.type, EncryptedText), f"{table.name}.{name}"
                checked.append(f"{table.name}.{name}")
    assert {"customers.phone", "customers.wechat_id", "reps.phone"} <= set(checked)


@pytest.mark.parametrize("typed", ["+86 138-0013-8000", "13800138000", "0086 13800138000",
                                   "138 0013 8000", "(138) 0013-8000"])
def test_lookup_and_dedup_across_formatting(ctx_a, ctx_b, typed):
    create_customer(ctx_a, {"customer_ref": "C1", "name": "李娜", "phone": "+86 138-0013-8000"})
    assert [c.customer_ref for c in find_by_phone(ctx_a, typed)] == ["C1"]
    with pytest.raises(DomainError) as exc:
        create_customer(ctx_a, {"customer_ref": "C2", "name": "李娜", "phone": typed})
    assert exc.value.code == "likely_duplicate"
    # Brand scoping: the same number is new for brand B.
    assert find_by_phone(ctx_b, typed) == []


def test_customers_find_cli(ctx_a, database_url, tmp_path, monkeypatch, keyring):
    create_rep(ctx_a, {"rep_ref": "R1", "name": "王芳", "phone": "13900000001"})
    create_customer(ctx_a, {"customer_ref": "C1", "name": "李娜", "phone": "138-0013-8000",
                            "rep_ref": "R1"})
    monkeypatch.setenv("DIRECTCRM_DATABASE_URL", database_url)
    monkeypatch.setenv("DIRECTCRM_KEYS", keyring.to_json())
    monkeypatch.setenv("DIRECTCRM_INSTANCE_PATH", str(tmp_path))
    reset_runtime()
    runner = CliRunner()
    try:
        out = runner.invoke(cli, ["customers", "find", "--brand", "A", "--phone",
                                  "+86 138 0013 8000", "--format", "json"])
        assert out.exit_code == 0, out.output
        # "138-0013-8000" masked: first 3 + **** + last 4
        assert json.loads(out.output) == [{"customer_ref": "C1", "name": "李娜",
                                           "phone": "138****8000", "rep_ref": "R1"}]
        out = runner.invoke(cli, ["customers", "find", "--brand", "A", "--phone",
                                  "0086 13800138000"])
        assert out.output.splitlines() == ["customer_ref,name,phone,rep_ref",
                                           "C1,李娜,138****8000,R1"]
        out = runner.invoke(cli, ["customers", "find", "--brand", "A", "--phone", "1"])
        assert out.output.splitlines() == ["customer_ref,name,phone,rep_ref"]
        out = runner.invoke(cli, ["customers", "find", "--brand", "Z", "--phone", "1"])
        assert out.exit_code == 1 and "No brand with code Z" in out.output
    finally:
        reset_runtime()
        set_keyring(keyring)


def test_masked_helpers(ctx_a):
    customer = create_customer(ctx_a, {"customer_ref": "C1", "name": "李娜",
                                       "phone": "13800138000", "wechat_id": "wxid_abcdef12"})
    assert masked("13800138000") == "138****8000"
    assert masked(None) is None and masked("123") == "***"
    assert sensitive_fields(Customer) == ["phone", "wechat_id"]
    shown = masked_dict(customer, json_safe=True)
    assert shown["phone"] == "138****8000"
    assert shown["wechat_id"] == "wxi****ef12"  # 13 characters: first 3 + **** + last 4
    assert "phone_hash" not in shown and "wechat_hash" not in shown
    assert shown["customer_ref"] == "C1" and shown["lifecycle_stage"] == "prospect"
    assert shown["created_at"] == "2026-03-02T02:00:00+00:00"  # the fixed test clock
