"""Dashboard and rep-page figures, computed by hand from the seeded orders."""

from __future__ import annotations

from decimal import Decimal

from core.context import Ctx
from core.models import Rep
from core.services.figures import dashboard_figures, rep_summary
from core.services.orders import create_order
from core.services.profile import customer_profile
from core.services.scoping import get_by_ref
from tests.web.seed import Seeded


def test_dashboard_months_follow_the_brand_timezone(ctx_a: Ctx, seeded: Seeded) -> None:
    # 2026-02-28 16:30 UTC is 2026-03-01 00:30 in Shanghai: a March sale.
    create_order(ctx_a, {"order_ref": "O5", "customer_ref": "C2",
                         "ordered_at": "2026-02-28T16:30:00+00:00",
                         "lines": [{"sku": "P1", "quantity": 1, "unit_price": "199.00"}]})
    fig = dashboard_figures(ctx_a)
    assert fig.months[-3:] == ["2026-01", "2026-02", "2026-03"]
    assert len(fig.months) == 12 and fig.months[0] == "2025-04"
    # Jan: O1 199.00; Feb: O2 2 x 299.00 = 598.00; Mar: O3 599.00 + O5 199.00 = 798.00
    # (O4 is pending and does not count).
    assert fig.sales[-3:] == [Decimal("199.00"), Decimal("598.00"), Decimal("798.00")]
    assert sum(fig.sales[:-3]) == 0
    assert fig.sales_this_month == Decimal("798.00") and fig.orders_this_month == 2
    # The four customers were created on the test clock's day, in March.
    assert fig.new_customers[-1] == 4 and sum(fig.new_customers) == 4
    # C1 two paid orders → repeat; C2 (O5) and C3 (O3) → first purchase; C4 → prospect.
    assert dict(fig.stages) == {"prospect": 1, "first_purchase": 2, "repeat": 1,
                                "advocate": 0, "churned": 0}
    assert fig.customers_total == 4 and fig.overdue_total == 0


def test_rep_sees_own_figures(ctx_a: Ctx, seeded: Seeded) -> None:
    ctx_a.rep_scope_id = seeded.reps["R1"]
    fig = dashboard_figures(ctx_a)
    # R1's customers C1 and C2: O1 (Jan 199.00) and O2 (Feb 598.00); O3 is R2's.
    assert fig.sales[-3:] == [Decimal("199.00"), Decimal("598.00"), Decimal("0.00")]
    assert fig.customers_total == 2
    ctx_a.rep_scope_id = None
    summary = rep_summary(ctx_a, get_by_ref(ctx_a, Rep, "R2"))
    # R2 this month: O3 599.00 paid; O4 pending.
    assert summary.sales_this_month == Decimal("599.00") and summary.orders_this_month == 1
    # By name: 赵敏 (U+8D75) sorts before 陈静 (U+9648) in code-point order.
    assert [c.customer_ref for c in summary.customers] == ["C4", "C3"]


def test_customer_profile_figures(ctx_a: Ctx, seeded: Seeded) -> None:
    p = customer_profile(ctx_a, seeded.customers["C1"])
    # O1 199.00 + O2 598.00 = 797.00; no refunds.
    assert p.orders_paid == 2 and p.revenue == Decimal("797.00")
    assert p.refunded == Decimal("0.00")
    assert [e.title for e in p.timeline] == ["O2", "O1"]
    assert p.phone_masked == "138****8001" and p.tags == ["VIP"]
