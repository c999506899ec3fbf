"""A referral coupon pays only the payment that completes an order, never a deposit
(coupons are used when the order becomes paid) (#18)."""

from __future__ import annotations

import pytest

from core.api import ValidationFailed
from core.services.orders import create_order, record_payment
from core.services.settings import set_settings
from tests.plugins.referral.test_coupons import _codes
from tests.plugins.referral.test_programme import _brand, _qualify, utc


def test_a_coupon_cannot_pay_a_deposit(ctx_a, enable, clock):
    _brand(ctx_a, enable)
    set_settings(ctx_a, {"referral.reward_kind": "coupon", "referral.coupon_days": 60})
    _qualify(ctx_a, clock, "A", "B", day=2)
    [(code, _kind, value, *_rest)] = _codes(ctx_a, "B")  # the 50.00 welcome coupon
    clock.value = utc(2026, 4, 2, 3)
    create_order(ctx_a, {"order_ref": "B2", "customer_ref": "B", "status": "pending",
                         "ordered_at": "2026-04-02T10:00:00",
                         "lines": [{"sku": "P1", "quantity": 1, "unit_price": "100.00"}]})
    with pytest.raises(ValidationFailed) as exc:
        record_payment(ctx_a, "B2", {"payments": [
            {"method": "coupon", "amount": "50.00", "reference": code}]})
    assert "deposit" in exc.value.errors["payments.0.method"][0]
    assert _codes(ctx_a, "B")[0][5] is False  # not spent
    record_payment(ctx_a, "B2", {"payments": [{"method": "cash", "amount": "50.00"}]})
    # The balance, 100.00 − 50.00: the coupon pays it and is spent.
    record_payment(ctx_a, "B2", {"payments": [
        {"method": "coupon", "amount": "50.00", "reference": code}]})
    assert _codes(ctx_a, "B")[0][5] is True
