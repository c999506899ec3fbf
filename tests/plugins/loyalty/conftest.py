"""Loyalty test helpers: a brand with the module on, customers, and orders by amount."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from core.context import Ctx
from core.services.customers import create_customer
from core.services.modules import enable_modules
from core.services.orders import create_order, create_return
from core.services.products import create_product
from core.services.reps import create_rep
from plugins.loyalty.models import LoyaltyAllocation, LoyaltyEntry


def seed(ctx: Ctx, customers: tuple[str, ...] = ("C1",)) -> None:
    """A rep R1, customers, and a product P1 whose price each order line overrides."""
    create_rep(ctx, {"rep_ref": "R1", "name": "王芳", "phone": "13900000001"})
    for i, ref in enumerate(customers):
        create_customer(ctx, {"customer_ref": ref, "name": f"客户{i}",
                              "phone": f"1380000{i:04d}", "rep_ref": "R1"})
    create_product(ctx, {"sku": "P1", "name": "面霜", "category": "cosmetics",
                         "list_price": "100.00"})


def pay(ctx: Ctx, order_ref: str, amount: str, customer: str = "C1",
        at: str = "2026-03-01T10:00:00", points_amount: str | None = None, qty: int = 1):
    """A paid order of one line of ``qty`` units worth ``amount`` in all; ``points_amount``
    of it paid with points."""
    unit = Decimal(amount) / qty
    assert unit == unit.quantize(Decimal("0.01")), "pick a quantity that divides the amount"
    data = {"order_ref": order_ref, "customer_ref": customer, "ordered_at": at,
            "lines": [{"sku": "P1", "quantity": qty, "unit_price": str(unit)}]}
    if points_amount is not None:
        cash = Decimal(amount) - Decimal(points_amount)
        cash_part = [{"method": "cash", "amount": str(cash)}] if cash else []
        data["payments"] = [*cash_part, {"method": "points", "amount": points_amount}]
    return create_order(ctx, data)


def refund(ctx: Ctx, return_ref: str, order_ref: str, amount: str,
           at: str = "2026-03-05T10:00:00", qty: int = 1):
    """Refund ``amount`` for ``qty`` units of an order's P1 line (refunded at once)."""
    return create_return(ctx, {"return_ref": return_ref, "order_ref": order_ref,
                               "requested_at": at, "refunded_at": at,
                               "lines": [{"sku": "P1", "quantity": qty, "amount": amount}]})


def entries(ctx: Ctx) -> list[tuple]:
    """Every ledger row of the brand as plain tuples (for snapshots)."""
    ctx.session.expire_all()
    return [(e.id, e.customer_id, e.kind.value, e.points, e.source_kind.value, e.source_ref,
             e.effective_at, e.expires_at)
            for e in ctx.session.scalars(select(LoyaltyEntry).where(
                LoyaltyEntry.brand_id == ctx.brand_id).order_by(LoyaltyEntry.id))]


def allocations(ctx: Ctx) -> list[tuple]:
    return [(a.id, a.entry_id, a.lot_id, a.points) for a in ctx.session.scalars(
        select(LoyaltyAllocation).where(LoyaltyAllocation.brand_id == ctx.brand_id)
        .order_by(LoyaltyAllocation.id))]


def balance(ctx: Ctx, customer: str = "C1") -> int:
    from core.models import Customer
    from core.services.scoping import get_by_ref
    from plugins.loyalty.ledger import balances

    cid = get_by_ref(ctx, Customer, customer).id
    ctx.session.rollback()
    return balances(ctx, [cid])[cid]


@pytest.fixture()
def loyal_a(ctx_a: Ctx) -> Ctx:
    """Brand A with loyalty enabled and customer C1 (plus rep R1, product P1)."""
    enable_modules(ctx_a, ["loyalty"])
    seed(ctx_a)
    return ctx_a
