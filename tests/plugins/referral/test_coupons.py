"""Coupons and gifts as referral rewards, worked out by hand: issued when the referral
qualifies, spent once as a payment of a later order of the same customer, refused when
spent, expired, someone else's or worth less; a gift pays one unit of its product; a
coupon reaching a rep is rep pay (DS7)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.api import Customer, Order, ValidationFailed
from core.services.customers import create_customer
from core.services.orders import create_order
from core.services.products import create_product
from core.services.settings import set_settings
from plugins.referral import coupons, programme
from plugins.referral.models import ReferralCouponUse, ReferralReward
from tests.plugins.referral.test_programme import _brand, _qualify, utc


def _codes(ctx, ref):
    ctx.session.rollback()
    cid = ctx.session.scalar(select(Customer.id).where(Customer.customer_ref == ref))
    return [(c.code, c.kind.value, c.value, c.sku, c.expires_at, used)
            for c, used in coupons.customer_coupons(ctx, cid)]


def _pay(ctx, ref, customer, payments, lines=(("P1", "100.00"),), at="2026-04-02T10:00:00"):
    return create_order(ctx, {"order_ref": ref, "customer_ref": customer, "ordered_at": at,
                              "status": "paid", "payments": payments,
                              "lines": [{"sku": sku, "quantity": 1, "unit_price": price}
                                        for sku, price in lines]})


def _orders(ctx):
    ctx.session.rollback()
    return ctx.session.scalar(select(func.count()).select_from(Order))


def test_a_coupon_is_issued_and_spent_once(ctx_a, enable, clock):
    _brand(ctx_a, enable)
    set_settings(ctx_a, {"referral.reward_kind": "coupon", "referral.coupon_days": 60})
    _qualify(ctx_a, clock, "A", "B", day=2)   # qualifies 2026-04-01 02:00 UTC
    [(a_code, kind, value, _sku, expires, used)] = _codes(ctx_a, "A")
    # The referrer's first referral of the year: 100; expiry 60 days after the grant.
    assert (kind, value, used, len(a_code)) == ("coupon", Decimal("100.00"), False, 8)
    assert expires == utc(2026, 5, 31, 2)
    [(b_code, _k, b_value, *_rest)] = _codes(ctx_a, "B")
    assert b_value == Decimal("50.00")         # the welcome reward
    rewards = ctx_a.session.execute(select(ReferralReward.side, ReferralReward.status,
                                           ReferralReward.note)).all()
    assert sorted((str(s), str(st), n) for s, st, n in rewards) == [
        ("referred", "granted", b_code), ("referrer", "granted", a_code)]
    programme.run(ctx_a)                       # a second run issues nothing more
    assert len(_codes(ctx_a, "A")) == 1

    clock.value = utc(2026, 4, 2, 3)
    before = _orders(ctx_a)
    _pay(ctx_a, "B2", "B", [{"method": "coupon", "amount": "50.00", "reference": b_code.lower()},
                            {"method": "cash", "amount": "50.00"}])
    assert _orders(ctx_a) == before + 1 and _codes(ctx_a, "B")[0][5] is True
    use = ctx_a.session.scalar(select(ReferralCouponUse))
    assert use.amount == Decimal("50.00")

    refusals = [
        ("B3", "B", [{"method": "coupon", "amount": "50.00", "reference": b_code},
                     {"method": "cash", "amount": "50.00"}],
         "payments.0.reference", "already been used"),
        ("A3", "A", [{"method": "coupon", "amount": "50.00", "reference": b_code},
                     {"method": "cash", "amount": "50.00"}],
         "payments.0.reference", "No coupon"),
        ("A4", "A", [{"method": "cash", "amount": "0.01"},
                     {"method": "coupon", "amount": "99.99", "reference": "ZZZZ2222"}],
         "payments.1.reference", "No coupon"),
    ]
    for ref, customer, payments, field, words in refusals:
        with pytest.raises(ValidationFailed) as caught:
            _pay(ctx_a, ref, customer, payments)
        assert words in " ".join(caught.value.errors[field]), caught.value.errors
    # An order paid before the coupon was issued (1 April) cannot use it.
    with pytest.raises(ValidationFailed) as caught:
        _pay(ctx_a, "A7", "A", [{"method": "coupon", "amount": "100.00", "reference": a_code}],
             at="2026-03-31T10:00:00")
    assert "issued on 2026-04-01" in caught.value.errors["payments.0.reference"][0]
    # More than the coupon is worth: the amount is named.
    with pytest.raises(ValidationFailed) as caught:
        _pay(ctx_a, "A5", "A", [{"method": "coupon", "amount": "100.01", "reference": a_code}],
             lines=(("P1", "100.01"),))
    assert "payments.0.amount" in caught.value.errors
    assert _orders(ctx_a) == before + 1        # nothing of the refused orders was written
    # The day after it expired (31 May, 10:00 in Shanghai), A's coupon is refused.
    clock.value = utc(2026, 6, 1, 3)
    with pytest.raises(ValidationFailed) as caught:
        _pay(ctx_a, "A6", "A", [{"method": "coupon", "amount": "100.00", "reference": a_code}],
             at="2026-06-01T10:00:00")
    assert "expired on 2026-05-31" in caught.value.errors["payments.0.reference"][0]


def test_a_gift_pays_one_unit_of_its_product(ctx_a, enable, clock):
    _brand(ctx_a, enable)
    create_product(ctx_a, {"sku": "GIFT", "name": "旅行装", "category": "cosmetics",
                           "list_price": "80.00"})
    set_settings(ctx_a, {"referral.reward_kind": "gift"})
    _qualify(ctx_a, clock, "A", "B", day=2)
    # No gift product set: the rewards wait, qualified, and nothing is issued.
    assert _codes(ctx_a, "B") == []
    assert {str(s) for s in ctx_a.session.scalars(select(ReferralReward.status))} == {
        "qualified"}
    set_settings(ctx_a, {"referral.gift_sku": "GIFT"})
    programme.run(ctx_a)
    [(code, kind, value, sku, _exp, _used)] = _codes(ctx_a, "B")
    # Issued once the product is set, at the product's price (the reward's value too).
    assert (kind, sku, value) == ("gift", "GIFT", Decimal("80.00"))
    assert {v for v in ctx_a.session.scalars(select(ReferralReward.value))} == {
        Decimal("80.00")}
    clock.value = utc(2026, 4, 2, 3)
    with pytest.raises(ValidationFailed) as caught:  # the order lacks the gift product
        _pay(ctx_a, "B2", "B", [{"method": "coupon", "amount": "80.00", "reference": code},
                                {"method": "cash", "amount": "20.00"}])
    assert "does not contain" in caught.value.errors["payments.0.reference"][0]
    with pytest.raises(ValidationFailed) as caught:  # one unit at 80.00, not 90.00
        _pay(ctx_a, "B3", "B", [{"method": "coupon", "amount": "90.00", "reference": code},
                                {"method": "cash", "amount": "90.00"}],
             lines=(("P1", "100.00"), ("GIFT", "80.00")))
    assert "payments.0.amount" in caught.value.errors
    _pay(ctx_a, "B4", "B", [{"method": "coupon", "amount": "80.00", "reference": code},
                            {"method": "cash", "amount": "100.00"}],
         lines=(("P1", "100.00"), ("GIFT", "80.00")))
    assert _codes(ctx_a, "B")[0][5] is True


def test_a_gift_reward_is_worth_its_products_price(ctx_a, enable, clock):
    _brand(ctx_a, enable)
    create_product(ctx_a, {"sku": "GIFT", "name": "旅行装", "category": "cosmetics",
                           "list_price": "80.00"})
    set_settings(ctx_a, {"referral.reward_kind": "gift", "referral.gift_sku": "GIFT"})
    _qualify(ctx_a, clock, "A", "B", day=2)
    values = sorted((str(s), v) for s, v in ctx_a.session.execute(
        select(ReferralReward.side, ReferralReward.value)))
    assert values == [("referred", Decimal("80.00")), ("referrer", Decimal("80.00"))]


def test_a_coupon_reaching_a_rep_is_rep_pay(ctx_a, enable, clock):
    _brand(ctx_a, enable)
    # The rep R1 (phone 13900000000) is also a customer of the brand, and refers B.
    create_customer(ctx_a, {"customer_ref": "REPC", "name": "王芳", "rep_ref": "R1",
                            "phone": "13900000000"}, allow_duplicate=True)
    set_settings(ctx_a, {"referral.reward_kind": "coupon"})
    _qualify(ctx_a, clock, "REPC", "B", day=2)    # coupon of 100 issued on 1 April
    from core.api import Rep

    r1 = ctx_a.session.scalar(select(Rep.id).where(Rep.rep_ref == "R1"))
    items = [i for answer in ctx_a.hooks.crm_rep_pay_items(
        ctx=ctx_a, period_start=dt.date(2026, 4, 1), period_end=dt.date(2026, 4, 30))
        for i in answer or ()]
    assert [(i.rep_id, i.kind, i.amount, i.period) for i in items] == [
        (r1, "referral_coupon", Decimal("100.00"), "2026-04")]
    march = [i for answer in ctx_a.hooks.crm_rep_pay_items(
        ctx=ctx_a, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31))
        for i in answer or ()]
    assert march == []


def test_the_customer_section_lists_coupons(ctx_a, enable, clock):
    from plugins.referral.web import profile_section

    _brand(ctx_a, enable)
    set_settings(ctx_a, {"referral.reward_kind": "coupon"})
    _qualify(ctx_a, clock, "A", "B", day=2)
    [(code, *_rest)] = _codes(ctx_a, "B")
    cid = ctx_a.session.scalar(select(Customer.id).where(Customer.customer_ref == "B"))
    html = profile_section(ctx_a, cid).html
    assert code in html and "Valid until 2026-06-30" in html  # 1 April + 90 days
    assert "Welcome reward" in html and "Granted" in html
    clock.value = utc(2026, 4, 2, 3)
    _pay(ctx_a, "B2", "B", [{"method": "coupon", "amount": "50.00", "reference": code},
                            {"method": "cash", "amount": "50.00"}])
    assert "Used" in profile_section(ctx_a, cid).html


def test_the_compliance_report_counts_the_coupon_toward_ds7(ctx_a, enable, clock):
    from plugins.compliance.checks.base import month_period
    from plugins.compliance.services import run_checks

    _brand(ctx_a, enable)
    create_customer(ctx_a, {"customer_ref": "REPC", "name": "王芳", "rep_ref": "R1",
                            "phone": "13900000000"}, allow_duplicate=True)
    set_settings(ctx_a, {"referral.reward_kind": "coupon"})
    _qualify(ctx_a, clock, "REPC", "B", day=2)    # coupon of 100 issued on 1 April
    enable(ctx_a, "compliance")
    ds7 = {r.rule_id: r for r in run_checks(ctx_a, month_period(ctx_a, 2026, 4))}["DS7"]
    figures = dict(ds7.figures)
    assert figures["Reps paid"] == 1 and figures["Total pay"] == Decimal("100.00")
    # R1 sold nothing in April: 100.00 of pay on 0 of own sales breaks the 30% cap.
    assert [(r[0], r[2], r[3]) for r in ds7.records] == [("R1", Decimal("100.00"),
                                                          Decimal("0"))]


def test_a_merge_moves_the_programme_to_the_survivor(ctx_a, enable, clock):
    from core.services.merge import merge_customers
    from plugins.referral import services
    from plugins.referral.models import Referral

    _brand(ctx_a, enable, customers=("A", "B", "A2"))
    code = services.code_for(ctx_a, "A")
    set_settings(ctx_a, {"referral.reward_kind": "coupon"})
    _qualify(ctx_a, clock, "A", "B", day=2)          # A's coupon of 100, B's of 50
    [(a_code, *_rest)] = _codes(ctx_a, "A")
    clock.value = utc(2026, 4, 2, 3)
    merge_customers(ctx_a, "A2", ["A"])               # A turns out to be A2
    ids = dict(ctx_a.session.execute(select(Customer.customer_ref, Customer.id)).all())
    ctx_a.session.rollback()
    assert ctx_a.session.scalar(select(Referral.referrer_id)) == ids["A2"]
    assert [c for c, *_r in _codes(ctx_a, "A2")] == [a_code]
    assert services.customer_of_code(ctx_a, code) == ids["A2"]
    # The survivor spends the coupon; the merged record has none left.
    _pay(ctx_a, "A2-1", "A2", [{"method": "coupon", "amount": "100.00", "reference": a_code}])
    assert _codes(ctx_a, "A2")[0][5] is True and _codes(ctx_a, "A") == []
