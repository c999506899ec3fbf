"""The pytest plugin for module authors (core.testing), used as a partner would: only the
plugin's fixtures and the public API, nothing from this repository's tests."""

from __future__ import annotations

from sqlalchemy import select

from core.api import Ctx, Customer


def test_contexts_clock_and_brands(ctx_a: Ctx, ctx_b: Ctx, clock) -> None:
    assert (ctx_a.brand.code, ctx_b.brand.code) == ("A", "B")
    before = ctx_a.now()
    clock.advance(hours=2)
    assert (ctx_a.now() - before).total_seconds() == 7200


def test_enable_a_module_and_run_its_cli(ctx_a: Ctx, enable, run_cli) -> None:
    enable(ctx_a, "loyalty")
    out = run_cli("loyalty", "tiers", "--brand", "A", "--format", "json")
    assert out.exit_code == 0, out.output
    assert '"code": "silver"' in out.output
    out = run_cli("settings", "get", "--brand", "A", "loyalty.validity_months")
    assert out.output.strip() == "12"


def test_web_and_api_as_a_role(ctx_a: Ctx, make_user, login_as, api_headers,
                               web_app, build) -> None:
    build.customer(ctx_a, "K1", name="甲")
    make_user("li.na", "brand_admin", brand="A")
    page = login_as("li.na").get("/customers/list/")
    assert page.status_code == 200 and "K1" in page.get_data(as_text=True)
    r = web_app.test_client().get("/api/v1/customers/", headers=api_headers("li.na"))
    assert r.status_code == 200 and r.json["count"] == 1
    ctx_a.session.rollback()
    assert ctx_a.session.scalar(select(Customer.customer_ref)) == "K1"


def test_builders_write_through_the_core(ctx_a: Ctx, build) -> None:
    from decimal import Decimal

    from core.api import Order, Return

    build.rep(ctx_a, "R1")
    build.customer(ctx_a, "C1", rep="R1")
    build.product(ctx_a, "P1", price="199.00")
    build.product(ctx_a, "P2", price="50.00")
    order = build.paid_order(ctx_a, "C1", [("P1", 2), ("P2", 1, "45.50")], ref="SO1")
    # 2 x 199.00 at list price + 1 x 45.50 as given = 443.50
    assert order.total_amount == Decimal("443.50") and order.status == "paid"
    assert order.rep_id is not None  # credited to the customer's rep
    ret = build.refund(ctx_a, "SO1", [("P1", 1, "199.00")])
    assert ret.amount == Decimal("199.00") and ret.refunded_at is not None
    ctx_a.session.rollback()
    assert ctx_a.session.scalar(select(Order.order_ref)) == "SO1"
    assert ctx_a.session.scalar(select(Return.return_ref)) == ret.return_ref
