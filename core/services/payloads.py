"""Event payloads, built in one place for live writes and imports.

A live write passes its ORM rows, an import its spooled rows; both carry the attributes
the protocols below name, so each payload's fields are mapped here once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Protocol

from core.events import (
    CustomerEvent,
    OrderCancelled,
    OrderPaid,
    OrderRefunded,
    RefundedLine,
    RepStatusChanged,
)

ZERO = Decimal("0.00")


class OrderFacts(Protocol):
    """What an order payload reads (an ``Order`` row, or an imported order)."""

    order_ref: str
    customer_id: int
    rep_id: int | None
    ordered_at: dt.datetime
    total_amount: Decimal


def order_paid(order_id: int, order: OrderFacts, paid_at: dt.datetime,
               points_amount: Decimal = ZERO) -> OrderPaid:
    """``crm_order_paid``'s payload for one order."""
    return OrderPaid(order_id=order_id, order_ref=order.order_ref,
                     customer_id=order.customer_id, rep_id=order.rep_id,
                     ordered_at=order.ordered_at, paid_at=paid_at, amount=order.total_amount,
                     points_amount=points_amount)


def order_cancelled(order_id: int, order: OrderFacts, cancelled_at: dt.datetime,
                    was_paid: bool) -> OrderCancelled:
    """``crm_order_cancelled``'s payload for one order."""
    return OrderCancelled(order_id=order_id, order_ref=order.order_ref,
                          customer_id=order.customer_id, rep_id=order.rep_id,
                          cancelled_at=cancelled_at, was_paid=was_paid,
                          amount=order.total_amount)


def order_refunded(*, return_id: int, return_ref: str, order_id: int, order_ref: str,
                   customer_id: int, rep_id: int | None, order_amount: Decimal,
                   amount: Decimal, requested_at: dt.datetime, refunded_at: dt.datetime,
                   lines: Iterable[tuple[str, int, Decimal]]) -> OrderRefunded:
    """``crm_order_refunded``'s payload for one refund (``lines``: sku, quantity, amount);
    ``core.services.orders.refund_events`` adds what was refunded before."""
    return OrderRefunded(return_id=return_id, return_ref=return_ref, order_id=order_id,
                         order_ref=order_ref, customer_id=customer_id, rep_id=rep_id,
                         order_amount=order_amount, amount=amount, requested_at=requested_at,
                         refunded_at=refunded_at,
                         lines=tuple(RefundedLine(sku=sku, quantity=qty, amount=value)
                                     for sku, qty, value in lines))


def customer_event(customer_id: int, customer_ref: str, rep_id: int | None,
                   changes: Mapping[str, Any] | None = None) -> CustomerEvent:
    """``crm_customer_created`` / ``crm_customer_updated``'s payload for one customer."""
    if changes is None:
        return CustomerEvent(customer_id=customer_id, customer_ref=customer_ref, rep_id=rep_id)
    return CustomerEvent(customer_id=customer_id, customer_ref=customer_ref, rep_id=rep_id,
                         changes=dict(changes))


def rep_status_changed(rep_id: int, rep_ref: str, old: Any, new: Any,
                       effective_on: dt.date) -> RepStatusChanged:
    """``crm_rep_status_changed``'s payload (statuses as their codes)."""
    return RepStatusChanged(rep_id=rep_id, rep_ref=rep_ref,
                            old_status=getattr(old, "value", old),
                            new_status=getattr(new, "value", new), effective_on=effective_on)
