"""The privacy rules in the compliance report, from the kyc module's data."""

from __future__ import annotations

import subprocess

from sqlalchemy import select

from core.models import Customer, Task
from core.services.customers import update_customer
from plugins.compliance.checks.base import month_period
from plugins.compliance.services import run_checks
from plugins.kyc import dsr, identity
from tests.plugins.kyc.helpers import give, notice, setup_brand, utc, withdraw


def _seed(ctx, enable, clock):
    """March 2026: one finding per rule, each worked out by hand below."""
    setup_brand(ctx, enable, customers=("C1", "C2", "C3", "KID", "ID1"))
    enable(ctx, "compliance")
    for ref in ("C1", "C2", "C3"):
        give(ctx, ref, "marketing", "wechat", at="2026-03-01T09:00:00")   # P1: 3 given, v1
    notice(ctx, "marketing", "v2", "2026-03-02")                       # material: C1-C3 due
    give(ctx, "C2", "marketing", "wechat")                             # C2 answers v2
    withdraw(ctx, "C3", "marketing", at="2026-03-02T09:00:00")          # P4: one withdrawal
    give(ctx, "KID", "care", "sms", at="2026-03-01T09:00:00")           # no birthday yet
    update_customer(ctx, "KID", {"birthday": "2016-05-01"})            # P3: a minor, no guardian
    give(ctx, "ID1", "sensitive_data", "visit", at="2026-03-01T09:00:00")
    identity.verify(ctx, {"customer_ref": "ID1", "id_type": "passport",
                          "id_number": "E12345678", "method": "onsite"})
    withdraw(ctx, "ID1", "sensitive_data")                              # P2: held w/o consent
    dsr.open_request(ctx, {"customer_ref": "C1", "kind": "access",
                           "at": "2026-03-01T10:00:00"})               # due 03-16, still open
    c3 = ctx.session.scalar(select(Customer.id).where(Customer.customer_ref == "C3"))
    with ctx.write() as session:                                       # P4 + P10: after withdrawal
        session.add(Task(brand_id=ctx.brand_id, customer_id=c3, rep_id=None, title="复购提醒",
                         kind="replenish", due_at=ctx.now(), status="open",
                         created_at=ctx.now()))


def test_privacy_rules_from_real_data(ctx_a, enable, clock):
    _seed(ctx_a, enable, clock)
    clock.value = utc(2026, 4, 2, 2)  # March is over
    results = {r.rule_id: r for r in run_checks(ctx_a, month_period(ctx_a, 2026, 3))}
    p1, p2, p3, p4, p5, p10 = (results[k] for k in ("P1", "P2", "P3", "P4", "P5", "P10"))
    # P1: 4 marketing consents + KYC's care + sensitive = 6 given in March; C1 still on v1.
    assert (p1.checked, p1.status, [r[0] for r in p1.records]) == (6, "warn", ["C1"])
    assert (p2.checked, p2.status, [r[0] for r in p2.records]) == (1, "fail", ["ID1"])
    assert (p3.checked, p3.status, [r[0] for r in p3.records]) == (1, "fail", ["KID"])
    # Both withdrawals name no channel, so each is five ledger rows.
    assert (p4.checked, [(r[0], r[2]) for r in p4.records]) == (5 + 5, [("C3", "replenish")])
    # The request was due on 16 March and is still open at the end of the month.
    assert (p5.checked, p5.status, [r[0] for r in p5.records]) == (
        1, "fail", ["DSR-2026-00001"])
    assert (p10.checked, [r[0] for r in p10.records]) == (1, ["C3"])


def test_the_pdf_has_the_privacy_sections(ctx_a, enable, clock, run_cli, tmp_path):
    _seed(ctx_a, enable, clock)
    out = tmp_path / "report.pdf"
    r = run_cli("report", "compliance", "--brand", "A", "--period", "2026-03", "--out",
                str(out), "--locale", "zh_Hans_CN")
    assert r.exit_code == 0, r.output
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    for rule in ("P1", "P2", "P3", "P4", "P5", "P10"):
        assert rule in text, rule
    assert "DSR-2026-00001" in text and "ID1" in text and "KID" in text
