"""A lead converts on its customer's first paid order.

:func:`convert_leads` is called from the order-paid path (``core.services.orders.pay_order``,
and the bulk import after each batch) with the customers whose orders were paid, and by
``tick`` over the whole brand as a catch-up. It is set-based and idempotent:

1. link: an open lead without a customer whose phone hash equals a live customer's phone
   hash gets that customer (the rep made the customer without going through the lead);
2. convert: a linked lead not yet converted whose customer has a paid order placed at or
   after the lead was captured becomes ``converted``, ``converted_at`` = that first paid
   order's payment time. Earlier orders do not count: the lead did not bring them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, func, select, update

from core.context import Ctx
from core.leads.models import Lead, LeadStatus
from core.models import Customer, Order, OrderStatus

CHUNK = 500


def convert_leads(ctx: Ctx, customer_ids: Iterable[int] | None = None) -> int:
    """Link and convert leads for these customers (None = the whole brand); returns how
    many leads became converted. Runs inside the caller's write transaction."""
    bid = ctx.brand_id
    ids = sorted(set(customer_ids)) if customer_ids is not None else None
    if ids == []:
        return 0
    chunks = [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)] if ids else [None]
    converted = 0
    with ctx.write() as session:
        for chunk in chunks:
            match = (select(Customer.id).where(
                Customer.brand_id == bid, Customer.merged_into_id.is_(None),
                Customer.phone_hash == Lead.phone_hash)
                .order_by(Customer.id).limit(1).scalar_subquery())
            open_unlinked = and_(Lead.brand_id == bid, Lead.customer_id.is_(None),
                                 Lead.phone_hash.is_not(None),
                                 Lead.status != LeadStatus.CONVERTED.value)
            if chunk is not None:
                hashes = select(Customer.phone_hash).where(Customer.brand_id == bid,
                                                           Customer.id.in_(chunk))
                open_unlinked = and_(open_unlinked, Lead.phone_hash.in_(hashes))
            session.execute(update(Lead).where(open_unlinked, match.is_not(None))
                            .values(customer_id=match)
                            .execution_options(synchronize_session=False))
            first_paid = (select(func.min(Order.paid_at)).where(
                Order.brand_id == bid, Order.customer_id == Lead.customer_id,
                Order.status == OrderStatus.PAID, Order.ordered_at >= Lead.created_at)
                .scalar_subquery())
            todo = and_(Lead.brand_id == bid, Lead.customer_id.is_not(None),
                        Lead.status != LeadStatus.CONVERTED.value)
            if chunk is not None:
                todo = and_(todo, Lead.customer_id.in_(chunk))
            converted += session.execute(
                update(Lead).where(todo, first_paid.is_not(None))
                .values(status=LeadStatus.CONVERTED.value, converted_at=first_paid,
                        updated_at=ctx.now())
                .execution_options(synchronize_session=False)).rowcount
    return converted
