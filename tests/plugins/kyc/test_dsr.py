"""Data-subject requests: deadlines, overdue tasks, the export archive, erasure."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from core.audit.models import AuditEntry
from core.models import Customer, Interaction, Order, OrderLine, Payment, Return, Task
from core.scheduler import run_jobs
from core.services.activities import create_interaction
from core.services.customers import create_customer
from core.services.orders import create_order, create_return
from core.services.products import create_product
from core.services.settings import set_settings
from plugins.kyc import dsr, identity
from plugins.kyc.dsr import due_date
from plugins.kyc.models import RequestKind
from plugins.loyalty.models import LoyaltyEntry
from tests.plugins.kyc.helpers import give, setup_brand, utc

D = dt.date


@pytest.mark.parametrize(("jurisdiction", "kind", "opened", "due"), [
    ("CN", "access", D(2026, 3, 2), D(2026, 3, 17)),      # 15 days
    ("CN", "delete", D(2026, 3, 2), D(2026, 3, 17)),
    ("TW", "access", D(2026, 3, 2), D(2026, 3, 17)),      # 15 days to see or copy
    ("TW", "delete", D(2026, 3, 2), D(2026, 4, 1)),       # 30 days to delete
    ("EU", "export", D(2026, 1, 31), D(2026, 2, 28)),     # one month, clamped
    ("EU", "export", D(2026, 3, 2), D(2026, 4, 2)),
    ("US", "delete", D(2026, 3, 2), D(2026, 4, 16)),      # 45 days
])
def test_deadline_by_jurisdiction(jurisdiction, kind, opened, due):
    assert due_date(jurisdiction, RequestKind(kind), opened) == due


def test_open_uses_the_brands_jurisdiction_and_the_setting(ctx_a, ctx_b, enable, run_cli):
    setup_brand(ctx_a, enable)
    setup_brand(ctx_b, enable)  # brand B is TW
    r = run_cli("dsr", "open", "--brand", "A", "--customer", "C1", "--kind", "access",
                "--at", "2026-03-02T10:00:00", "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["due_on"] == "2026-03-17"
    assert dsr.open_request(ctx_b, {"customer_ref": "C1", "kind": "delete"}).due_on == \
        D(2026, 4, 1)
    set_settings(ctx_a, {"kyc.dsr_days": 10})
    request = dsr.open_request(ctx_a, {"customer_ref": "C1", "kind": "correct"})
    assert (request.request_ref, request.due_on) == ("DSR-2026-00002", D(2026, 3, 12))


def test_overdue_requests_are_listed_and_raise_one_task(ctx_a, enable, clock):
    setup_brand(ctx_a, enable, customers=("C1", "C2"))
    dsr.open_request(ctx_a, {"customer_ref": "C1", "kind": "access",
                             "at": "2026-02-01T10:00:00"})   # due 2026-02-16: late
    dsr.open_request(ctx_a, {"customer_ref": "C2", "kind": "access"})  # due 2026-03-17
    late = dsr.list_requests(ctx_a, overdue_only=True)
    assert [(r.customer_ref, r.due_on) for r in late] == [("C1", D(2026, 2, 16))]
    run_jobs(ctx_a)
    run_jobs(ctx_a)
    ctx_a.session.rollback()
    assert list(ctx_a.session.scalars(select(Task.rule_key).where(
        Task.kind == "kyc_dsr_overdue"))) == ["kyc:dsr:DSR-2026-00001"]
    with pytest.raises(Exception, match="reason"):
        dsr.close_request(ctx_a, "DSR-2026-00001", outcome=" ", refused=True)
    dsr.close_request(ctx_a, "DSR-2026-00001", outcome="不能识别申请人身份", refused=True)
    assert dsr.list_requests(ctx_a, overdue_only=True) == []


NAME, PHONE, EMAIL, WECHAT = "欧阳娜娜", "13912345678", "nana.ouyang@example.com", "nana_wx88"
ID_NUMBER = "440304199003071234"


def _person(ctx, enable, clock) -> None:
    """A customer with everything: orders, a payment, a return, points, contact history,
    a task, consents, an identity document, and a second customer left alone."""
    setup_brand(ctx, enable, customers=("OTHER",))
    enable(ctx, "loyalty")
    create_customer(ctx, {"customer_ref": "P1", "name": NAME, "phone": PHONE, "email": EMAIL,
                          "wechat_id": WECHAT, "rep_ref": "R1", "birthday": "1990-03-07",
                          "tags": ["needs:敏感肌"]})
    create_product(ctx, {"sku": "SKU1", "name": "面霜", "category": "cosmetics",
                         "list_price": "150.00"})
    create_product(ctx, {"sku": "SKU2", "name": "精华", "category": "cosmetics",
                         "list_price": "99.50"})
    clock.value = utc(2026, 2, 1, 2)
    for ref, customer in (("O1", "P1"), ("O2", "P1"), ("O3", "OTHER")):
        create_order(ctx, {"order_ref": ref, "customer_ref": customer,
                           "ordered_at": "2026-02-01T09:00:00", "status": "paid",
                           "lines": [{"sku": "SKU1", "quantity": 2, "unit_price": "150.00"},
                                     {"sku": "SKU2", "quantity": 1, "unit_price": "99.50"}]})
    create_return(ctx, {"return_ref": "RT1", "order_ref": "O1", "requested_at":
                        "2026-02-03T09:00:00", "refunded_at": "2026-02-04T09:00:00",
                        "reason": f"{NAME} 说过敏了", "lines": [{"sku": "SKU2", "quantity": 1,
                                                               "amount": "99.50"}]})
    clock.value = utc(2026, 3, 2, 2)
    cid = ctx.session.scalar(select(Customer.id).where(Customer.customer_ref == "P1"))
    create_interaction(ctx, {"customer_ref": "P1", "kind": "call",
                             "occurred_at": "2026-02-05T10:00:00",
                             "summary": f"{NAME} 问面霜，电话 {PHONE}"})
    with ctx.write() as session:
        session.add(Task(brand_id=ctx.brand_id, customer_id=cid, rep_id=None,
                         title=f"回访 {NAME}", kind="follow_up", due_at=ctx.now(),
                         status="open", created_at=ctx.now()))
    give(ctx, "P1", "sensitive_data", "visit", at="2026-02-01T09:00:00")
    give(ctx, "P1", "marketing", "wechat", at="2026-02-01T09:00:00")
    identity.verify(ctx, {"customer_ref": "P1", "id_type": "passport",
                          "id_number": ID_NUMBER[:9], "method": "onsite",
                          "legal_name": NAME})


def _count(ctx, model, *where) -> int:
    return ctx.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_the_export_holds_every_part(ctx_a, enable, clock, tmp_path, run_cli):
    _person(ctx_a, enable, clock)
    ref = dsr.open_request(ctx_a, {"customer_ref": "P1", "kind": "export"}).request_ref
    r = run_cli("dsr", "export", "--brand", "A", ref, "--out", str(tmp_path))
    assert r.exit_code == 0, r.output
    archive = zipfile.ZipFile(Path(r.output.strip()))
    data = json.loads(archive.read("data.json"))
    parts = data["parts"]
    ctx_a.session.rollback()
    cid = ctx_a.session.scalar(select(Customer.id).where(Customer.customer_ref == "P1"))
    orders = select(Order.id).where(Order.customer_id == cid)
    expected = {
        "profile": 1, "tags": 1, "orders": 2, "order_lines": 4, "payments": 2,
        "returns": 1, "return_lines": 1, "interactions": 1, "tasks": 1, "consents": 2,
        "identities": 1, "verifications": 1, "data_requests": 1,
        "loyalty_ledger": _count(ctx_a, LoyaltyEntry, LoyaltyEntry.customer_id == cid),
    }
    # The same counts straight from the tables (an independent look at the database).
    assert _count(ctx_a, OrderLine, OrderLine.order_id.in_(orders)) == 4
    assert _count(ctx_a, Payment, Payment.order_id.in_(orders)) == 2
    assert _count(ctx_a, Return, Return.order_id.in_(orders)) == 1
    assert _count(ctx_a, Interaction, Interaction.customer_id == cid) == 1
    assert expected["loyalty_ledger"] >= 3  # two earns and a reversal
    for key, n in expected.items():
        assert len(parts[key]["rows"]) == n, key
    profile = dict(zip(parts["profile"]["columns"], parts["profile"]["rows"][0], strict=True))
    assert (profile["name"], profile["phone"], profile["email"]) == (NAME, PHONE, EMAIL)
    assert {row[0] for row in parts["orders"]["rows"]} == {"O1", "O2"}  # not O3
    assert "audit" in parts and parts["audit"]["rows"]
    names = set(archive.namelist())
    assert {f"{k}.csv" for k in expected} <= names and f"{ref}.pdf" in names
    csv_lines = archive.read("order_lines.csv").decode().splitlines()
    assert len(csv_lines) == 1 + 4
    pdf = tmp_path / "copy.pdf"
    pdf.write_bytes(archive.read(f"{ref}.pdf"))
    text_out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
    assert NAME in text_out and "O1" in text_out
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    assert "CJK" in fonts
    assert dsr.get_request(ctx_a, ref).status.value == "done"


def _raw_bytes(database_url: str) -> bytes:
    """Everything the database holds on disk (SQLite: the file and its WAL) or in a dump
    (PostgreSQL: pg_dump of the whole database)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database)
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return subprocess.run(["pg_dump", "--data-only", dsn], capture_output=True,
                          check=True).stdout


def test_erasure_leaves_no_trace_and_keeps_the_sums(ctx_a, enable, clock, database_url,
                                                    run_cli):
    _person(ctx_a, enable, clock)
    ctx_a.session.rollback()
    cid = ctx_a.session.scalar(select(Customer.id).where(Customer.customer_ref == "P1"))
    totals = sorted(ctx_a.session.scalars(select(Order.total_amount)))
    points = ctx_a.session.scalar(select(func.sum(LoyaltyEntry.points)).where(
        LoyaltyEntry.customer_id == cid))
    audit_before = _count(ctx_a, AuditEntry)
    secrets = [NAME, PHONE, EMAIL, WECHAT, ID_NUMBER[:9]]
    raw = _raw_bytes(database_url)
    assert NAME.encode() in raw or json.dumps(NAME)[1:-1].encode() in raw  # it was there
    ref = dsr.open_request(ctx_a, {"customer_ref": "P1", "kind": "delete"}).request_ref
    r = run_cli("dsr", "erase", "--brand", "A", ref)
    assert r.exit_code == 0, r.output
    ctx_a.session.rollback()
    raw = _raw_bytes(database_url)
    for secret in secrets:
        assert secret.encode() not in raw, secret
        assert json.dumps(secret)[1:-1].encode() not in raw, secret
    assert sorted(ctx_a.session.scalars(select(Order.total_amount))) == totals
    assert ctx_a.session.scalar(select(func.sum(LoyaltyEntry.points)).where(
        LoyaltyEntry.customer_id == cid)) == points
    assert sum(totals, Decimal(0)) == Decimal("1198.50")  # 3 orders x 399.50
    # Nothing was deleted from the audit log; the erasure itself is in it.
    actions = list(ctx_a.session.scalars(select(AuditEntry.action).where(
        AuditEntry.id > 0).order_by(AuditEntry.id)))
    assert len(actions) >= audit_before + 2 and {"erase", "pseudonymise"} <= set(actions)
    customer = ctx_a.session.get(Customer, cid)
    assert (customer.name, customer.phone, customer.email) == ("[erased]", None, None)
    other = ctx_a.session.scalar(select(Customer).where(Customer.customer_ref == "OTHER"))
    assert other.name == "客户0" and other.phone == "13800000000"
    assert dsr.get_request(ctx_a, ref).status.value == "done"
    # Still append-only for everyone else.
    with pytest.raises(Exception, match="append-only"), ctx_a.write() as session:
        session.execute(text("UPDATE audit_log SET actor = 'x'"))


def test_extensions_follow_the_jurisdiction(ctx_a, ctx_b, enable, run_cli):
    setup_brand(ctx_a, enable)   # CN: no extension
    setup_brand(ctx_b, enable)   # TW: once more the same period
    a = dsr.open_request(ctx_a, {"customer_ref": "C1", "kind": "access"}).request_ref
    r = run_cli("dsr", "extend", "--brand", "A", a, "--until", "2026-03-30", "--reason", "x")
    assert r.exit_code == 1 and "until" in r.output
    b = dsr.open_request(ctx_b, {"customer_ref": "C1", "kind": "delete"})  # due 2026-04-01
    with pytest.raises(Exception, match="until"):
        dsr.extend_request(ctx_b, b.request_ref, D(2026, 5, 2), "整理资料")  # 31 days more
    done = dsr.extend_request(ctx_b, b.request_ref, D(2026, 5, 1), "整理资料")
    assert done.extended_to == D(2026, 5, 1)
    assert [r.due_on for r in dsr.list_requests(ctx_b)] == [D(2026, 5, 1)]
