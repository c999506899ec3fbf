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
                               web_app) -> None:
    from core.services.customers import create_customer

    create_customer(ctx_a, {"customer_ref": "K1", "name": "甲"})
    make_user("li.na", "brand_admin", brand="A")
    page = login_as("li.na").get("/customers/list/")
    assert page.status_code == 200 and "K1" in page.get_data(as_text=True)
    r = web_app.test_client().get("/api/v1/customers/", headers=api_headers("li.na"))
    assert r.status_code == 200 and r.json["count"] == 1
    ctx_a.session.rollback()
    assert ctx_a.session.scalar(select(Customer.customer_ref)) == "K1"
