"""Orders, payments, cancellations, returns and refunds.

Paying, cancelling and refunding fire the matching hooks; the bulk import fires the very
same hooks in batches (``core.importing``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select

from core import labels
from core.context import Ctx
from core.errors import DomainError, NotFound, ValidationFailed
from core.events import (
    OrderCancelled,
    OrderDraft,
    OrderDraftLine,
    OrderPaid,
    OrderRefunded,
    Problem,
)
from core.i18n import _
from core.models import (
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    Product,
    Rep,
    Return,
    ReturnLine,
)
from core.schemas import (
    OrderSchema,
    RecordPaymentSchema,
    RefundDepositSchema,
    ReturnSchema,
    load_or_raise,
)
from core.services import payloads
from core.services.decisions import problems_by_item, refuse_if_blocking
from core.services.numbering import next_order_ref
from core.services.payments import paid_amount, validate_payments
from core.services.scoping import get_by_ref, own_rep_only, ref_map, resolve_customer
from core.services.settings import get_setting

POINTS_METHOD = "points"


def order_problems(ctx: Ctx, drafts: Sequence[OrderDraft]) -> dict[int, list[Problem]]:
    """``{index in drafts: problems}`` from the enabled modules (``crm_validate_orders``):
    the one decision about orders, for a live order (a batch of one) and an import chunk."""
    return problems_by_item(ctx.hooks.crm_validate_orders(ctx=ctx, orders=list(drafts)))


def order_draft(values: Mapping[str, Any], customer_id: int, rep_id: int | None,
                lines: Sequence[tuple[Mapping[str, Any], int, Decimal]]) -> OrderDraft:
    """The decision payload of an order from its validated values and resolved ids;
    ``lines`` are ``(line values, product_id, list_price)``."""
    draft_lines = tuple(OrderDraftLine(
        product_id=pid, sku=v["sku"], quantity=v["quantity"], unit_price=v["unit_price"],
        list_price=list_price, amount=v["unit_price"] * v["quantity"])
        for v, pid, list_price in lines)
    return OrderDraft(order_ref=values["order_ref"], customer_id=customer_id, rep_id=rep_id,
                      ordered_at=values["ordered_at"], channel=values.get("channel"),
                      region=values.get("region"), status=values.get("status") or "paid",
                      total_amount=sum((line.amount for line in draft_lines),
                                       Decimal("0.00")),
                      lines=draft_lines)


def create_order(ctx: Ctx, data: Mapping[str, Any], *, rest: bool = False) -> Order:
    """Record an order with its lines (and payments); a paid order fires ``crm_order_paid``.

    Without explicit payments, a paid order gets one payment of its total. A pending
    order may come with what the customer pays now (a deposit, at most the total; paying
    the whole total makes it paid). Without an ``order_ref`` the order is numbered from
    the brand's pattern (:mod:`core.services.numbering`). ``rest`` (the web form, a paid
    order): one payment given without an amount pays what the others leave of the total.
    """
    data = {**data}
    if isinstance(data.get("order_ref"), str) and not data["order_ref"].strip():
        data.pop("order_ref")  # a blank form field: number it
    # Payments are checked against the order's total when it is settled (the one payment
    # validation, which also lets one payment without an amount pay the rest).
    payments = data.pop("payments", None)
    values = load_or_raise(OrderSchema(tz=ctx.tz), data)
    with ctx.write() as session:
        if values.get("order_ref") is None:
            values["order_ref"] = next_order_ref(
                ctx, get_setting(ctx, "orders.number_pattern"), values["ordered_at"])
        elif ref_map(ctx, Order, {values["order_ref"]}):
            raise DomainError(_("An order with order_ref %(ref)s already exists.",
                                ref=values["order_ref"]), code="duplicate")
        customer = resolve_customer(ctx, values["customer_ref"], field="customer_ref")
        rep = (get_by_ref(ctx, Rep, values["rep_ref"], field="rep_ref")
               if values.get("rep_ref") else None)
        if rep is None and customer.rep_id is not None:
            rep = session.get(Rep, customer.rep_id)
        own_rep_only(ctx, rep.id if rep else None)
        products = {p.sku: p for p in session.scalars(select(Product).where(
            Product.brand_id == ctx.brand_id,
            Product.sku.in_([line["sku"] for line in values["lines"]])))}
        missing = [i for i, line in enumerate(values["lines"]) if line["sku"] not in products]
        if missing:
            raise ValidationFailed({f"lines.{i}.sku": [_("Unknown sku %(sku)s.",
                                   sku=values["lines"][i]["sku"])] for i in missing})
        draft = order_draft(values, customer.id, rep.id if rep else None,
                            [(line, products[line["sku"]].id, products[line["sku"]].list_price)
                             for line in values["lines"]])
        refuse_if_blocking(order_problems(ctx, [draft]).get(0, []))
        order = Order(brand_id=ctx.brand_id, order_ref=draft.order_ref,
                      customer_id=customer.id, rep_id=draft.rep_id,
                      ordered_at=draft.ordered_at, channel=draft.channel, region=draft.region,
                      status=OrderStatus.PENDING, total_amount=draft.total_amount,
                      created_at=ctx.now())
        order.lines = [OrderLine(brand_id=ctx.brand_id, line_no=i + 1,
                                 product_id=line.product_id, quantity=line.quantity,
                                 unit_price=line.unit_price, amount=line.amount)
                       for i, line in enumerate(draft.lines)]
        session.add(order)
        session.flush()
        status = OrderStatus(values["status"])
        # The new order is in hand: settle it without reading it back (a lookup by ref
        # would apply the caller's rep scope to an order it may not see).
        if status == OrderStatus.PAID:
            _receive(ctx, order, payments, values["ordered_at"], rest=rest)
        elif status == OrderStatus.PENDING and payments:
            # What the customer pays now (a deposit); reaching the total pays the order.
            _receive(ctx, order, payments, values["ordered_at"], partial=True)
        elif status == OrderStatus.CANCELLED:
            if payments:
                raise ValidationFailed({"payments": [_(
                    "A cancelled order takes no payments.")]})
            _cancel(ctx, order, values["ordered_at"])
    return order


def pay_order(ctx: Ctx, order_ref: str, payments: Sequence[Mapping[str, Any]] | None = None,
              paid_at: dt.datetime | None = None) -> Order:
    """Mark a pending order paid with its payments, which must add up to the balance due
    (the total less a deposit); without payments, one payment of the balance.

    ``payments`` is the caller's input as given; it is validated here
    (:func:`core.services.payments.validate_payments`). The order row is locked, so
    concurrent calls pay it once and fire ``crm_order_paid`` once.
    """
    with ctx.write():
        order = get_by_ref(ctx, Order, order_ref, lock=True)
        _receive(ctx, order, payments, paid_at or ctx.now())
    return order


def record_payment(ctx: Ctx, order_ref: str, data: Mapping[str, Any]) -> Order:
    """Record money received for a pending order: a deposit, an instalment or the balance.

    ``data`` is :class:`core.schemas.RecordPaymentSchema`: ``payments`` (method, amount,
    reference) and ``paid_at`` (default now). The payments may add up to at most the
    balance due (more is refused, naming the field). When the order's payments reach its
    total it becomes paid and ``crm_order_paid`` fires, once: the order row is locked, so
    concurrent payments never pay more than the total nor fire twice. A payment whose
    method, reference and amount are already on the order is a retry and is not recorded
    again.
    """
    values = load_or_raise(RecordPaymentSchema(tz=ctx.tz), data)
    paid_at = values["paid_at"] or ctx.now()
    with ctx.write():
        order = get_by_ref(ctx, Order, order_ref, lock=True)
        if paid_at < order.ordered_at:
            raise ValidationFailed({"paid_at": [_(
                "The payment is dated before the order was placed.")]})
        # The input as given: the one payment validation reads it (and names its fields).
        _receive(ctx, order, data["payments"], paid_at, partial=True)
    return order


def _replays(order: Order, raw: Any) -> Any:
    """``raw`` without the payments already recorded on the order (same method,
    reference and amount: a retried request); raw as given when it is not a list of
    payments (the validation names what is wrong with it)."""
    if not isinstance(raw, list | tuple) or not all(isinstance(r, Mapping) for r in raw):
        return raw
    seen = {(p.method, p.reference, p.amount) for p in order.payments if p.reference}
    if not seen:
        return raw
    fresh = []
    for r in raw:
        try:
            key = (r.get("method"), (r.get("reference") or None),
                   Decimal(str(r.get("amount"))).quantize(Decimal("0.01")))
        except (InvalidOperation, TypeError, ValueError):
            key = None
        if key not in seen:
            fresh.append(r)
    return fresh


def _receive(ctx: Ctx, order: Order, payments: Sequence[Mapping[str, Any]] | None,
             paid_at: dt.datetime, *, rest: bool = False, partial: bool = False) -> None:
    """Record payments on a pending order (locked, or just created) in the caller's write
    transaction; when they reach the total the order is paid and ``crm_order_paid`` fires.
    ``partial``: they may leave a balance (a deposit); otherwise they pay all of it."""
    if payments and order.payments:
        payments = _replays(order, payments)
        if not payments:  # every payment given is already recorded: a retry
            return
    if order.status != OrderStatus.PENDING:
        raise DomainError(_("Order %(ref)s is %(status)s, not pending.", ref=order.order_ref,
                            status=labels.label("order_status", order.status)),
                          code="bad_status")
    before = paid_amount(order)
    lines = validate_payments(ctx, order, payments, paid_at, rest=rest, partial=partial,
                              paid_before=before)
    for p in lines:
        order.payments.append(Payment(brand_id=ctx.brand_id, method=p.method,
                                      amount=p.amount, paid_at=paid_at, reference=p.reference))
    if before + sum((p.amount for p in lines), Decimal("0.00")) < order.total_amount:
        ctx.session.flush()  # a deposit: the order stays pending
        return
    order.status = OrderStatus.PAID
    order.paid_at = paid_at
    ctx.session.flush()
    points = sum((p.amount for p in order.payments if p.method == POINTS_METHOD),
                 Decimal("0.00"))
    orders_paid(ctx, [payloads.order_paid(order.id, order, paid_at, points)])


def orders_paid(ctx: Ctx, events: Sequence[OrderPaid]) -> None:
    """Tell everyone that orders became paid, live or imported: the modules first, then
    the core's own reactions (lifecycle stages, lead conversion: ``core.reactions``)."""
    if events:
        ctx.hooks.crm_order_paid(ctx=ctx, orders=list(events))


def orders_cancelled(ctx: Ctx, events: Sequence[OrderCancelled]) -> None:
    """Tell everyone that orders were cancelled (the core refreshes lifecycle stages)."""
    if events:
        ctx.hooks.crm_order_cancelled(ctx=ctx, orders=list(events))


def cancel_order(ctx: Ctx, order_ref: str, cancelled_at: dt.datetime | None = None) -> Order:
    """Cancel an order; a paid one can be cancelled only before any refund.

    A pending order with a deposit is cancelled too (the customer changed their mind):
    its payments stay on record and the deposit is shown as to be refunded
    (:func:`core.services.payments.refund_due`) until :func:`refund_deposit` records that
    it was given back.
    """
    with ctx.write():
        order = get_by_ref(ctx, Order, order_ref, lock=True)
        _cancel(ctx, order, cancelled_at or ctx.now())
    return order


def refund_deposit(ctx: Ctx, order_ref: str, data: Mapping[str, Any] | None = None) -> Order:
    """Record that the deposit of an order cancelled before it was paid has been given
    back (``data``: :class:`core.schemas.RefundDepositSchema`, when and a reference): one
    negative payment per method, so the order's payments add up to zero (payments are
    append-only). Nothing is written when nothing is left to refund, so a retry changes
    nothing; an order that is not cancelled, or was paid in full, is refused."""
    values = load_or_raise(RefundDepositSchema(tz=ctx.tz), data or {})
    refunded_at = values["refunded_at"] or ctx.now()
    with ctx.write():
        order = get_by_ref(ctx, Order, order_ref, lock=True)
        if order.status != OrderStatus.CANCELLED or order.paid_at is not None:
            raise DomainError(_("Order %(ref)s has no deposit to refund: only an order "
                                "cancelled before it was paid in full has one.",
                                ref=order.order_ref), code="bad_status")
        if refunded_at < (order.cancelled_at or order.ordered_at):
            raise ValidationFailed({"refunded_at": [_(
                "The refund is dated before the order was cancelled.")]})
        by_method: dict[str, Decimal] = {}
        for p in order.payments:
            by_method[p.method] = by_method.get(p.method, Decimal("0.00")) + p.amount
        for method, net in sorted(by_method.items()):
            if net > 0:
                order.payments.append(Payment(
                    brand_id=ctx.brand_id, method=method, amount=-net, paid_at=refunded_at,
                    reference=values["reference"]))
        ctx.session.flush()
    return order


def _cancel(ctx: Ctx, order: Order, cancelled_at: dt.datetime) -> None:
    """Cancel an order (locked, or just created) in the caller's write transaction."""
    if order.status == OrderStatus.CANCELLED:
        return
    if order.returns:
        raise DomainError(_("Order %(ref)s has returns; refund the rest instead of "
                            "cancelling.", ref=order.order_ref), code="bad_status")
    was_paid = order.status == OrderStatus.PAID
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = cancelled_at
    ctx.session.flush()
    orders_cancelled(ctx, [payloads.order_cancelled(order.id, order, cancelled_at, was_paid)])


def returned_so_far(ctx: Ctx, order_id: int) -> dict[int, tuple[int, Decimal]]:
    """``{product_id: (quantity, amount)}`` already returned on an order."""
    rows = ctx.session.execute(
        select(ReturnLine.product_id, func.sum(ReturnLine.quantity), func.sum(ReturnLine.amount))
        .join(Return, Return.id == ReturnLine.return_id)
        .where(Return.brand_id == ctx.brand_id, Return.order_id == order_id)
        .group_by(ReturnLine.product_id))
    return {pid: (int(q), Decimal(str(a)).quantize(Decimal("0.01"))) for pid, q, a in rows}


def return_head_problems(ordered_at: dt.datetime, values: Mapping[str, Any]
                         ) -> dict[str, str]:
    """``{column: reason}`` of a return's dates against its order (live and imported)."""
    problems = {}
    if values["requested_at"] < ordered_at:
        problems["requested_at"] = _("The return is requested before the order was placed.")
    if values.get("refunded_at") and values["refunded_at"] < values["requested_at"]:
        problems["refunded_at"] = _("The refund is dated before the request.")
    return problems


def return_line_problems(ordered: tuple[int, Decimal] | None, line: Mapping[str, Any],
                         order_ref: str, done: tuple[int, Decimal]) -> dict[str, str]:
    """``{column: reason}`` for one returned line: the sku must be on the order
    (``ordered`` = its quantity and amount), and with what was ``done`` already (returned
    quantity and refunded amount) it may not exceed them. The one check of what is left
    to return, for the live path and the import."""
    if ordered is None:
        return {"sku": _("Sku %(sku)s is not on order %(ref)s.", sku=line["sku"],
                         ref=order_ref)}
    (ordered_qty, ordered_amount), (done_qty, done_amt) = ordered, done
    problems = {}
    if done_qty + line["quantity"] > ordered_qty:
        problems["quantity"] = _(
            "Returning %(n)s would exceed the %(ordered)s ordered (%(done)s already "
            "returned).", n=line["quantity"], ordered=ordered_qty, done=done_qty)
    if done_amt + line["amount"] > ordered_amount:
        problems["amount"] = _(
            "Refunding %(amount)s would exceed the line amount %(total)s (%(done)s already "
            "refunded).", amount=line["amount"], total=ordered_amount, done=done_amt)
    return problems


def create_return(ctx: Ctx, data: Mapping[str, Any]) -> Return:
    """Record a return on a paid order; with ``refunded_at`` it is refunded at once."""
    values = load_or_raise(ReturnSchema(tz=ctx.tz), data)
    with ctx.write() as session:
        if session.scalar(select(Return.id).where(Return.brand_id == ctx.brand_id,
                                                  Return.return_ref == values["return_ref"])):
            raise DomainError(_("A return with return_ref %(ref)s already exists.",
                                ref=values["return_ref"]), code="duplicate")
        # Locked: what is left to return is checked and written by one writer at a time.
        order = get_by_ref(ctx, Order, values["order_ref"], lock=True, field="order_ref")
        if order.status != OrderStatus.PAID:
            raise DomainError(_("Order %(ref)s is %(status)s; only paid orders can be returned.",
                                ref=order.order_ref, status=order.status.value),
                              code="bad_status")
        by_sku = {line.product.sku: line for line in order.lines}
        before = returned_so_far(ctx, order.id)
        errors: dict[str, list[str]] = {
            k: [v] for k, v in return_head_problems(order.ordered_at, values).items()}
        for i, line in enumerate(values["lines"]):
            ordered = by_sku.get(line["sku"])
            done = before.get(ordered.product_id, (0, Decimal("0.00"))) if ordered \
                else (0, Decimal("0.00"))
            for column, reason in return_line_problems(
                    (ordered.quantity, ordered.amount) if ordered else None, line,
                    order.order_ref, done).items():
                errors[f"lines.{i}.{column}"] = [reason]
        if errors:
            raise ValidationFailed(errors)
        amount = sum((line["amount"] for line in values["lines"]), Decimal("0.00"))
        ret = Return(brand_id=ctx.brand_id, return_ref=values["return_ref"], order_id=order.id,
                     amount=amount, requested_at=values["requested_at"],
                     reason=values.get("reason"), created_at=ctx.now())
        ret.lines = [ReturnLine(brand_id=ctx.brand_id, product_id=by_sku[line["sku"]].product_id,
                                quantity=line["quantity"], amount=line["amount"])
                     for line in values["lines"]]
        session.add(ret)
        session.flush()
        if values.get("refunded_at"):
            refund_return(ctx, ret.return_ref, values["refunded_at"])
    return ret


def refund_return(ctx: Ctx, return_ref: str, refunded_at: dt.datetime | None = None) -> Return:
    """Pay back a recorded return; fires ``crm_order_refunded`` once."""
    refunded_at = refunded_at or ctx.now()
    with ctx.write() as session:
        ret = session.scalar(select(Return).where(Return.brand_id == ctx.brand_id,
                                                  Return.return_ref == return_ref)
                             .with_for_update().execution_options(populate_existing=True))
        if ret is None:
            raise NotFound(_("No return with reference %(ref)s.", ref=return_ref))
        if ret.refunded_at is not None:
            return ret
        ret.refunded_at = refunded_at
        session.flush()
        order = ret.order
        ctx.hooks.crm_order_refunded(ctx=ctx, refunds=[refund_event(ctx, ret, order)])
    return ret


def refund_event(ctx: Ctx, ret: Return, order: Order) -> OrderRefunded:
    """The hook payload for a refunded return (see :func:`refund_events`)."""
    assert ret.refunded_at is not None
    return refund_events(ctx, [payloads.order_refunded(
        return_id=ret.id, return_ref=ret.return_ref, order_id=order.id,
        order_ref=order.order_ref, customer_id=order.customer_id, rep_id=order.rep_id,
        order_amount=order.total_amount, amount=ret.amount, requested_at=ret.requested_at,
        refunded_at=ret.refunded_at,
        lines=((line.product.sku, line.quantity, line.amount) for line in ret.lines))])[0]


def refund_events(ctx: Ctx, refunds: Sequence[OrderRefunded]) -> list[OrderRefunded]:
    """The refunds with ``refunded_total`` filled in: what the order's refunded returns
    add up to at each refund's own time, this one included (one query per batch, for the
    live path and the import alike). The refunds must already be written."""
    order_ids = sorted({r.order_id for r in refunds})
    history: dict[int, list[tuple[dt.datetime, int, Decimal]]] = {}
    for i in range(0, len(order_ids), 900):
        for oid, at, rid, amount in ctx.session.execute(
                select(Return.order_id, Return.refunded_at, Return.id, Return.amount)
                .where(Return.brand_id == ctx.brand_id,
                       Return.order_id.in_(order_ids[i:i + 900]),
                       Return.refunded_at.is_not(None))):
            history.setdefault(oid, []).append((at, rid, amount))
    out = []
    for r in refunds:
        key = (r.refunded_at, r.return_id)
        so_far = sum((amount for at, rid, amount in history.get(r.order_id, [])
                      if (at, rid) <= key), Decimal("0.00"))
        out.append(replace(r, refunded_total=so_far))
    return out
