"""The balances report and CLI, the customer page section, and rep pay for DS7."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from core.cli import common
from core.events import PayItem
from core.models import Customer, Rep
from core.services.customers import create_customer
from core.services.scoping import get_by_ref
from plugins.loyalty import reports, services
from tests.plugins.loyalty.conftest import pay, refund


@pytest.fixture()
def cli_runner(rt, monkeypatch):
    monkeypatch.setattr(common, "_runtime", rt)
    common.load_plugin_commands()
    return CliRunner()


def test_balances_as_of_a_date_and_now(loyal_a):
    pay(loyal_a, "O1", "487.50", qty=5)  # 2026-03-01: +487
    refund(loyal_a, "R1", "O1", "100.00")  # 2026-03-05: −100
    services.redeem_points(loyal_a, {"customer_ref": "C1", "points": 120,
                                     "redemption_ref": "X1"})  # now (2026-03-02): −120
    # as of the end of 2026-03-03 (Shanghai): earned 487, redeemed 120, nothing reversed yet
    assert reports.balances(loyal_a, dt.date(2026, 3, 3)) == [
        ("C1", "普通会员", 487, 120, 0, 0, 367)]
    # as of the end of 2026-03-05 the refund counts: 487 − 120 − 100 = 267
    assert reports.balances(loyal_a, dt.date(2026, 3, 5)) == [
        ("C1", "普通会员", 487, 120, 0, 100, 267)]
    assert reports.balances(loyal_a, dt.date(2026, 2, 28)) == []


def test_cli_balances_csv_json_and_adjust(loyal_a, cli_runner):
    pay(loyal_a, "O1", "487.50")
    result = cli_runner.invoke(common.cli, ["loyalty", "adjust", "--brand", "A", "--customer",
                                            "C1", "--points", "13", "--reason", "goodwill",
                                            "--user", "li.manager"])
    assert result.exit_code == 0, result.output
    result = cli_runner.invoke(common.cli, ["loyalty", "balances", "--brand", "A"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "customer_ref,tier,earned,redeemed,expired,reversed,balance",
        "C1,普通会员,500,0,0,0,500"]  # 487 earned + 13 adjusted
    result = cli_runner.invoke(common.cli, ["loyalty", "balances", "--brand", "A",
                                            "--as-of", "2026-03-01", "--format", "json"])
    assert json.loads(result.output) == [{"customer_ref": "C1", "tier": "普通会员",
                                          "earned": 487, "redeemed": 0, "expired": 0,
                                          "reversed": 0, "balance": 487}]
    bad = cli_runner.invoke(common.cli, ["loyalty", "balances", "--brand", "A",
                                         "--as-of", "31/03/2026"])
    assert bad.exit_code == 1 and "as_of" in bad.output
    off = cli_runner.invoke(common.cli, ["loyalty", "balances", "--brand", "B"])
    assert off.exit_code == 1 and "not enabled" in off.output


def test_profile_section_escapes_html(loyal_a):
    pay(loyal_a, "O1", "100.00")
    services.adjust(loyal_a, {"customer_ref": "C1", "points": 5,
                              "reason": "<script>alert('x')</script> & more"})
    cid = get_by_ref(loyal_a, Customer, "C1").id
    [section] = [s for group in loyal_a.hooks.crm_customer_profile_sections(
        ctx=loyal_a, customer_id=cid) for s in group]
    assert section.key == "loyalty"
    assert "<script>" not in section.html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more" in section.html
    assert "105" in section.html and "普通会员" in section.html


def test_points_reaching_a_rep_count_as_rep_pay(loyal_a):
    # the rep R1 (phone 13900000001) is also customer C9: same phone, other formatting
    create_customer(loyal_a, {"customer_ref": "C9", "name": "王芳", "phone": "139 0000 0001"},
                    allow_duplicate=True)
    pay(loyal_a, "O1", "1000.00", customer="C9")  # 1000 points
    pay(loyal_a, "O2", "300.00", customer="C1")  # C1 is no rep: not counted
    pay(loyal_a, "O3", "50.00", customer="C9", at="2026-04-01T10:00:00")  # next month
    rep = get_by_ref(loyal_a, Rep, "R1")
    items = loyal_a.hooks.crm_rep_pay_items(ctx=loyal_a, period_start=dt.date(2026, 3, 1),
                                            period_end=dt.date(2026, 3, 31))
    # 1000 points at 100 points per yuan = 10.00
    assert [i for group in items for i in group] == [PayItem(
        rep_id=rep.id, period="2026-03", kind="loyalty_points", amount=Decimal("10.00"),
        source="loyalty", inputs=("own_purchases", "points"))]
