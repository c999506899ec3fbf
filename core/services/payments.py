"""The one validation every payment goes through (API, web, CLI, import of a paid order).

Amounts are positive and bounded (:class:`core.schemas.PaymentSchema`), add up to the
order's total, use a method of the brand's list (the setting ``orders.payment_methods``
plus what its enabled modules contribute through ``crm_payment_methods``), and every
enabled module may object through ``crm_validate_payments`` (loyalty: the points balance).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from core.context import Ctx
from core.errors import ValidationFailed
from core.events import PaymentDraft, PaymentLine
from core.i18n import _
from core.models import Order
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
                      paid_at: dt.datetime, *, rest: bool = False) -> tuple[PaymentLine, ...]:
    """The payments that settle ``order``, or ValidationFailed naming every bad field.

    ``raw`` is the caller's input as given (a JSON list, form values); None means one
    payment of the whole total with an unspecified method. With ``rest`` (the web form),
    one payment without an amount pays the rest (:func:`the_rest`); the API keeps every
    amount required.
    """
    if raw is None:
        return (PaymentLine(method=UNSPECIFIED_METHOD, amount=order.total_amount),)
    if rest:
        raw = the_rest(order.total_amount, raw)
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
    if paid != order.total_amount:
        errors["payments"] = [_("Payments add up to %(paid)s but the order total is "
                                "%(total)s.", paid=paid, total=order.total_amount)]
    if errors:
        raise ValidationFailed(errors)
    draft = PaymentDraft(order_id=order.id, order_ref=order.order_ref,
                         customer_id=order.customer_id, total=order.total_amount,
                         paid_at=paid_at, payments=lines)
    for problems in ctx.hooks.crm_validate_payments(ctx=ctx, payment=draft):
        for problem in problems or ():
            if problem.blocking:
                errors.setdefault(problem.field or "payments", []).append(problem.message)
    if errors:
        raise ValidationFailed(errors)
    return lines
