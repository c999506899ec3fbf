"""The referral commands, the import, and what the compliance module sees (DS7, R1)."""

from __future__ import annotations

import json

from sqlalchemy import select

from core.services.customers import create_customer, update_customer
from plugins.compliance.checks.base import month_period
from plugins.compliance.services import run_checks
from plugins.referral import services
from plugins.referral.models import Referral
from tests.plugins.referral.test_programme import _brand, _qualify


def test_code_link_add_rewards_and_review(ctx_a, enable, clock, run_cli):
    _brand(ctx_a, enable)
    r = run_cli("referral", "code", "--brand", "A", "--customer", "A", "--format", "json",
                "--base-url", "https://crm.example.com")
    data = json.loads(r.output)
    code = data["code"]
    assert len(code) == 6 and not set(code) & set("01IOL")
    assert data["link"] == f"https://crm.example.com/r/A/{code}"
    again = json.loads(run_cli("referral", "code", "--brand", "A", "--customer", "A",
                               "--format", "json").output)
    assert again["code"] == code  # one code per customer
    r = run_cli("referral", "add", "--brand", "A", "--code", code.lower(), "--referred", "B",
                "--at", "2026-03-02T09:00:00")
    assert r.exit_code == 0, r.output
    r = run_cli("referral", "add", "--brand", "A", "--referrer", "B", "--referred", "B")
    assert r.exit_code == 1 and "referred_ref" in r.output
    r = run_cli("referral", "review", "--brand", "A", "999", "reject")
    assert r.exit_code == 1 and "reason" in r.output


def test_import_names_lines_and_is_all_or_nothing(ctx_a, enable, run_cli, tmp_path):
    _brand(ctx_a, enable)
    bad = tmp_path / "bad.csv"
    bad.write_text("referrer_ref,referred_ref,referred_at\n"
                   "A,B,2026-03-01T09:00:00\n"
                   "A,A,2026-03-01T09:00:00\n"
                   "Z,C,2026-03-01T09:00:00\n", encoding="utf-8")
    r = run_cli("import", "referrals", str(bad), "--brand", "A")
    assert r.exit_code == 1
    assert "line 3: referred_ref" in r.output and "line 4: referrer_ref" in r.output
    assert "line 2" not in r.output
    ctx_a.session.rollback()
    assert ctx_a.session.scalar(select(Referral.id)) is None
    good = tmp_path / "good.csv"
    good.write_text("referrer_ref,referred_ref,referred_at\nA,B,2026-03-01T09:00:00\n"
                    "A,C,2026-03-01T10:00:00\n", encoding="utf-8")
    assert "2 recorded" in run_cli("import", "referrals", str(good), "--brand", "A").output
    assert "0 recorded" in run_cli("import", "referrals", str(good), "--brand", "A").output


def test_a_reward_reaching_a_rep_counts_toward_ds7_and_r1_reads_the_programme(
        ctx_a, enable, clock):
    _brand(ctx_a, enable)
    enable(ctx_a, "loyalty")
    update_customer(ctx_a, "A", {"phone": "13900000000"})  # A is rep R1 (same phone)
    _qualify(ctx_a, clock, "A", "B", day=2)
    enable(ctx_a, "compliance")  # for the report only (its order rules would want a
    # certificate for R1's orders, which this test is not about)
    results = {r.rule_id: r for r in run_checks(ctx_a, month_period(ctx_a, 2026, 4))}
    r1 = results["R1"]
    assert (r1.status, r1.checked) == ("pass", 2)  # both sides' rewards, on a paid order
    import datetime as dt

    from core.api import Rep
    from plugins.loyalty.reports import rep_pay_items
    r1_id = ctx_a.session.scalar(select(Rep.id).where(Rep.rep_ref == "R1"))
    items = rep_pay_items(ctx_a, dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    # 100 referral points reached the rep in April (qualified on 2026-04-01).
    assert [(i.rep_id, i.kind) for i in items] == [(r1_id, "loyalty_points")]


def test_hooks_only_for_brands_with_the_module(ctx_a, ctx_b, enable, run_cli):
    _brand(ctx_a, enable)
    create_customer(ctx_b, {"customer_ref": "B1", "name": "林"})
    r = run_cli("referral", "code", "--brand", "B", "--customer", "B1")
    assert r.exit_code == 1 and "referral" in r.output
    from core.scheduler import run_jobs
    names = {j.job for j in run_jobs(ctx_b)}
    assert "referral.programme" not in names
    assert services.MODULE in ctx_a.enabled_modules


def test_the_tiers_setting_is_checked(ctx_a, enable, run_cli):
    _brand(ctx_a, enable)
    for bad in ("4:100", "1:100,1:150", "1:0", "one:100"):
        r = run_cli("settings", "set", "--brand", "A", "referral.referrer_tiers", bad)
        assert r.exit_code == 1 and "referral.referrer_tiers" in r.output, (bad, r.output)
    r = run_cli("settings", "set", "--brand", "A", "referral.referrer_tiers", "1:80,5:120")
    assert r.exit_code == 0, r.output
    from plugins.referral.programme import tier_value
    from plugins.referral.settings import parse_tiers
    assert [tier_value(parse_tiers("1:80,5:120"), n) for n in (1, 4, 5, 9)] == [80, 80, 120,
                                                                               120]
