"""Lifecycle stages kept up to date from order events (set-based, for batches)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import case, func, select, update

from core.context import Ctx
from core.models import Customer, LifecycleStage, Order, OrderStatus
from core.services import payloads


def refresh_stages(ctx: Ctx, customer_ids: Iterable[int]) -> None:
    """Recompute prospect / first purchase / repeat from paid-order counts.

    ``advocate`` is kept once earned (the referral module sets it); a churned customer who
    buys again becomes a repeat buyer.
    """
    ids = sorted(set(customer_ids))
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        paid = (select(func.count(Order.id))
                .where(Order.brand_id == ctx.brand_id, Order.customer_id == Customer.id,
                       Order.status == OrderStatus.PAID)
                .scalar_subquery())
        stage = case(
            (paid >= 2, LifecycleStage.REPEAT.value),
            (paid == 1, LifecycleStage.FIRST_PURCHASE.value),
            else_=LifecycleStage.PROSPECT.value,
        )
        ctx.session.execute(
            update(Customer)
            .where(Customer.brand_id == ctx.brand_id, Customer.id.in_(chunk),
                   Customer.lifecycle_stage != LifecycleStage.ADVOCATE.value)
            .values(lifecycle_stage=stage)
            .execution_options(synchronize_session=False))


def mark_advocate(ctx: Ctx, customer_id: int) -> Customer:
    """Make a customer an advocate (the referral module calls this when someone they
    referred buys). Idempotent; fires ``crm_customer_updated`` when the stage changes."""
    from core.services.scoping import get_by_id

    with ctx.write() as session:
        customer = get_by_id(ctx, Customer, customer_id)
        old = customer.lifecycle_stage
        if old != LifecycleStage.ADVOCATE:
            customer.lifecycle_stage = LifecycleStage.ADVOCATE
            customer.updated_at = ctx.now()
            session.flush()
            ctx.hooks.crm_customer_updated(ctx=ctx, customers=[payloads.customer_event(
                customer.id, customer.customer_ref, customer.rep_id,
                {"lifecycle_stage": (LifecycleStage(old).value,
                                     LifecycleStage.ADVOCATE.value)})])
    return customer
