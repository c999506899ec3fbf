"""Money cannot be minted or paid twice (hardening issue, money integrity 1-4).

Sequential cases check the one payment validation; the race cases fire parallel API
requests from threads (each request has its own database session, as under a threaded or
multi-worker server) and check the money invariants on the database afterwards.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from core.context import Ctx
from core.models import Customer, Order, Payment, Return
from core.services.modules import enable_modules
from core.services.orders import create_order
from tests.web.conftest import Recorder

Headers = Callable[[str], dict[str, str]]


def _pending(ctx: Ctx, ref: str, customer: str = "C1", price: str = "89.00") -> None:
    create_order(ctx, {"order_ref": ref, "customer_ref": customer, "status": "pending",
                       "ordered_at": "2026-03-01T12:00:00+08:00",
                       "lines": [{"sku": "P1", "quantity": 1, "unit_price": price}]})


def _payments(ctx: Ctx, ref: str) -> list[tuple[str, Decimal]]:
    ctx.session.rollback()
    return [(p.method, p.amount) for p in ctx.session.scalars(
        select(Payment).join(Order).where(Order.order_ref == ref).order_by(Payment.id))]


def _status(ctx: Ctx, ref: str) -> str:
    ctx.session.rollback()
    return ctx.session.scalar(select(Order.status).where(Order.order_ref == ref)).value


def test_pay_refuses_negative_points_that_would_mint_money(
        app: Flask, token: Headers, ctx_a: Ctx, recorder: Recorder) -> None:
    """The probe's exploit: −100000 in points + 100199 in cash on a 199.00 order."""
    enable_modules(ctx_a, ["loyalty"])
    _pending(ctx_a, "M1", price="199.00")
    r = app.test_client().post("/api/v1/orders/M1/pay", headers=token("boss_a"), json={
        "payments": [{"method": "points", "amount": "-100000.00"},
                     {"method": "cash", "amount": "100199.00"}]})
    assert r.status_code == 422, r.json
    assert r.json["errors"]["payments.0.amount"] == ["Must not be negative."]
    assert _payments(ctx_a, "M1") == [] and _status(ctx_a, "M1") == "pending"
    assert recorder.paid == []


@pytest.mark.parametrize(("payments", "field"), [
    ([{"method": "cash", "amount": "abc"}], "payments.0.amount"),
    ([{"method": "cash", "amount": "1e400"}], "payments.0.amount"),
    ([{"method": "cash", "amount": "NaN"}], "payments.0.amount"),
    ([{"method": "cash", "amount": "0.00"}, {"method": "cash", "amount": "89.00"}],
     "payments.0.amount"),
    ([{"method": "cash"}], "payments.0.amount"),
    ([{"amount": "89.00"}], "payments.0.method"),
    ("cash", "payments"),
    ({"method": "cash", "amount": "89.00"}, "payments"),
    ([], "payments"),
    ([{"method": "cash", "amount": "88.99"}], "payments"),
    ([{"method": "bitcoin", "amount": "89.00"}], "payments.0.method"),
    # Brand A has no loyalty module: points are not one of its methods.
    ([{"method": "points", "amount": "89.00"}], "payments.0.method"),
])
def test_pay_body_errors_name_the_field(app: Flask, token: Headers, ctx_a: Ctx,
                                        payments: Any, field: str) -> None:
    _pending(ctx_a, "M2")
    r = app.test_client().post("/api/v1/orders/M2/pay", headers=token("boss_a"),
                               json={"payments": payments})
    assert r.status_code == 422, r.json
    assert field in r.json["errors"], r.json
    assert _payments(ctx_a, "M2") == [] and _status(ctx_a, "M2") == "pending"


def test_pay_body_that_is_not_an_object_is_refused(app: Flask, token: Headers,
                                                    ctx_a: Ctx) -> None:
    _pending(ctx_a, "M3")
    r = app.test_client().post("/api/v1/orders/M3/pay", headers=token("boss_a"),
                               json=[{"method": "cash", "amount": "89.00"}])
    assert r.status_code == 422 and "_schema" in r.json["errors"]
    assert _status(ctx_a, "M3") == "pending"


def test_split_payment_and_no_body_still_pay(app: Flask, token: Headers, ctx_a: Ctx,
                                             recorder: Recorder) -> None:
    _pending(ctx_a, "M4")
    client, headers = app.test_client(), token("boss_a")
    r = client.post("/api/v1/orders/M4/pay", headers=headers, json={"payments": [
        {"method": "cash", "amount": "9.00"}, {"method": "wechat_pay", "amount": "80.00"}]})
    assert r.status_code == 200, r.json
    assert _payments(ctx_a, "M4") == [("cash", Decimal("9.00")),
                                      ("wechat_pay", Decimal("80.00"))]
    _pending(ctx_a, "M5")
    assert client.post("/api/v1/orders/M5/pay", headers=headers).status_code == 200
    assert _payments(ctx_a, "M5") == [("unspecified", Decimal("89.00"))]
    assert [o.order_ref for o in recorder.paid] == ["M4", "M5"]
    # Paying again is a conflict with the order's state, not a server error.
    r = client.post("/api/v1/orders/M5/pay", headers=headers)
    assert r.status_code == 409 and r.json["error"] == "bad_status"


def test_points_payment_is_limited_to_the_spendable_balance(
        app: Flask, token: Headers, ctx_a: Ctx) -> None:
    from plugins.loyalty.services import adjust

    enable_modules(ctx_a, ["loyalty"])
    adjust(ctx_a, {"customer_ref": "C1", "points": 5000, "reason": "welcome"})
    _pending(ctx_a, "M6", price="199.00")
    client, headers = app.test_client(), token("boss_a")
    # Default programme: 100 points buy 1.00, so 50.01 needs 5001 points of the 5000.
    r = client.post("/api/v1/orders/M6/pay", headers=headers, json={"payments": [
        {"method": "points", "amount": "50.01"}, {"method": "cash", "amount": "148.99"}]})
    assert r.status_code == 422, r.json
    assert "5001" in r.json["errors"]["payments"][0]
    assert _payments(ctx_a, "M6") == []
    r = client.post("/api/v1/orders/M6/pay", headers=headers, json={"payments": [
        {"method": "points", "amount": "50.00"}, {"method": "cash", "amount": "149.00"}]})
    assert r.status_code == 200, r.json
    assert _payments(ctx_a, "M6") == [("points", Decimal("50.00")), ("cash", Decimal("149.00"))]


# -- races ---------------------------------------------------------------------------------
# DIRECTCRM_RACE_REPEAT=20 (set by .ci/test on PostgreSQL) runs each race that many times.
REPEAT = range(int(os.environ.get("DIRECTCRM_RACE_REPEAT", "1")))
race = pytest.mark.parametrize("attempt", REPEAT)


def _parallel(app: Flask, n: int, call: Callable[[Any], Any]) -> list[Any]:
    """Run ``call(client)`` ``n`` times at once, each on its own client and thread."""
    clients = [app.test_client() for _ in range(n)]
    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(call, clients))


@race
def test_parallel_pays_pay_once(app: Flask, token: Headers, ctx_a: Ctx,
                                recorder: Recorder, attempt: int) -> None:
    _pending(ctx_a, "R1")
    headers = token("boss_a")
    responses = _parallel(app, 12, lambda c: c.post("/api/v1/orders/R1/pay", headers=headers))
    codes = Counter(r.status_code for r in responses)
    assert codes == {200: 1, 409: 11}, codes
    assert _payments(ctx_a, "R1") == [("unspecified", Decimal("89.00"))]
    assert [o.order_ref for o in recorder.paid] == ["R1"]


@race
def test_parallel_returns_refund_a_line_once(app: Flask, token: Headers, ctx_a: Ctx,
                                             attempt: int) -> None:
    create_order(ctx_a, {"order_ref": "R2", "customer_ref": "C1",
                         "ordered_at": "2026-03-01T12:00:00+08:00",
                         "lines": [{"sku": "P1", "quantity": 1, "unit_price": "89.00"}]})
    headers = token("boss_a")

    def one_return(client: Any) -> Any:
        ref = f"RET-{id(client)}"
        return client.post("/api/v1/returns/", headers=headers, json={
            "return_ref": ref, "order_ref": "R2", "requested_at": "2026-03-02T09:00:00",
            "refunded_at": "2026-03-02T09:30:00",
            "lines": [{"sku": "P1", "quantity": 1, "amount": "89.00"}]})

    codes = Counter(r.status_code for r in _parallel(app, 10, one_return))
    assert codes == {201: 1, 422: 9}, codes
    ctx_a.session.rollback()
    refunded = ctx_a.session.scalar(select(func.coalesce(func.sum(Return.amount), 0)).join(
        Order).where(Order.order_ref == "R2"))
    assert Decimal(str(refunded)) == Decimal("89.00")


@race
def test_parallel_creates_with_one_ref_answer_409(app: Flask, token: Headers,
                                                  ctx_a: Ctx, attempt: int) -> None:
    headers = token("boss_a")
    body = {"order_ref": "R3", "customer_ref": "C1", "ordered_at": "2026-03-01T12:00:00",
            "lines": [{"sku": "P1", "quantity": 1, "unit_price": "89.00"}]}
    responses = _parallel(app, 12, lambda c: c.post("/api/v1/orders/", headers=headers,
                                                    json=body))
    codes = Counter(r.status_code for r in responses)
    assert codes == {201: 1, 409: 11}, [r.json for r in responses]
    assert all(r.json["error"] == "duplicate" for r in responses if r.status_code == 409)
    assert _payments(ctx_a, "R3") == [("unspecified", Decimal("89.00"))]


@race
def test_parallel_refunds_of_one_return_refund_once(app: Flask, token: Headers, ctx_a: Ctx,
                                                    recorder: Recorder, attempt: int) -> None:
    create_order(ctx_a, {"order_ref": "R4", "customer_ref": "C1",
                         "ordered_at": "2026-03-01T12:00:00+08:00",
                         "lines": [{"sku": "P1", "quantity": 1, "unit_price": "89.00"}]})
    headers = token("boss_a")
    r = app.test_client().post("/api/v1/returns/", headers=headers, json={
        "return_ref": "RT4", "order_ref": "R4", "requested_at": "2026-03-02T09:00:00",
        "lines": [{"sku": "P1", "quantity": 1, "amount": "89.00"}]})
    assert r.status_code == 201, r.json
    responses = _parallel(app, 10, lambda c: c.post("/api/v1/returns/RT4/refund",
                                                    headers=headers))
    assert {r.status_code for r in responses} == {200}
    assert [e.return_ref for e in recorder.refunded] == ["RT4"]  # one event, not ten


@race
def test_parallel_cancel_and_pay_leave_one_outcome(app: Flask, token: Headers, ctx_a: Ctx,
                                                   recorder: Recorder, attempt: int) -> None:
    _pending(ctx_a, "R5")
    headers = token("boss_a")

    def act(client: Any) -> Any:
        verb = "pay" if id(client) % 2 else "cancel"
        return client.post(f"/api/v1/orders/R5/{verb}", headers=headers)

    responses = _parallel(app, 10, act)
    assert all(r.status_code in (200, 409) for r in responses), [r.json for r in responses]
    status = _status(ctx_a, "R5")
    paid = _payments(ctx_a, "R5")
    # Either paid once (maybe cancelled afterwards: a paid order may be cancelled) or
    # cancelled before any payment; never two payments.
    assert len(paid) <= 1 and len([e for e in recorder.paid if e.order_ref == "R5"]) \
        == len(paid)
    assert status in ("paid", "cancelled")


@race
def test_parallel_redemptions_never_overspend(app: Flask, token: Headers, ctx_a: Ctx,
                                              attempt: int) -> None:
    from plugins.loyalty.services import adjust

    enable_modules(ctx_a, ["loyalty"])
    ctx_a.refresh_modules()
    adjust(ctx_a, {"customer_ref": "C1", "points": 1000, "reason": "gift"})
    headers = token("boss_a")

    def redeem(client: Any) -> Any:
        return client.post("/api/v1/loyalty/customers/C1/redemptions", headers=headers,
                           json={"points": 300, "redemption_ref": f"X{id(client)}"})

    codes = Counter(r.status_code for r in _parallel(app, 8, redeem))
    assert codes[201] + codes[200] == 3, codes  # 3 x 300 fit in 1000, the fourth does not
    from plugins.loyalty.ledger import balances

    ctx_a.session.rollback()
    c1 = ctx_a.session.scalar(select(Customer.id).where(Customer.customer_ref == "C1"))
    assert balances(ctx_a, [c1])[c1] == 100


@race
def test_parallel_payments_spend_a_coupon_once(app: Flask, token: Headers, ctx_a: Ctx,
                                               attempt: int) -> None:
    import datetime as dt

    from plugins.referral.models import (
        CouponKind,
        Referral,
        ReferralCoupon,
        ReferralCouponUse,
        ReferralReward,
        ReferralStatus,
        RewardSide,
        RewardStatus,
    )

    enable_modules(ctx_a, ["referral"])
    ctx_a.refresh_modules()
    now = ctx_a.now()
    ids = dict(ctx_a.session.execute(select(Customer.customer_ref, Customer.id)).all())
    with ctx_a.write():  # a granted coupon of 89.00 for C1 (as the programme issues it)
        referral = Referral(brand_id=ctx_a.brand_id, referrer_id=ids["C1"],
                            referred_id=ids["C2"], referred_at=now, source="cli",
                            status=ReferralStatus.QUALIFIED, created_at=now)
        ctx_a.session.add(referral)
        ctx_a.session.flush()
        reward = ReferralReward(brand_id=ctx_a.brand_id, referral_id=referral.id,
                                customer_id=ids["C1"], side=RewardSide.REFERRER,
                                kind="coupon", value=Decimal("89.00"),
                                status=RewardStatus.GRANTED, qualified_at=now)
        ctx_a.session.add(reward)
        ctx_a.session.flush()
        ctx_a.session.add(ReferralCoupon(
            brand_id=ctx_a.brand_id, reward_id=reward.id, customer_id=ids["C1"],
            code="RACE2345", kind=CouponKind.COUPON, value=Decimal("89.00"),
            expires_at=now + dt.timedelta(days=30), created_at=now - dt.timedelta(days=30)))
    refs = [f"K{i}" for i in range(8)]
    for ref in refs:
        _pending(ctx_a, ref)
    headers = token("boss_a")
    calls = iter(refs)

    def pay(client: Any) -> Any:
        return client.post(f"/api/v1/orders/{next(calls)}/pay", headers=headers, json={
            "payments": [{"method": "coupon", "amount": "89.00", "reference": "RACE2345"}]})

    codes = Counter(r.status_code for r in _parallel(app, 8, pay))
    assert codes[200] == 1 and codes[409] + codes[422] == 7, codes
    ctx_a.session.rollback()
    assert ctx_a.session.scalar(select(func.count()).select_from(ReferralCouponUse)) == 1
    assert sum(len(_payments(ctx_a, ref)) for ref in refs) == 1  # the refused paid nothing


@race
def test_parallel_deposits_never_pay_more_than_the_total(app: Flask, token: Headers,
                                                         ctx_a: Ctx, recorder: Recorder,
                                                         attempt: int) -> None:
    """Partial payments (#18): ten clerks record 40.00 at once on an 89.00 order; two fit
    (80.00), the third would exceed the total and is refused; the order stays pending."""
    _pending(ctx_a, "R6")
    headers = token("boss_a")
    responses = _parallel(app, 10, lambda c: c.post(
        "/api/v1/orders/R6/payments", headers=headers,
        json={"payments": [{"method": "cash", "amount": "40.00"}]}))
    codes = Counter(r.status_code for r in responses)
    assert codes == {200: 2, 422: 8}, [r.json for r in responses]
    assert all("payments.0.amount" in r.json["errors"] for r in responses
               if r.status_code == 422)
    assert _payments(ctx_a, "R6") == [("cash", Decimal("40.00"))] * 2
    assert _status(ctx_a, "R6") == "pending" and recorder.paid == []


@race
def test_parallel_balance_payments_pay_once_and_fire_once(
        app: Flask, token: Headers, ctx_a: Ctx, recorder: Recorder, attempt: int) -> None:
    """After a 9.00 deposit, ten requests pay the 80.00 balance at once: one pays it (the
    order becomes paid and crm_order_paid fires once), the others find it paid."""
    _pending(ctx_a, "R7")
    headers = token("boss_a")
    r = app.test_client().post("/api/v1/orders/R7/payments", headers=headers, json={
        "payments": [{"method": "cash", "amount": "9.00"}]})
    assert r.status_code == 200 and r.json["result"]["payment_state"] == "partly_paid"
    responses = _parallel(app, 10, lambda c: c.post(
        "/api/v1/orders/R7/payments", headers=headers,
        json={"payments": [{"method": "wechat_pay", "amount": "80.00"}]}))
    codes = Counter(r.status_code for r in responses)
    assert codes == {200: 1, 409: 9}, [r.json for r in responses]
    assert _payments(ctx_a, "R7") == [("cash", Decimal("9.00")),
                                      ("wechat_pay", Decimal("80.00"))]
    assert _status(ctx_a, "R7") == "paid"
    assert [(o.order_ref, o.amount) for o in recorder.paid] == [("R7", Decimal("89.00"))]
