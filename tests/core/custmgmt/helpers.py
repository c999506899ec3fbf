"""Small builders for customer-management tests (through the real services)."""

from __future__ import annotations

from collections.abc import Iterable

from core.context import Ctx
from core.services.customers import create_customer
from core.services.orders import create_order, create_return
from core.services.products import create_product
from core.services.reps import create_rep

_counter = {"order": 0, "return": 0}


def seed_catalogue(ctx: Ctx, reps: Iterable[str] = ("R1",)) -> None:
    """Reps and one product ``P`` (prices are given per line)."""
    for i, ref in enumerate(reps):
        create_rep(ctx, {"rep_ref": ref, "name": f"Rep {ref}", "phone": f"1390000{i:04d}"})
    create_product(ctx, {"sku": "P", "name": "Cream", "category": "cosmetics",
                         "list_price": "1.00"})


def customers(ctx: Ctx, *refs: str, rep: str | None = None) -> None:
    """Customers with the given refs (no phone, so no duplicate checks interfere)."""
    for ref in refs:
        data = {"customer_ref": ref, "name": f"Customer {ref}"}
        if rep:
            data["rep_ref"] = rep
        create_customer(ctx, data)


def order(ctx: Ctx, customer: str, when: str, amount: str, *, status: str = "paid",
          rep: str | None = None, ref: str | None = None) -> str:
    """One order of one line of ``amount`` at local time ``when`` (ISO, brand timezone)."""
    _counter["order"] += 1
    order_ref = ref or f"O{_counter['order']}"
    data = {"order_ref": order_ref, "customer_ref": customer, "ordered_at": when,
            "status": status, "lines": [{"sku": "P", "quantity": 1, "unit_price": amount}]}
    if rep:
        data["rep_ref"] = rep
    create_order(ctx, data)
    return order_ref


def refund(ctx: Ctx, order_ref: str, amount: str, when: str) -> None:
    """A refunded return of ``amount`` on the order's line ``P``."""
    _counter["return"] += 1
    create_return(ctx, {"return_ref": f"RT{_counter['return']}", "order_ref": order_ref,
                        "requested_at": when, "refunded_at": when,
                        "lines": [{"sku": "P", "quantity": 1, "amount": amount}]})
