"""Test data for module tests, written through the core's own services (the one write
path: validation, scoping, events and audit as in production). The ``build`` fixture of
:mod:`core.testing.plugin` is an instance of :class:`Builders`."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from core.context import Ctx
from core.models import Customer, Order, Product, Rep, Return
from core.services.customers import create_customer
from core.services.orders import create_order, create_return
from core.services.products import create_product
from core.services.reps import create_rep

#: An order line: ``(sku, quantity)`` at the product's list price, or
#: ``(sku, quantity, unit_price)``.
Line = tuple[str, int] | tuple[str, int, str]


class Builders:
    """Reps, customers, products, paid orders and refunds for a brand's ``ctx``.

    Every method takes the context first, gives sensible defaults (numbered refs, the
    context's clock for times) and returns the record written. Keyword arguments are
    passed on as the service's input fields (the CSV column names of the README).
    """

    def __init__(self) -> None:
        self._numbers = itertools.count(1)

    def _next(self, prefix: str) -> str:
        return f"{prefix}{next(self._numbers):03d}"

    def rep(self, ctx: Ctx, ref: str | None = None, **fields: Any) -> Rep:
        """An active rep (``status="active"`` unless given)."""
        ref = ref or self._next("R")
        return create_rep(ctx, {"rep_ref": ref, "name": f"Rep {ref}", "status": "active",
                                **fields})

    def customer(self, ctx: Ctx, ref: str | None = None, *, rep: str | None = None,
                 **fields: Any) -> Customer:
        """A customer, owned by rep ``rep`` when given (no phone unless given, so no
        duplicate warning interferes)."""
        ref = ref or self._next("C")
        data = {"customer_ref": ref, "name": f"Customer {ref}", **fields}
        if rep:
            data["rep_ref"] = rep
        return create_customer(ctx, data)

    def product(self, ctx: Ctx, sku: str | None = None, *, price: str = "100.00",
                category: str = "cosmetics", **fields: Any) -> Product:
        """A product in one of the six permitted categories, at list price ``price``."""
        sku = sku or self._next("P")
        return create_product(ctx, {"sku": sku, "name": f"Product {sku}",
                                    "category": category, "list_price": price, **fields})

    def paid_order(self, ctx: Ctx, customer: str, lines: Sequence[Line], *,
                   ref: str | None = None, at: dt.datetime | str | None = None,
                   rep: str | None = None, payments: Sequence[Mapping[str, Any]] | None = None,
                   status: str = "paid") -> Order:
        """An order of ``customer`` (its ref) with ``lines``, paid at ``at`` (default: now)
        by one payment of its total unless ``payments`` are given; ``crm_order_paid`` fires
        as in production. ``status="pending"`` leaves it unpaid."""
        prices = dict(ctx.session.execute(select(Product.sku, Product.list_price).where(
            Product.brand_id == ctx.brand_id, Product.sku.in_([line[0] for line in lines]))).all())
        data: dict[str, Any] = {
            "order_ref": ref or self._next("SO"), "customer_ref": customer,
            "ordered_at": _iso(at or ctx.now()), "status": status,
            "lines": [{"sku": line[0], "quantity": line[1],
                       "unit_price": line[2] if len(line) > 2  # type: ignore[misc]
                       else str(prices.get(line[0], "0.00"))}
                      for line in lines]}
        ctx.session.rollback()  # the price lookup must not hold a transaction open
        if rep:
            data["rep_ref"] = rep
        if payments is not None:
            data["payments"] = list(payments)
        return create_order(ctx, data)

    def refund(self, ctx: Ctx, order_ref: str, lines: Sequence[tuple[str, int, str]], *,
               ref: str | None = None, at: dt.datetime | str | None = None) -> Return:
        """A return of ``(sku, quantity, amount)`` lines of a paid order, refunded at
        ``at`` (default: now); ``crm_order_refunded`` fires."""
        when = _iso(at or ctx.now())
        return create_return(ctx, {
            "return_ref": ref or self._next("RT"), "order_ref": order_ref,
            "requested_at": when, "refunded_at": when,
            "lines": [{"sku": s, "quantity": q, "amount": a} for s, q, a in lines]})


def _iso(value: dt.datetime | str) -> str:
    return value if isinstance(value, str) else value.isoformat()
