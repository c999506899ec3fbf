"""The one validation every payment goes through (API, web, CLI, import of a paid order).

Amounts are positive and bounded (:class:`core.schemas.PaymentSchema`), add up to the
order's balance due (its total less a deposit; a deposit or instalment may add up to
less, never more), use a method of the brand's list (the setting ``orders.payment_methods``
plus what its enabled modules contribute through ``crm_payment_methods``), and every
enabled module may object through ``crm_validate_payments`` (loyalty: the points balance).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select

from core.analytics.sql import cents, money
from core.context import Ctx
from core.errors import ValidationFailed
from core.events import PaymentDraft, PaymentLine
from core.i18n import _
from core.models import Order, OrderStatus, Payment
from core.schemas import PayOrderSchema, load_or_raise
from core.services.settings import get_setting

# Used when an order is paid without saying how (the web's Pay button, a paid order
# created without payments); always accepted.
UNSPECIFIED_METHOD = "unspecified"


def payment_methods(ctx: Ctx) -> list[str]:
    """The methods the brand accepts: its setting, then what enabled modules add."""
    methods = list(get_setting(ctx, "orders.payment_methods"))
    for contributed in ctx.hooks.crm_payment_methods(ctx=ctx):
        methods += [m for m in contributed or () if m not in methods]
    return methods


def the_rest(total: Decimal, raw: Sequence[Mapping[str, Any]]
             ) -> Sequence[Mapping[str, Any]]:
    """One payment given without an amount pays what the others leave of ``total`` (e.g.
    200 in points, the rest in cash). Anything else is returned as given, to be checked."""
    if not isinstance(raw, list | tuple) or not all(isinstance(r, Mapping) for r in raw):
        return raw
    blank = [i for i, r in enumerate(raw) if r.get("amount") in (None, "")]
    if len(blank) != 1:
        return raw
    try:
        others = sum((Decimal(str(r["amount"])) for i, r in enumerate(raw) if i != blank[0]),
                     Decimal("0.00"))
    except (InvalidOperation, KeyError, TypeError, ValueError):
        return raw
    if not others.is_finite() or total - others <= 0:
        return raw
    rows = [dict(r) for r in raw]
    rows[blank[0]]["amount"] = str(total - others)
    return rows


def validate_payments(ctx: Ctx, order: Order, raw: Sequence[Mapping[str, Any]] | None,
                      paid_at: dt.datetime, *, rest: bool = False, partial: bool = False,
                      paid_before: Decimal = Decimal("0.00")) -> tuple[PaymentLine, ...]:
    """The payments to record on ``order``, or ValidationFailed naming every bad field.

    ``raw`` is the caller's input as given (a JSON list, form values); None means one
    payment of the balance due with an unspecified method. ``paid_before`` is what the
    order's earlier payments (a deposit) add up to: the payments must pay the rest of the
    total exactly, or with ``partial`` (a deposit, an instalment) at most that rest. With
    ``rest`` (the web form), one payment without an amount pays the rest
    (:func:`the_rest`); the API keeps every amount required.
    """
    due = order.total_amount - paid_before
    if raw is None:
        if partial:
            raise ValidationFailed({"payments": [_("Give the payment: its method and "
                                                   "amount.")]})
        return (PaymentLine(method=UNSPECIFIED_METHOD, amount=due),)
    if rest:
        raw = the_rest(due, raw)
    values = load_or_raise(PayOrderSchema(tz=ctx.tz), {"payments": raw})
    lines = tuple(PaymentLine(method=p["method"], amount=p["amount"],
                              reference=p.get("reference")) for p in values["payments"])
    errors: dict[str, list[str]] = {}
    accepted = payment_methods(ctx)
    for i, line in enumerate(lines):
        if line.method not in accepted and line.method != UNSPECIFIED_METHOD:
            errors[f"payments.{i}.method"] = [_(
                "Unknown payment method %(method)s; this brand accepts %(methods)s.",
                method=line.method, methods=", ".join(accepted))]
    paid = sum((line.amount for line in lines), Decimal("0.00"))
    # One payment: the amount field is the one at fault; several: their sum.
    where = "payments.0.amount" if len(lines) == 1 else "payments"
    if partial and paid > due:
        errors[where] = [_("Payments add up to %(paid)s but the balance due is %(due)s: "
                           "an order cannot be paid more than its total.", paid=paid,
                           due=due)]
    elif not partial and paid != due:
        errors["payments"] = [
            _("Payments add up to %(paid)s but the balance due is %(due)s.", paid=paid,
              due=due) if paid_before else
            _("Payments add up to %(paid)s but the order total is %(total)s.", paid=paid,
              total=order.total_amount)]
    if errors:
        raise ValidationFailed(errors)
    draft = PaymentDraft(order_id=order.id, order_ref=order.order_ref,
                         customer_id=order.customer_id, total=order.total_amount,
                         paid_at=paid_at, payments=lines, settles=paid == due,
                         paid_before=paid_before)
    for problems in ctx.hooks.crm_validate_payments(ctx=ctx, payment=draft):
        for problem in problems or ():
            if problem.blocking:
                errors.setdefault(problem.field or "payments", []).append(problem.message)
    if errors:
        raise ValidationFailed(errors)
    return lines


# -- what an order's payments add up to ------------------------------------------------
# Payments are append-only: a deposit given back when its order is cancelled is a
# negative payment of the same method (see core.services.orders.refund_deposit), so what
# the customer has paid is always the sum of the order's payment rows.


def paid_amount(order: Order) -> Decimal:
    """What the payments of ``order`` add up to (net of deposits given back)."""
    return sum((p.amount for p in order.payments), Decimal("0.00"))


def balance_due(order: Order, paid: Decimal | None = None) -> Decimal:
    """What is left to pay on a pending order (0 for a paid or cancelled one)."""
    if order.status != OrderStatus.PENDING:
        return Decimal("0.00")
    return order.total_amount - (paid_amount(order) if paid is None else paid)


def refund_due(order: Order, paid: Decimal | None = None) -> Decimal:
    """The deposit still to give back on an order cancelled before it was paid in full."""
    if order.status != OrderStatus.CANCELLED or order.paid_at is not None:
        return Decimal("0.00")
    return max(paid_amount(order) if paid is None else paid, Decimal("0.00"))


def payment_state(order: Order, paid: Decimal | None = None) -> str:
    """The order's state as people read it, derived from its payments (the stored status
    stays ``pending`` until the payments reach the total): ``pending``, ``partly_paid``,
    ``paid``, ``cancelled`` or ``refund_due`` (cancelled with a deposit to give back)."""
    paid = paid_amount(order) if paid is None else paid
    if order.status == OrderStatus.PENDING:
        return "partly_paid" if paid > 0 else "pending"
    if order.status == OrderStatus.CANCELLED and refund_due(order, paid) > 0:
        return "refund_due"
    return order.status.value


PAYMENT_STATES = ("pending", "partly_paid", "paid", "cancelled", "refund_due")


def paid_cents_sql() -> Any:
    """A correlated scalar subquery: what an :class:`Order` row's payments add up to, in
    whole cents (exact on SQLite too), for lists filtered or sorted by it."""
    return (select(func.coalesce(func.sum(cents(Payment.amount)), 0))
            .where(Payment.brand_id == Order.brand_id, Payment.order_id == Order.id)
            .correlate(Order).scalar_subquery())


def paid_amounts(ctx: Ctx, order_ids: Sequence[int]) -> dict[int, Decimal]:
    """``{order id: paid amount}`` for a page of orders (one query)."""
    if not order_ids:
        return {}
    rows = ctx.session.execute(
        select(Payment.order_id, func.coalesce(func.sum(cents(Payment.amount)), 0))
        .where(Payment.brand_id == ctx.brand_id, Payment.order_id.in_(list(order_ids)))
        .group_by(Payment.order_id))
    out = {oid: Decimal("0.00") for oid in order_ids}
    out.update({oid: money(total) for oid, total in rows})
    return out
