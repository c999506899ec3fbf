"""Earning, reversal on refund and cancellation, points payments: hand-computed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.errors import DomainError, ValidationFailed
from core.events import OrderPaid, OrderRefunded
from core.models import Customer
from core.services.orders import cancel_order, refund_event
from core.services.scoping import get_by_ref
from plugins.loyalty import services
from plugins.loyalty.models import LoyaltyAccount, LoyaltyEntry, LoyaltyTier
from tests.plugins.loyalty.conftest import balance, entries, pay, refund

UTC = dt.UTC


def test_install_gives_default_settings_and_tiers(loyal_a, ctx_b):
    from core.services.modules import enable_modules
    from plugins.loyalty.settings import programme

    s = programme(loyal_a)
    assert (s.earn_rate, s.rounding.value, s.validity_months, s.min_redemption) == \
        (Decimal("1"), "floor", 12, 100)
    # Nothing is stored for a value never set: the declared default applies.
    from core.services.settings import get_setting, list_settings

    assert "loyalty" not in (loyal_a.brand.settings or {})
    assert get_setting(loyal_a, "loyalty.validity_months") == 12
    assert {r.setting.name for r in list_settings(loyal_a) if r.setting.area == "loyalty"} \
        >= {"loyalty.earn_rate", "loyalty.validity_months", "loyalty.tier_basis"}
    assert not [r for r in list_settings(ctx_b) if r.setting.area == "loyalty"]
    names = [t.name for t in loyal_a.session.scalars(
        select(LoyaltyTier).where(LoyaltyTier.brand_id == loyal_a.brand_id)
        .order_by(LoyaltyTier.rank))]
    assert names == ["普通会员", "银卡", "金卡", "钻石"]
    enable_modules(ctx_b, ["loyalty"])  # brand B is zh_Hant_TW
    names_b = [t.name for t in ctx_b.session.scalars(
        select(LoyaltyTier).where(LoyaltyTier.brand_id == ctx_b.brand_id)
        .order_by(LoyaltyTier.rank))]
    assert names_b == ["普通會員", "銀卡", "金卡", "鑽石"]


def test_paid_order_earns_floor_of_net_with_expiry_a_year_later(loyal_a):
    pay(loyal_a, "O1", "487.50")
    [e] = entries(loyal_a)
    # 487.50 × 1 point per yuan × multiplier 1.00 (普通会员) = 487.5 → floor → 487
    assert (e[2], e[3], e[4], e[5]) == ("earn", 487, "order", "O1")
    # paid 2026-03-01 10:00 Shanghai; valid through 2027-03-01 local, i.e. until
    # 2027-03-02 00:00 +08:00 = 2027-03-01 16:00 UTC
    assert e[7] == dt.datetime(2027, 3, 1, 16, 0, tzinfo=UTC)
    assert e[6] == dt.datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # effective at payment time
    assert balance(loyal_a) == 487


def test_rounding_rule_and_earn_rate_are_settings(loyal_a):
    services.update_settings(loyal_a, {"earn_rate": "1.5", "rounding": "half_up"})
    pay(loyal_a, "O1", "99.90")
    # 99.90 × 1.5 = 149.85 → half up → 150 (floor would give 149)
    assert balance(loyal_a) == 150
    services.update_settings(loyal_a, {"rounding": "floor"})
    pay(loyal_a, "O2", "99.90", at="2026-03-01T11:00:00")
    assert balance(loyal_a) == 150 + 149


def test_tier_upgrade_on_paid_order_then_multiplier_applies(loyal_a):
    pay(loyal_a, "O1", "2000.00")
    # 2000 points at 1.00; rolling spend 2000.00 reaches 银卡 (min 2000) in the same batch
    cid = get_by_ref(loyal_a, Customer, "C1").id
    tier = loyal_a.session.scalar(select(LoyaltyTier.code).join(
        LoyaltyAccount, LoyaltyAccount.tier_id == LoyaltyTier.id).where(
        LoyaltyAccount.customer_id == cid))
    assert tier == "silver"
    pay(loyal_a, "O2", "100.00", at="2026-03-01T12:00:00")
    # 100.00 × 1 × 1.20 (银卡) = 120
    assert balance(loyal_a) == 2000 + 120


def test_points_paid_share_earns_nothing_and_is_spent(loyal_a):
    services.adjust(loyal_a, {"customer_ref": "C1", "points": 10000, "reason": "welcome gift"})
    pay(loyal_a, "O1", "300.00", points_amount="100.00")
    # 100.00 paid with points at 100 points per yuan = 10000 points redeemed;
    # earned on the 200.00 paid in money only: 200 points
    kinds = [(e[2], e[3]) for e in entries(loyal_a)]
    assert kinds == [("adjust", 10000), ("redeem", -10000), ("earn", 200)]
    assert balance(loyal_a) == 200


def test_points_payment_without_enough_points_is_refused_whole(loyal_a):
    pay(loyal_a, "O1", "150.00")  # 150 points
    with pytest.raises(ValidationFailed) as refused:
        pay(loyal_a, "O2", "300.00", points_amount="2.00", at="2026-03-01T11:00:00")
    assert refused.value.errors["payments"] == [
        "Paying 2.00 with points needs 200 points; the customer can spend 150."]
    # 2.00 needs 200 points, only 150: the order and every entry were rolled back
    assert [(e[2], e[3]) for e in entries(loyal_a)] == [("earn", 150)]


def test_points_payment_below_minimum_is_refused(loyal_a):
    services.adjust(loyal_a, {"customer_ref": "C1", "points": 1000, "reason": "gift"})
    with pytest.raises(ValidationFailed, match="minimum"):
        pay(loyal_a, "O1", "100.00", points_amount="0.50")  # 50 points < 100 minimum


def test_refunds_take_back_pro_rata_and_never_more_than_earned(loyal_a):
    pay(loyal_a, "O1", "487.50", qty=5)  # 487 points
    refund(loyal_a, "R1", "O1", "100.00")
    # half_up(487 × 100.00 / 487.50) = half_up(99.897) = 100 taken back
    assert balance(loyal_a) == 387
    refund(loyal_a, "R2", "O1", "387.50", at="2026-03-06T10:00:00", qty=4)
    # refunded 487.50 of 487.50 in all: 487 − 100 already = 387 more, nothing kept
    assert balance(loyal_a) == 0
    assert [(e[2], e[3], e[4], e[5]) for e in entries(loyal_a)][1:] == [
        ("reverse", -100, "refund", "R1"), ("reverse", -387, "refund", "R2")]


def test_three_thirds_refunded_leave_no_point_behind(loyal_a):
    pay(loyal_a, "O1", "3.00")  # 3 × 1 = 3 points... too small: use a bigger rate
    services.update_settings(loyal_a, {"earn_rate": "33.3334"})
    pay(loyal_a, "O2", "3.00", at="2026-03-01T11:00:00", qty=3)
    # O1: 3 points; O2: 3.00 × 33.3334 = 100.0002 → floor 100
    for i in range(3):
        refund(loyal_a, f"R{i}", "O2", "1.00", at=f"2026-03-0{5 + i}T10:00:00")
    # cumulative: half_up(100 × 1/3) = 33, half_up(100 × 2/3) = 67 → 34, then 100 → 33
    reversals = [e[3] for e in entries(loyal_a) if e[2] == "reverse"]
    assert reversals == [-33, -34, -33]
    assert balance(loyal_a) == 3


def test_same_paid_and_refunded_event_twice_adds_nothing(loyal_a):
    order = pay(loyal_a, "O1", "487.50")
    ret = refund(loyal_a, "R1", "O1", "100.00")
    before = entries(loyal_a)
    event = OrderPaid(order_id=order.id, order_ref="O1", customer_id=order.customer_id,
                      rep_id=order.rep_id, ordered_at=order.ordered_at, paid_at=order.paid_at,
                      amount=order.total_amount)
    loyal_a.session.refresh(ret)
    refunded: OrderRefunded = refund_event(loyal_a, ret, ret.order)
    with loyal_a.write():
        loyal_a.hooks.crm_order_paid(ctx=loyal_a, orders=[event, event])
        loyal_a.hooks.crm_order_refunded(ctx=loyal_a, refunds=[refunded])
    with loyal_a.write():
        loyal_a.hooks.crm_order_refunded(ctx=loyal_a, refunds=[refunded, refunded])
    assert entries(loyal_a) == before
    assert balance(loyal_a) == 387


def test_cancelling_a_paid_order_takes_back_everything(loyal_a):
    pay(loyal_a, "O1", "487.50")
    pay(loyal_a, "O2", "50.00", at="2026-03-01T11:00:00")
    cancel_order(loyal_a, "O1")
    cancel_order(loyal_a, "O1")  # already cancelled: nothing more
    assert balance(loyal_a) == 50
    assert [(e[2], e[3], e[4]) for e in entries(loyal_a)][-1] == ("reverse", -487,
                                                                   "cancellation")


def test_refund_of_points_paid_order_hands_points_back_once(loyal_a):
    services.adjust(loyal_a, {"customer_ref": "C1", "points": 10000, "reason": "gift"})
    pay(loyal_a, "O1", "300.00", points_amount="100.00", qty=2)  # −10000, +200 → 200
    refund(loyal_a, "R1", "O1", "150.00")
    # half of the order refunded: take back half_up(200 × 150/300) = 100 earned,
    # hand back half_up(10000 × 150/300) = 5000 redeemed: 200 − 100 + 5000 = 5100
    assert balance(loyal_a) == 5100
    refund(loyal_a, "R2", "O1", "150.00", at="2026-03-06T10:00:00")
    # the rest: 100 more taken back, 5000 more handed back: the 10000 gift is whole again
    assert balance(loyal_a) == 10000
    hand_backs = [(e[3], e[4]) for e in entries(loyal_a) if e[2] == "reverse" and e[3] > 0]
    assert hand_backs == [(5000, "refund_points"), (5000, "refund_points")]


def test_cancelling_points_paid_order_returns_points_not_charges(loyal_a):
    services.adjust(loyal_a, {"customer_ref": "C1", "points": 10000, "reason": "gift"})
    pay(loyal_a, "O1", "100.00", points_amount="100.00")  # all by points: earns nothing
    assert balance(loyal_a) == 0
    cancel_order(loyal_a, "O1")
    assert balance(loyal_a) == 10000
    assert [(e[2], e[3], e[4]) for e in entries(loyal_a)][-1] == (
        "reverse", 10000, "cancellation_points")


def test_refund_after_points_were_spent_never_goes_negative(loyal_a):
    pay(loyal_a, "O1", "500.00")  # 500 points
    services.redeem_points(loyal_a, {"customer_ref": "C1", "points": 450,
                                     "redemption_ref": "X1"})
    refund(loyal_a, "R1", "O1", "500.00")
    # 500 to take back but only 50 left: take 50, balance 0, never negative
    assert balance(loyal_a) == 0
    assert entries(loyal_a)[-1][3] == -50


def test_only_brands_that_enabled_loyalty_earn(loyal_a, ctx_b):
    from tests.plugins.loyalty.conftest import seed

    seed(ctx_b)
    pay(ctx_b, "O1", "487.50")
    pay(loyal_a, "O1", "100.00")
    assert entries(ctx_b) == []
    assert balance(loyal_a) == 100
    with pytest.raises(DomainError, match="not enabled"):
        services.adjust(ctx_b, {"customer_ref": "C1", "points": 5, "reason": "test"})


def test_disable_keeps_data_and_stops_earning_enable_keeps_settings(loyal_a):
    from core.services.modules import disable_modules, enable_modules

    services.update_settings(loyal_a, {"validity_months": 24})
    pay(loyal_a, "O1", "100.00")
    disable_modules(loyal_a, ["loyalty"])
    pay(loyal_a, "O2", "100.00", at="2026-03-01T11:00:00")
    assert [e[5] for e in entries(loyal_a)] == ["O1"]  # kept, and O2 earned nothing
    enable_modules(loyal_a, ["loyalty"])
    loyal_a.session.refresh(loyal_a.brand)
    assert loyal_a.brand.settings["loyalty"]["validity_months"] == 24
    tiers = loyal_a.session.scalars(select(LoyaltyTier).where(
        LoyaltyTier.brand_id == loyal_a.brand_id)).all()
    assert len(tiers) == 4  # not seeded twice


def test_ledger_rows_carry_the_brand(loyal_a):
    pay(loyal_a, "O1", "10.00")
    assert {e.brand_id for e in loyal_a.session.scalars(select(LoyaltyEntry))} == \
        {loyal_a.brand_id}


def test_merged_customers_points_move_to_the_survivor_with_their_expiry(loyal_a):
    from core.services.customers import create_customer
    from core.services.merge import merge_customers

    create_customer(loyal_a, {"customer_ref": "C2", "name": "客户2", "phone": "13700000002"})
    pay(loyal_a, "O1", "100.00")  # C1: 100
    pay(loyal_a, "O2", "200.00", customer="C2", at="2026-02-01T10:00:00", qty=2)  # C2: 200
    merge_customers(loyal_a, "C1", ["C2"])
    assert (balance(loyal_a, "C1"), balance(loyal_a, "C2")) == (300, 0)
    moved_in = [e for e in entries(loyal_a) if e[4] == "merge" and e[3] > 0]
    # O2's lot (paid 2026-02-01 Shanghai) keeps its expiry: 2027-02-02 00:00 +08:00
    assert [(e[3], e[7]) for e in moved_in] == [(200, dt.datetime(2027, 2, 1, 16, 0,
                                                                  tzinfo=UTC))]
    refund(loyal_a, "R1", "O2", "200.00", qty=2)  # O2 now belongs to the survivor
    assert balance(loyal_a, "C1") == 100  # its 200 points taken back from C1


def _tier(ctx, customer_ref: str) -> str:
    cid = get_by_ref(ctx, Customer, customer_ref).id
    ctx.session.expire_all()
    return ctx.session.scalar(select(LoyaltyTier.code).join(
        LoyaltyAccount, LoyaltyAccount.tier_id == LoyaltyTier.id).where(
        LoyaltyAccount.customer_id == cid))


def test_an_order_paid_before_the_tier_window_earns_but_moves_no_tier(loyal_a):
    # The clock is 2026-03-02 02:00 UTC and the rolling window 12 months: an order paid in
    # June 2024 earns its points (they expired long ago) but is no spend in the window.
    pay(loyal_a, "OLD", "9000.00", at="2024-06-01T10:00:00")
    assert _tier(loyal_a, "C1") == "member"
    # 2000.00 inside the window reaches silver (min 2000); had the old 9000.00 counted,
    # the 11,000.00 would have reached gold (min 5000)
    pay(loyal_a, "NEW", "2000.00", at="2026-03-01T10:00:00")
    assert _tier(loyal_a, "C1") == "silver"
