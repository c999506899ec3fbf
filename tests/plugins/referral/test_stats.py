"""The month's referral figures, worked out by hand on a small brand (``referral stats``)."""

from __future__ import annotations

import json
from decimal import Decimal

from core.api import create_lead
from core.services.customers import create_customer
from core.services.orders import create_return
from core.services.settings import set_settings
from plugins.referral import programme, reports, services
from tests.plugins.referral.test_programme import _brand, _order, _refer, utc


def _march(ctx, enable, clock):
    """February: A-D exist, A buys 500. March: E, F (referred by A), G (an event), C
    referred by B; three link openings (one more in February), one referral lead; E buys
    100, F buys 300 and gets 100 back, G buys 200; both of A's referrals qualify."""
    clock.value = utc(2026, 2, 20, 2)
    _brand(ctx, enable)
    set_settings(ctx, {"referral.return_days": 0})
    _order(ctx, "O4", "A", "2026-02-25T10:00:00", "500.00")
    code = services.code_for(ctx, "A")
    clock.value = utc(2026, 2, 28, 15, 59)  # 23:59 on 28 February in Shanghai
    services.record_view(ctx, code)
    clock.value = utc(2026, 2, 28, 16, 0)   # 00:00 on 1 March in Shanghai
    services.record_view(ctx, code)
    clock.value = utc(2026, 3, 3, 2)
    services.record_view(ctx, code.lower())
    services.record_view(ctx, code)
    services.record_view(ctx, "NOPE99")     # an unknown code counts nothing
    create_lead(ctx, {"lead_ref": "L1", "name": "赵", "phone": "13700000001",
                      "channel": "referral", "referrer_customer_ref": "A"})
    for i, (ref, channel) in enumerate((("E", "wechat_group"), ("F", None), ("G", "event"))):
        create_customer(ctx, {"customer_ref": ref, "name": f"客户{ref}", "rep_ref": "R1",
                              "phone": f"1360000{i:04d}",
                              **({"source_channel": channel} if channel else {})})
    clock.value = utc(2026, 3, 4, 6)
    _refer(ctx, "A", "E", "2026-03-03T11:00:00")
    _refer(ctx, "A", "F", "2026-03-04T11:00:00")
    _refer(ctx, "B", "C", "2026-03-04T12:00:00")
    clock.value = utc(2026, 3, 8, 2)
    _order(ctx, "O1", "E", "2026-03-05T10:00:00", "100.00")
    _order(ctx, "O2", "F", "2026-03-06T10:00:00", "300.00")
    _order(ctx, "O3", "G", "2026-03-07T10:00:00", "200.00")
    create_return(ctx, {"return_ref": "RF", "order_ref": "O2", "requested_at":
                        "2026-03-07T10:00:00", "refunded_at": "2026-03-07T11:00:00",
                        "lines": [{"sku": "P1", "quantity": 1, "amount": "100.00"}]})
    clock.value = utc(2026, 3, 10, 2)
    programme.run(ctx)


def test_the_months_figures(ctx_a, enable, clock):
    _march(ctx_a, enable, clock)
    s = reports.stats(ctx_a, "2026-03")
    # New in March: E, F, G; E and F were referred (C was, but is February's customer).
    assert (s.new_customers, s.referred_new, s.referral_rate) == (3, 2, Decimal("66.67"))
    assert dict(s.funnel) == {"link_views": 3, "leads": 1, "referrals": 3,
                              "first_orders": 2, "qualified": 2}
    # A's 1st and 2nd referrals earn 100 each, E and F 50 each: 300 for 2 customers.
    assert (s.reward_kind, s.reward_value, s.cost_per_acquired) == (
        "points", Decimal("300.00"), Decimal("150.00"))
    assert [(c.channel, c.new_customers, c.reward_cost, c.cost_per_customer)
            for c in s.channels] == [("referral", 2, Decimal("300.00"), Decimal("150.00")),
                                     ("event", 1, Decimal("0.00"), None)]
    # Referred buyers: E 100, F 300 - 100 = 200 -> 150. Others: A 500, G 200 -> 350.
    assert (s.ltv_referred, s.buyers_referred, s.ltv_others, s.buyers_others) == (
        Decimal("150.00"), 2, Decimal("350.00"), 2)
    assert [(t.customer_ref, t.referrals, t.qualified, t.reward_value)
            for t in s.top_referrers] == [("A", 2, 2, Decimal("200.00")),
                                          ("B", 1, 0, Decimal("0.00"))]
    # February: one link opening; A-D were new, and C was referred (in March) before
    # buying anything, so one of four; nothing qualified, so no cost per customer.
    feb = reports.stats(ctx_a, "2026-02")
    assert dict(feb.funnel) == {"link_views": 1, "leads": 0, "referrals": 0,
                                "first_orders": 0, "qualified": 0}
    assert (feb.new_customers, feb.referred_new, feb.referral_rate) == (4, 1, Decimal("25.00"))
    assert feb.cost_per_acquired is None and feb.ltv_others == Decimal("500.00")


def test_stats_command(ctx_a, enable, clock, run_cli):
    _march(ctx_a, enable, clock)
    out = run_cli("referral", "stats", "--brand", "A", "--period", "2026-03", "--format",
                  "json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["funnel"] == {"link_views": 3, "leads": 1, "referrals": 3,
                              "first_orders": 2, "qualified": 2}
    assert data["referral_rate"] == "66.67" and data["ltv_others"] == "350.00"
    text = run_cli("referral", "stats", "--brand", "A", "--period", "2026-03")
    assert "66.67%" in text.output and "A 客户A: 2" in text.output
    bad = run_cli("referral", "stats", "--brand", "A", "--period", "2026-13")
    assert bad.exit_code == 1 and "period" in bad.output and "YYYY-MM" in bad.output
