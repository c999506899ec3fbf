"""With the real loyalty module: points that reach a rep are rep pay for DS7 and PY1."""

from __future__ import annotations

from decimal import Decimal

from core.services.customers import create_customer
from core.services.modules import enable_modules
from tests.plugins.compliance.conftest import order, rep


def test_points_earned_by_a_rep_count_as_pay(clean_a, results):
    enable_modules(clean_a, ["loyalty"])
    rep(clean_a, "R7", phone="13800000007")
    # The rep buys for themselves: a customer with the rep's phone.
    create_customer(clean_a, {"customer_ref": "C-R7", "name": "Rep R7 as customer",
                              "phone": "13800000007", "rep_ref": "R7"})
    order(clean_a, "O-R7", "2026-02-15T10:00:00", rep_ref="R7", customer="C-R7")
    res = results(clean_a)
    # Default programme: 1 point per ¥1 of the ¥200.00 order = 200 points, 100 points = ¥1,
    # so ¥2.00 of pay on ¥200.00 own sales = 1%: within the cap.
    assert res["DS7"].status == "pass" and res["DS7"].checked == 2  # R1 (import) and R7
    figures = dict(res["PY1"].figures)
    assert figures["loyalty / loyalty_points"] == "own_purchases, points"
    assert res["PY1"].status == "pass"
    from plugins.compliance.checks.base import month_period
    from plugins.compliance.checks.pay import collect_pay
    clean_a.session.rollback()
    pay = collect_pay(clean_a, month_period(clean_a, 2026, 2)).pay
    assert sorted(pay.values()) == [Decimal("2.00"), Decimal("60.00")]
