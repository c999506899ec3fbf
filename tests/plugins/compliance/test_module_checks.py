"""Other modules' checks (``crm_compliance_checks``) join the report."""

from __future__ import annotations

import subprocess

from core.events import ComplianceResult
from plugins.compliance.report.generate import generate_compliance_report


def test_module_results_fill_their_rules_and_show_in_the_pdf(clean_a, fake_pay, results,
                                                             tmp_path):
    module = fake_pay(clean_a)
    module.results = [
        ComplianceResult(rule_id="S1", status="fail", title="Complaints SLA", checked=10,
                         failed=1, columns=("Complaint", "Hours to first response"),
                         records=(("CP-7", 31),), source="brand policy", module="fakepay"),
        ComplianceResult(rule_id="P8", status="pass", title="Access logs", checked=3,
                         module="fakepay"),
    ]
    res = results(clean_a)
    assert res["S1"].status == "fail" and res["S1"].module == "fakepay"
    assert res["P8"].status == "pass"  # not in the CN pack: listed after the pack's rules
    assert list(res)[-1] == "P8"
    out = tmp_path / "m.pdf"
    generate_compliance_report(clean_a, "2026-02", out, locale="en")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "S1 · Complaints SLA" in text and "CP-7" in text and "P8" in text
