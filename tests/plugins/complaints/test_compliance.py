"""S1 in the compliance report: the share within target per severity, missed targets,
escalations, from the module's tickets; checked in the PDF with pdftotext."""

from __future__ import annotations

import datetime as dt
import subprocess

from plugins.complaints import escalation, services
from plugins.compliance.checks.base import month_period
from plugins.compliance.report.generate import generate_compliance_report
from plugins.compliance.services import run_checks
from tests.plugins.complaints.helpers import at, open_, setup_brand


def _at(clock, text):
    clock.value = at(text).astimezone(dt.UTC)


def test_s1_figures_findings_and_pdf(ctx_a, enable, clock, tmp_path):
    setup_brand(ctx_a, enable)
    enable(ctx_a, "compliance")
    _at(clock, "2026-03-04T12:00")
    # Business clock, Mon-Fri 09-18. Opened Mon 2 Mar 09:00:
    # T1 normal: responded Mon 10:00 (due Mon 17:00: met), resolved Tue 10:00 (due Fri: met)
    # T2 normal: responded Tue 09:30 (missed), resolved Wed 10:00 (met)
    # T3 high: responded Mon 10:00 (due 13:00: met), unresolved, due 16 h = Mon 9 h +
    #     Tue 7 h = Tue 16:00 (missed); escalation 8 h = Mon 17:00
    # T4 low (calendar 24 h) opened Wed 11:00, due Thu 11:00: not decided, not counted.
    t1, t2, t3 = (open_(ctx_a, "2026-03-02T09:00:00+08:00", severity=s)
                  for s in ("normal", "normal", "high"))
    open_(ctx_a, "2026-03-04T11:00:00+08:00", severity="low")
    for t, responded, resolved in ((t1, "2026-03-02T10:00", "2026-03-03T10:00"),
                                   (t2, "2026-03-03T09:30", "2026-03-04T10:00"),
                                   (t3, "2026-03-02T10:00", None)):
        services.act(ctx_a, t.ref, "respond", {"at": responded + ":00+08:00"})
        if resolved:
            services.act(ctx_a, t.ref, "resolve", {"at": resolved + ":00+08:00",
                                                   "resolution": "apology"})
    escalation.run(ctx_a)  # T3: resolution missed (level 1), escalation 8 h passed (level 2)
    res = {r.rule_id: r for r in run_checks(ctx_a, month_period(ctx_a, 2026, 3))}["S1"]
    assert (res.status, res.checked, res.failed, res.module) == ("fail", 4, 2, "complaints")
    figures = dict(res.figures)
    assert figures["Complaints opened"] == 4
    assert figures["First response within target: Normal"] == 0.5      # 1 of 2
    assert figures["Resolution within target: Normal"] == 1.0          # 2 of 2
    assert figures["First response within target: High"] == 1.0        # 1 of 1
    assert figures["Resolution within target: High"] == 0.0            # 0 of 1
    assert "First response within target: Low" not in figures        # undecided
    assert figures["Targets missed"] == 2
    assert figures["Complaints escalated"] == 1
    assert figures["Complaints escalated to brand admins"] == 1
    assert [(r[0], r[3], r[4]) for r in res.records] == [
        (t2.ref, "First-response target", at("2026-03-02T17:00")),
        (t3.ref, "Resolution target", at("2026-03-03T16:00"))]
    out = tmp_path / "s1.pdf"

    generate_compliance_report(ctx_a, "2026-03", out, locale="en")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "S1" in text and "Complaints handled within the service levels" in text
    assert t2.ref in text and t3.ref in text and "Resolution within target: High" in text
    zh = tmp_path / "s1-zh.pdf"
    generate_compliance_report(ctx_a, "2026-03", zh, locale="zh_Hans_CN")
    text = subprocess.run(["pdftotext", "-layout", str(zh), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "投诉在服务时限内处理" in text and "解决达标率：高" in text and t3.ref in text


def test_a_refund_complaint_starts_ds8s_refund_clock(ctx_a, enable, clock):
    import pytest

    from core.api import ValidationFailed
    from core.services.orders import create_order, create_return
    from core.services.products import create_product

    setup_brand(ctx_a, enable)
    create_product(ctx_a, {"sku": "P1", "name": "面霜", "category": "cosmetics",
                           "list_price": "100.00"})
    _at(clock, "2026-03-20T12:00")
    create_order(ctx_a, {"order_ref": "O1", "customer_ref": "C1", "status": "paid",
                         "ordered_at": "2026-03-01T10:00:00+08:00",
                         "lines": [{"sku": "P1", "quantity": 1, "unit_price": "100.00"}]})
    # The return was recorded on 10 March and refunded on the 15th: 5 days, within DS8's 7.
    create_return(ctx_a, {"return_ref": "RT1", "order_ref": "O1",
                          "requested_at": "2026-03-10T10:00:00+08:00",
                          "refunded_at": "2026-03-15T10:00:00+08:00",
                          "lines": [{"sku": "P1", "quantity": 1, "amount": "100.00"}]})
    enable(ctx_a, "compliance")

    def ds8():
        return {r.rule_id: r for r in run_checks(ctx_a, month_period(ctx_a, 2026, 3))}["DS8"]

    assert ds8().failed == 0
    with pytest.raises(ValidationFailed) as caught:
        open_(ctx_a, "2026-03-06T10:00:00+08:00", category="return_refund", return_ref="NOPE")
    assert "return_ref" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:   # C2's complaint about C1's return
        open_(ctx_a, "2026-03-06T10:00:00+08:00", customer_ref="C2",
              category="return_refund", return_ref="RT1")
    assert "return_ref" in caught.value.errors
    # But the customer asked for the refund in a complaint on 6 March: 9 days, late.
    open_(ctx_a, "2026-03-06T10:00:00+08:00", category="return_refund", return_ref="RT1")
    result = ds8()
    assert result.failed == 1
    assert [(r[0], r[-1]) for r in result.records] == [("RT1", "refunded after 9 days")]
