"""Loyalty and partial payments (#18): a deposit earns nothing and cannot be paid in
points; the order earns once, when its payments reach the total; points still pay the
balance. Hand-computed with the default programme (1 point per yuan, floor; 100 points
buy 1.00; minimum redemption 100 points)."""

from __future__ import annotations

import pytest

from core.errors import ValidationFailed
from core.services.orders import create_order, record_payment
from plugins.loyalty.services import adjust
from tests.plugins.loyalty.conftest import balance, entries


def _pending(ctx, ref="O1", payments=None):
    """A pending order of 2 × 100.00 = 200.00."""
    data = {"order_ref": ref, "customer_ref": "C1", "status": "pending",
            "ordered_at": "2026-03-01T10:00:00",
            "lines": [{"sku": "P1", "quantity": 2, "unit_price": "100.00"}]}
    if payments:
        data["payments"] = payments
    return create_order(ctx, data)


def test_a_deposit_earns_nothing_until_the_order_is_paid(loyal_a):
    _pending(loyal_a, payments=[{"method": "cash", "amount": "80.00"}])
    assert entries(loyal_a) == [] and balance(loyal_a) == 0
    record_payment(loyal_a, "O1", {"payments": [{"method": "cash", "amount": "20.00"}]})
    assert entries(loyal_a) == []
    record_payment(loyal_a, "O1", {"payments": [{"method": "cash", "amount": "100.00"}]})
    # Paid in full: 200.00 × 1 point = 200 points, once.
    [e] = entries(loyal_a)
    assert (e[2], e[3], e[5]) == ("earn", 200, "O1")
    assert balance(loyal_a) == 200


def test_points_cannot_pay_a_deposit_but_can_pay_the_balance(loyal_a):
    adjust(loyal_a, {"customer_ref": "C1", "points": 10000, "reason": "welcome"})
    _pending(loyal_a)
    with pytest.raises(ValidationFailed) as exc:
        record_payment(loyal_a, "O1", {"payments": [{"method": "points", "amount": "50.00"}]})
    assert "balance" in exc.value.errors["payments"][0]
    with pytest.raises(ValidationFailed):  # nor at creation, as the deposit
        _pending(loyal_a, "O2", payments=[{"method": "points", "amount": "50.00"}])
    assert balance(loyal_a) == 10000
    record_payment(loyal_a, "O1", {"payments": [{"method": "cash", "amount": "120.00"}]})
    # The balance, 200.00 − 120.00 = 80.00: 30.00 in points (3000 points) and 50.00 cash.
    record_payment(loyal_a, "O1", {"payments": [{"method": "points", "amount": "30.00"},
                                                {"method": "cash", "amount": "50.00"}]})
    # 10000 − 3000 spent + floor(200.00 − 30.00) = 170 earned on the money part.
    assert balance(loyal_a) == 10000 - 3000 + 170
    kinds = sorted((e[2], e[3]) for e in entries(loyal_a) if e[5] == "O1")
    assert kinds == [("earn", 170), ("redeem", -3000)]
