"""The customer 360° view: profile, owner, figures, timeline, and module sections."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import selectinload

from core.analytics.sql import cents, money
from core.context import Ctx
from core.events import ProfileSection
from core.models import (
    Customer,
    Interaction,
    Order,
    OrderLine,
    OrderStatus,
    Rep,
    Return,
    Task,
)
from core.privacy import masked as mask
from core.segmentation.services import customer_segments
from core.services.payments import balance_due, paid_amounts, paid_cents_sql, payment_state
from core.services.scoping import get_by_id


@dataclass(frozen=True)
class TimelineEntry:
    """One dated event in a customer's history."""

    at: dt.datetime
    kind: str  # order, return, interaction, task
    title: str
    detail: str = ""
    amount: Decimal | None = None
    status: str = ""
    link_id: int | None = None
    balance_due: Decimal | None = None  # an order partly paid: what is left to pay


@dataclass
class CustomerProfile:
    """Everything the 360° page shows."""

    customer: Customer
    phone_masked: str | None
    rep: Rep | None
    tags: list[str]
    segments: dict[str, str]
    orders_paid: int
    revenue: Decimal
    refunded: Decimal
    last_order_at: dt.datetime | None
    timeline: list[TimelineEntry] = field(default_factory=list)
    sections: list[ProfileSection] = field(default_factory=list)
    # What the customer still owes on pending orders (their totals less deposits), and
    # deposits to give back on orders cancelled before they were paid.
    balance_due: Decimal = Decimal("0.00")
    refund_due: Decimal = Decimal("0.00")


def customer_profile(ctx: Ctx, customer_id: int, timeline_limit: int = 50) -> CustomerProfile:
    """The 360° view of one customer (NotFound for another brand's or rep's customer)."""
    customer = get_by_id(ctx, Customer, customer_id)
    s = ctx.session
    paid = s.execute(select(func.count(Order.id),
                            func.coalesce(func.sum(cents(Order.total_amount)), 0),
                            func.max(Order.ordered_at))
                     .where(Order.brand_id == ctx.brand_id, Order.customer_id == customer.id,
                            Order.status == OrderStatus.PAID)).one()
    refunded = s.scalar(select(func.coalesce(func.sum(cents(Return.amount)), 0))
                        .join(Order, Order.id == Return.order_id)
                        .where(Return.brand_id == ctx.brand_id, Order.customer_id == customer.id,
                               Return.refunded_at.is_not(None)))
    paid_cents = paid_cents_sql()
    open_money = s.execute(
        select(func.coalesce(func.sum(case(
                   (Order.status == OrderStatus.PENDING,
                    cents(Order.total_amount) - paid_cents), else_=0)), 0),
               func.coalesce(func.sum(case(
                   (and_(Order.status == OrderStatus.CANCELLED, Order.paid_at.is_(None),
                         paid_cents > 0), paid_cents), else_=0)), 0))
        .where(Order.brand_id == ctx.brand_id, Order.customer_id == customer.id,
               Order.status != OrderStatus.PAID)).one()
    timeline: list[TimelineEntry] = []
    recent = list(s.scalars(select(Order).where(Order.brand_id == ctx.brand_id,
                                                Order.customer_id == customer.id)
                            # lines and their products in two queries, not two per order
                            .options(selectinload(Order.lines).joinedload(OrderLine.product))
                            .order_by(Order.ordered_at.desc()).limit(timeline_limit)))
    paid_by_order = paid_amounts(ctx, [o.id for o in recent])
    for o in recent:
        paid_so_far = paid_by_order[o.id]
        due = balance_due(o, paid_so_far)
        detail = ", ".join(f"{ln.product.name} × {ln.quantity}" for ln in o.lines)
        timeline.append(TimelineEntry(o.ordered_at, "order", o.order_ref, detail,
                                      o.total_amount, payment_state(o, paid_so_far), o.id,
                                      balance_due=due if paid_so_far > 0 else None))
    for r in s.scalars(select(Return).join(Order, Order.id == Return.order_id)
                       .where(Return.brand_id == ctx.brand_id, Order.customer_id == customer.id)
                       .order_by(Return.requested_at.desc()).limit(timeline_limit)):
        timeline.append(TimelineEntry(r.requested_at, "return", r.return_ref, r.reason or "",
                                      r.amount, "refunded" if r.refunded_at else "requested",
                                      r.id))
    for i in s.scalars(select(Interaction).where(Interaction.brand_id == ctx.brand_id,
                                                 Interaction.customer_id == customer.id)
                       .order_by(Interaction.occurred_at.desc()).limit(timeline_limit)):
        timeline.append(TimelineEntry(i.occurred_at, "interaction", i.kind.value, i.summary,
                                      link_id=i.id))
    for t in s.scalars(select(Task).where(Task.brand_id == ctx.brand_id,
                                          Task.customer_id == customer.id)
                       .order_by(Task.due_at.desc()).limit(timeline_limit)):
        timeline.append(TimelineEntry(t.due_at, "task", t.title, "", status=t.status.value,
                                      link_id=t.id))
    timeline.sort(key=lambda e: e.at, reverse=True)
    sections = [sec for secs in ctx.hooks.crm_customer_profile_sections(
        ctx=ctx, customer_id=customer.id) if secs for sec in secs]
    sections.sort(key=lambda sec: (sec.order, sec.key))
    return CustomerProfile(
        customer=customer, phone_masked=mask(customer.phone),
        rep=s.get(Rep, customer.rep_id) if customer.rep_id else None,
        tags=sorted(t.tag for t in customer.tags), segments=customer_segments(ctx, customer.id),
        orders_paid=int(paid[0]), revenue=money(paid[1]), refunded=money(refunded),
        last_order_at=_aware(paid[2]),
        timeline=timeline[:timeline_limit], sections=sections,
        balance_due=money(open_money[0]), refund_due=money(open_money[1]))


def customer_card(ctx: Ctx, customer: Customer) -> dict[str, Any]:
    """The fields of a customer as shown in lists and the API (phone masked)."""
    return {"id": customer.id, "customer_ref": customer.customer_ref, "name": customer.name,
            "phone": mask(customer.phone), "email": customer.email,
            "birthday": customer.birthday, "source_channel": customer.source_channel,
            "lifecycle_stage": customer.lifecycle_stage.value,
            "tags": sorted(t.tag for t in customer.tags)}


def _aware(value: dt.datetime | str | None) -> dt.datetime | None:
    """MAX() over a column loses its type on SQLite: make the value an aware UTC time."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value
