"""The referral programme, worked out by hand: qualification at the end of the return
window, cancellation by a full refund, tiers and the yearly reset, the monthly cap,
refusals and holds, depth one, and points in the loyalty ledger exactly once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.api import ValidationFailed
from core.services.customers import create_customer
from core.services.orders import cancel_order, create_order, create_return
from core.services.products import create_product
from core.services.reps import create_rep
from core.services.settings import set_settings
from plugins.loyalty.models import LoyaltyEntry
from plugins.referral import programme, services
from plugins.referral.models import Referral, ReferralReward

UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def _brand(ctx, enable, customers=("A", "B", "C", "D")):
    enable(ctx, "referral")
    create_rep(ctx, {"rep_ref": "R1", "name": "王芳", "status": "active",
                     "joined_on": "2025-01-01", "phone": "13900000000"})
    create_product(ctx, {"sku": "P1", "name": "面霜", "category": "cosmetics",
                         "list_price": "100.00"})
    for i, ref in enumerate(customers):
        create_customer(ctx, {"customer_ref": ref, "name": f"客户{ref}", "rep_ref": "R1",
                              "phone": f"1380000{i:04d}"}, allow_duplicate=True)


def _refer(ctx, referrer, referred, at="2026-03-02T09:00:00"):
    return services.record_referrals(ctx, [{"referrer_ref": referrer, "referred_ref": referred,
                                            "referred_at": at}], "cli")


def _order(ctx, ref, customer, at, amount="100.00"):
    return create_order(ctx, {"order_ref": ref, "customer_ref": customer, "ordered_at": at,
                              "status": "paid",
                              "lines": [{"sku": "P1", "quantity": 1, "unit_price": amount}]})


def _status(ctx, referred_ref):
    ctx.session.rollback()
    from core.models import Customer
    cid = ctx.session.scalar(select(Customer.id).where(Customer.customer_ref == referred_ref))
    return str(ctx.session.scalar(select(Referral.status).where(Referral.referred_id == cid)))


def _rewards(ctx):
    ctx.session.rollback()
    return sorted((str(r.side), int(r.value), str(r.status)) for r in ctx.session.scalars(
        select(ReferralReward)))


def test_qualifies_exactly_when_the_return_window_has_passed(ctx_a, enable, clock):
    _brand(ctx_a, enable)
    clock.value = utc(2026, 3, 2, 1)
    _refer(ctx_a, "A", "B", "2026-03-02T09:00:00")   # 01:00 UTC
    clock.value = utc(2026, 3, 5, 2)
    _order(ctx_a, "O1", "B", "2026-03-05T10:00:00")   # paid 2026-03-05 02:00 UTC
    programme.run(ctx_a)
    assert _status(ctx_a, "B") == "pending"
    clock.value = utc(2026, 4, 4, 1, 59, 59)          # 30 days after payment, minus 1 s
    programme.run(ctx_a)
    assert _status(ctx_a, "B") == "pending" and _rewards(ctx_a) == []
    clock.value = utc(2026, 4, 4, 2)                  # exactly 30 days
    programme.run(ctx_a)
    assert _status(ctx_a, "B") == "qualified"
    # Loyalty is not enabled: both rewards are due but not granted.
    assert _rewards(ctx_a) == [("referred", 50, "qualified"), ("referrer", 100, "qualified")]


def test_a_full_refund_inside_the_window_cancels_a_partial_one_does_not(ctx_a, enable, clock):
    _brand(ctx_a, enable)
    clock.value = utc(2026, 3, 2, 1)
    _refer(ctx_a, "A", "B")
    _refer(ctx_a, "A", "C")
    clock.value = utc(2026, 3, 3, 2)
    create_order(ctx_a, {"order_ref": "OB", "customer_ref": "B", "status": "paid",
                         "ordered_at": "2026-03-03T10:00:00",
                         "lines": [{"sku": "P1", "quantity": 2, "unit_price": "100.00"}]})
    create_order(ctx_a, {"order_ref": "OC", "customer_ref": "C", "status": "paid",
                         "ordered_at": "2026-03-03T10:00:00",
                         "lines": [{"sku": "P1", "quantity": 2, "unit_price": "100.00"}]})
    programme.run(ctx_a)
    clock.value = utc(2026, 3, 10, 4)
    create_return(ctx_a, {"return_ref": "RB", "order_ref": "OB", "requested_at":
                          "2026-03-10T10:00:00", "refunded_at": "2026-03-10T11:00:00",
                          "lines": [{"sku": "P1", "quantity": 2, "amount": "200.00"}]})
    create_return(ctx_a, {"return_ref": "RC", "order_ref": "OC", "requested_at":
                          "2026-03-10T10:00:00", "refunded_at": "2026-03-10T11:00:00",
                          "lines": [{"sku": "P1", "quantity": 1, "amount": "100.00"}]})
    clock.value = utc(2026, 4, 3, 2)
    programme.run(ctx_a)
    assert (_status(ctx_a, "B"), _status(ctx_a, "C")) == ("cancelled", "qualified")


def test_a_cancelled_first_order_and_no_order_in_time_cancel(ctx_a, enable, clock):
    _brand(ctx_a, enable)
    clock.value = utc(2026, 3, 2, 1)
    _refer(ctx_a, "A", "B")
    _refer(ctx_a, "A", "C")
    clock.value = utc(2026, 3, 3, 2)
    _order(ctx_a, "OB", "B", "2026-03-03T10:00:00")
    programme.run(ctx_a)
    cancel_order(ctx_a, "OB")
    clock.value = utc(2026, 4, 2, 2)  # 31 days after C's referral: no order came
    programme.run(ctx_a)
    assert (_status(ctx_a, "B"), _status(ctx_a, "C")) == ("cancelled", "cancelled")


def test_refusals_and_holds(ctx_a, enable, clock):
    _brand(ctx_a, enable, customers=("A", "B", "C", "D", "E"))
    with pytest.raises(ValidationFailed, match="themself"):
        _refer(ctx_a, "A", "A")
    from core.services.customers import update_customer
    update_customer(ctx_a, "C", {"phone": "13800000000"})  # A's phone
    with pytest.raises(ValidationFailed, match="phone"):
        _refer(ctx_a, "A", "C")
    create_customer(ctx_a, {"customer_ref": "REP", "name": "王芳", "phone": "13900000000"},
                    allow_duplicate=True)
    with pytest.raises(ValidationFailed, match="rep"):
        _refer(ctx_a, "A", "REP")
    clock.value = utc(2026, 3, 1, 2)
    _order(ctx_a, "OD", "D", "2026-03-01T10:00:00")  # D bought before being referred
    clock.value = utc(2026, 3, 2, 2)
    with pytest.raises(ValidationFailed, match="new customer"):
        _refer(ctx_a, "A", "D")
    _refer(ctx_a, "A", "B")
    _refer(ctx_a, "B", "A")  # circular: held
    assert _status(ctx_a, "A") == "held"
    with pytest.raises(ValidationFailed, match="referrer"):
        _refer(ctx_a, "E", "B")  # B already has a referrer
    assert _refer(ctx_a, "A", "B") == 0  # the same referral again changes nothing


def test_bursts_are_held(ctx_a, enable, clock):
    _brand(ctx_a, enable, customers=tuple("ABCDEFG"))
    set_settings(ctx_a, {"referral.burst_limit": 3})
    for ref in "BCDE":
        _refer(ctx_a, "A", ref, "2026-03-01T10:00:00")
    assert [_status(ctx_a, r) for r in "BCDE"] == ["pending"] * 3 + ["held"]
    _refer(ctx_a, "A", "F", "2026-03-02T08:00:00")  # the next local day
    assert _status(ctx_a, "F") == "pending"
    services.review(ctx_a, ctx_a.session.scalar(select(Referral.id).where(
        Referral.status == "held")), approve=False, reason="same address, checked")
    assert _status(ctx_a, "E") == "rejected"


def _qualify(ctx, clock, referrer, referred, day, month=3, year=2026):
    clock.value = utc(year, month, day, 1)
    _refer(ctx, referrer, referred, f"{year}-{month:02d}-{day:02d}T09:00:00")
    clock.value = utc(year, month, day, 2)
    _order(ctx, f"O-{referred}", referred, f"{year}-{month:02d}-{day:02d}T10:00:00")
    clock.value = utc(year, month, day, 2) + dt.timedelta(days=30)
    programme.run(ctx)


def test_tiers_grow_with_the_year_and_reset(ctx_a, enable, clock):
    refs = [f"N{i:02d}" for i in range(1, 12)]
    _brand(ctx_a, enable, customers=("A", *refs, "NEXT"))
    set_settings(ctx_a, {"referral.monthly_cap": 50})
    for i, ref in enumerate(refs, start=1):  # 11 referrals qualifying in 2026
        _qualify(ctx_a, clock, "A", ref, day=1 + i, month=2)
    values = [v for side, v, _s in _rewards(ctx_a) if side == "referrer"]
    # 1:100,4:150,10:200: the 1st-3rd earn 100, the 4th-9th 150, the 10th and 11th 200.
    assert sorted(values) == [100] * 3 + [150] * 6 + [200] * 2
    _qualify(ctx_a, clock, "A", "NEXT", day=10, month=1, year=2027)
    last = ctx_a.session.scalar(select(ReferralReward.value).where(
        ReferralReward.side == "referrer").order_by(ReferralReward.id.desc()).limit(1))
    assert last == Decimal("100.00")  # a new year starts again at the 1st tier


def test_the_monthly_cap_holds_the_next_reward(ctx_a, enable, clock):
    _brand(ctx_a, enable, customers=("A", "B", "C", "D"))
    set_settings(ctx_a, {"referral.monthly_cap": 2})
    for day, ref in ((2, "B"), (3, "C"), (4, "D")):
        _qualify(ctx_a, clock, "A", ref, day=day)
    referrer = [s for side, _v, s in _rewards(ctx_a) if side == "referrer"]
    assert referrer == ["held", "qualified", "qualified"]
    held = ctx_a.session.scalar(select(ReferralReward.referral_id).where(
        ReferralReward.status == "held"))
    services.review(ctx_a, held, approve=True)
    assert sorted(s for side, _v, s in _rewards(ctx_a) if side == "referrer") == [
        "qualified"] * 3


def test_depth_is_one_on_a_chain_of_three(ctx_a, enable, clock):
    _brand(ctx_a, enable, customers=("A", "B", "C"))
    _qualify(ctx_a, clock, "A", "B", day=2)
    _qualify(ctx_a, clock, "B", "C", day=3)
    from core.models import Customer
    a = ctx_a.session.scalar(select(Customer.id).where(Customer.customer_ref == "A"))
    # A earns for B only: nothing for C, whom B brought.
    assert ctx_a.session.scalar(select(func.count()).select_from(ReferralReward).where(
        ReferralReward.customer_id == a)) == 1


def test_points_reach_the_loyalty_ledger_exactly_once(ctx_a, enable, clock, run_cli,
                                                      tmp_path, make_ctx):
    _brand(ctx_a, enable)
    enable(ctx_a, "loyalty")
    _qualify(ctx_a, clock, "A", "B", day=2)
    programme.run(ctx_a)
    programme.run(ctx_a)
    ctx_a.session.rollback()
    points = ctx_a.session.execute(select(LoyaltyEntry.source_ref, LoyaltyEntry.points).where(
        LoyaltyEntry.source_kind == "referral").order_by(LoyaltyEntry.source_ref)).all()
    rid = ctx_a.session.scalar(select(Referral.id))
    assert points == [(f"{rid}:referred", 50), (f"{rid}:referrer", 100)]
    assert _rewards(ctx_a) == [("referred", 50, "granted"), ("referrer", 100, "granted")]
    # Importing the same referral again records and grants nothing.
    csv_file = tmp_path / "referrals.csv"
    csv_file.write_text("referrer_ref,referred_ref,referred_at\nA,B,2026-03-02T09:00:00\n",
                        encoding="utf-8")
    r = run_cli("import", "referrals", str(csv_file), "--brand", "A")
    assert r.exit_code == 0, r.output
    ctx = make_ctx("A")  # the command closed every session, the test's too
    programme.run(ctx)
    assert ctx.session.scalar(select(func.count()).select_from(LoyaltyEntry).where(
        LoyaltyEntry.source_kind == "referral")) == 2
