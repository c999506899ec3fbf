"""Small builders shared by the task, merge, handover and lead tests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.models import Customer, Interaction, InteractionKind, Task
from core.services.customers import create_customer
from core.services.orders import create_order
from core.services.reps import create_rep
from core.testing.plugin import run_cli_fixture  # noqa: F401  (the fixture, re-exported)

UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    """An aware UTC datetime."""
    return dt.datetime(*args, tzinfo=UTC)


def rep(ctx, ref, **kw):
    return create_rep(ctx, {"rep_ref": ref, "name": f"Rep {ref}", "status": "active",
                            "joined_on": "2025-01-01", **kw})


def customer(ctx, ref, rep_ref=None, **kw):
    data = {"customer_ref": ref, "name": f"Customer {ref}", **kw}
    if rep_ref:
        data["rep_ref"] = rep_ref
    return create_customer(ctx, data, allow_duplicate=True)


def order(ctx, ref, customer_ref, at, lines, status="paid"):
    """``lines``: [(sku, qty, unit_price)]; ``at``: naive local ISO string."""
    return create_order(ctx, {"order_ref": ref, "customer_ref": customer_ref, "ordered_at": at,
                              "status": status,
                              "lines": [{"sku": s, "quantity": q, "unit_price": p}
                                        for s, q, p in lines]})


def interaction(ctx, customer_id, at, rep_id=None):
    with ctx.write() as session:
        session.add(Interaction(brand_id=ctx.brand_id, customer_id=customer_id, rep_id=rep_id,
                                kind=InteractionKind.CALL, occurred_at=at, summary="call",
                                created_by="tester"))


def tasks(ctx, kind=None):
    """``{rule_key: (customer_ref, rep_id, due_at)}`` of the brand's tasks."""
    stmt = (select(Task.rule_key, Customer.customer_ref, Task.rep_id, Task.due_at)
            .outerjoin(Customer, Customer.id == Task.customer_id)
            .where(Task.brand_id == ctx.brand_id))
    if kind:
        stmt = stmt.where(Task.kind == kind)
    ctx.session.rollback()
    return {k: (c, r, d) for k, c, r, d in ctx.session.execute(stmt)}


