"""A small hand-built brand for the compliance tests.

``clean_brand`` builds brand A (CN, Asia/Shanghai) or B (TW, Asia/Taipei) where every rule
checked by the module passes for February 2026; each test then adds the one record that
breaks its rule. Data is entered before the module is enabled (like history imported
before the module was switched on), so that the decision hooks do not refuse it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.context import Ctx
from core.hookspecs import hookimpl
from core.plugins import Manifest, ModuleRegistry
from core.services.customers import create_customer
from core.services.modules import enable_modules
from core.services.orders import create_order, create_return
from core.services.products import create_product
from core.services.reps import change_rep_status, create_rep
from plugins.compliance.services import import_rep_pay, parse_period, run_checks, set_deposit_held

PERIOD = "2026-02"


def local(ctx: Ctx, text: str) -> dt.datetime:
    """A brand-local wall time as an aware UTC datetime."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=ctx.tz).astimezone(dt.UTC)


def rep(ctx: Ctx, ref: str, **overrides: Any) -> None:
    data = {"rep_ref": ref, "name": f"Rep {ref}", "birth_date": "1990-01-01",
            "occupation": "sales", "province": "Guangdong", "status": "active",
            "joined_on": "2025-01-10", "certificate_no": f"CERT-{ref}",
            "certificate_valid_from": "2025-01-01", "certificate_valid_until": "2027-12-31"}
    data.update(overrides)
    create_rep(ctx, {k: v for k, v in data.items() if v is not None})


def order(ctx: Ctx, ref: str, when: str, rep_ref: str = "R1", *, price: str = "100.00",
          qty: int = 2, region: str | None = "Guangdong", channel: str = "online",
          sku: str = "P1", customer: str = "C1") -> None:
    data: dict[str, Any] = {"order_ref": ref, "customer_ref": customer, "rep_ref": rep_ref,
                            "ordered_at": when, "channel": channel, "status": "paid",
                            "lines": [{"sku": sku, "quantity": qty, "unit_price": price}]}
    if region:
        data["region"] = region
    create_order(ctx, data)


def ret(ctx: Ctx, ref: str, order_ref: str, requested: str, refunded: str | None,
        amount: str = "100.00", sku: str = "P1") -> None:
    data: dict[str, Any] = {"return_ref": ref, "order_ref": order_ref, "requested_at": requested,
                            "lines": [{"sku": sku, "quantity": 1, "amount": amount}]}
    if refunded:
        data["refunded_at"] = refunded
    create_return(ctx, data)


def pay_csv(ctx: Ctx, tmp_path: Path, text: str, name: str = "pay.csv") -> Any:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return import_rep_pay(ctx, path)


def build_clean(ctx: Ctx, clock: Any, tmp_path: Path, province: str = "Guangdong") -> None:
    """The clean brand: every check passes for 2026-02 (as of 2026-03-02)."""
    create_product(ctx, {"sku": "P1", "name": "Face cream", "category": "cosmetics",
                         "list_price": "100.00"})
    rep(ctx, "R1", province=province)
    create_customer(ctx, {"customer_ref": "C1", "name": "Customer One", "rep_ref": "R1"})
    # O1: 2 × 100.00 = 200.00 in Feb, region = rep's province, catalogue price.
    order(ctx, "O1", "2026-02-10T10:00:00", region=province)
    # RT1: requested 12 Feb, refunded 14 Feb: 2 days, within 7.
    ret(ctx, "RT1", "O1", "2026-02-12T09:00:00", "2026-02-14T09:00:00")
    # R2 signed 2026-01-20, quits on 2026-02-05 (16 days after signing): effective at once.
    rep(ctx, "R2", joined_on="2026-01-20")
    saved = clock.value
    clock.value = local(ctx, "2026-02-05T09:00:00")
    change_rep_status(ctx, "R2", "terminated", effective_on=dt.date(2026, 2, 5))
    clock.value = saved
    enable_modules(ctx, ["compliance"])
    # R1's pay 60.00 on own sales 200.00 = exactly 30%: allowed.
    pay_csv(ctx, tmp_path, "rep_ref,period,kind,amount\nR1,2026-02,commission,60.00\n"
                           "R1,2026-02,tax,6.00\n")
    # Revenue 200.00 − 100.00 refunded = 100.00; 15% = 15.00 → the ¥20M minimum applies.
    set_deposit_held(ctx, "20000000.00")


@pytest.fixture()
def clean_a(ctx_a: Ctx, clock: Any, tmp_path: Path) -> Ctx:
    build_clean(ctx_a, clock, tmp_path)
    return ctx_a


@pytest.fixture()
def clean_b(ctx_b: Ctx, clock: Any, tmp_path: Path) -> Ctx:
    build_clean(ctx_b, clock, tmp_path, province="Taipei")
    return ctx_b


@pytest.fixture()
def results() -> Callable[[Ctx], dict[str, Any]]:
    """``results(ctx)`` → ``{rule_id: ComplianceResult}`` for February 2026."""

    def run(ctx: Ctx) -> dict[str, Any]:
        ctx.session.rollback()
        return {r.rule_id: r for r in run_checks(ctx, parse_period(ctx, PERIOD))}

    return run


ZERO = Decimal("0.00")


class FakePayModule:
    """A module that pays reps through ``crm_rep_pay_items`` (as loyalty would)."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.calls = 0

    @hookimpl
    def crm_rep_pay_items(self, ctx: Ctx, period_start: dt.date,
                          period_end: dt.date) -> list[Any]:
        self.calls += 1
        return [i for i in self.items if i.period == f"{period_start:%Y-%m}"]

    @hookimpl
    def crm_compliance_checks(self, ctx: Ctx, period_start: dt.date,
                              period_end: dt.date) -> list[Any]:
        return list(getattr(self, "results", []))


@pytest.fixture()
def fake_pay(rt: Any) -> Callable[[Ctx], FakePayModule]:
    """``fake_pay(ctx)``: give ``ctx`` a registry with a ``fakepay`` module enabled."""

    def install(ctx: Ctx) -> FakePayModule:
        module = FakePayModule()
        registry = ModuleRegistry().discover()
        registry.register_all([(Manifest(name="fakepay", version="0.1", summary=""), module)])
        ctx.registry = registry
        ctx.refresh_modules()
        enable_modules(ctx, ["fakepay"])
        return module

    return install
