"""Impact assessments (P7): the register, review tasks, and the report's P7 result."""

from __future__ import annotations

import json

from sqlalchemy import select

from core.models import Task
from core.scheduler import run_jobs
from plugins.compliance.checks.base import month_period
from plugins.compliance.services import run_checks
from plugins.kyc import identity
from tests.plugins.kyc.helpers import give, setup_brand, utc


def test_register_reviews_and_p7(ctx_a, enable, clock, run_cli):
    setup_brand(ctx_a, enable)
    enable(ctx_a, "compliance")
    give(ctx_a, "C1", "sensitive_data", "visit")
    identity.verify(ctx_a, {"customer_ref": "C1", "id_type": "passport",
                            "id_number": "E12345678", "method": "onsite"})
    p7 = next(r for r in run_checks(ctx_a, month_period(ctx_a, 2026, 3)) if r.rule_id == "P7")
    # Identity numbers are held and no sensitive-data assessment is on file.
    assert (p7.status, p7.checked, len(p7.records)) == ("fail", 0, 1)
    r = run_cli("kyc", "assessment", "add", "--brand", "A", "--scope", "实名核验：身份证号",
                "--trigger", "sensitive_data", "--assessed-on", "2025-01-10", "--decision",
                "加密保存，限制查看", "--review-on", "2026-01-10")
    assert r.exit_code == 0, r.output
    r = run_cli("kyc", "assessment", "add", "--brand", "A", "--scope", "画像", "--trigger",
                "automated_decision", "--assessed-on", "2026-02-01", "--decision", "可以")
    assert r.exit_code == 0, r.output
    bad = run_cli("kyc", "assessment", "add", "--brand", "A", "--scope", "x", "--trigger",
                  "other", "--assessed-on", "2026-02-01", "--decision", "y", "--review-on",
                  "2026-01-01")
    assert bad.exit_code == 1 and "review_on" in bad.output
    rows = json.loads(run_cli("kyc", "assessment", "list", "--brand", "A", "--format",
                              "json").output)
    # The second one is reviewed a year after it was made.
    assert [(x["ref"], x["review_on"]) for x in rows] == [("PIA-0001", "2026-01-10"),
                                                          ("PIA-0002", "2027-02-01")]
    run_jobs(ctx_a)
    run_jobs(ctx_a)
    ctx_a.session.rollback()
    assert list(ctx_a.session.scalars(select(Task.rule_key).where(
        Task.kind == "kyc_assessment_review"))) == ["kyc:pia:PIA-0001:2026-01-10"]
    clock.value = utc(2026, 4, 2, 2)
    p7 = next(r for r in run_checks(ctx_a, month_period(ctx_a, 2026, 3)) if r.rule_id == "P7")
    assert (p7.checked, [r[0] for r in p7.records]) == (2, ["PIA-0001"])  # review overdue
