"""Returns: one CSV row per returned line; consecutive rows with one return_ref form a return."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import func, select

from core.bulk import chunks, insert_many, insert_returning_ids
from core.i18n import _
from core.importing.base import Kind, Unit
from core.models import Order, OrderLine, OrderStatus, Product, Return, ReturnLine
from core.schemas import ReturnRowSchema
from core.services.orders import refund_events, return_head_problems, return_line_problems
from core.services.payloads import order_refunded

RETURN_FIELDS = ("order_ref", "requested_at", "refunded_at")
ZERO = Decimal("0.00")


class OrderInfo(NamedTuple):
    id: int
    status: str
    customer_id: int
    rep_id: int | None
    total: Decimal
    ordered_at: dt.datetime
    lines: dict[str, tuple[int, int, Decimal]]  # sku → product_id, quantity, amount


class ReturnPayload(NamedTuple):
    return_ref: str
    order_id: int
    order_ref: str
    customer_id: int
    rep_id: int | None
    order_amount: Decimal
    amount: Decimal
    requested_at: dt.datetime
    refunded_at: dt.datetime | None
    lines: tuple[tuple[int, str, int, Decimal], ...]  # product_id, sku, quantity, amount


class ReturnsKind(Kind):
    name = "returns"
    schema = ReturnRowSchema
    key_column = "return_ref"
    multi_row = True

    def begin(self) -> None:
        # (order_id, product_id) → quantity and amount returned by earlier units of the file.
        self.in_file: dict[tuple[int, int], tuple[int, Decimal]] = {}
        self.existing: set[str] = set()
        self.orders: dict[str, OrderInfo] = {}
        self.before: dict[tuple[int, int], tuple[int, Decimal]] = {}

    def lookup(self, units: Sequence[Unit]) -> None:
        ctx, brand_id = self.ctx, self.ctx.brand_id
        refs = sorted({u.key for u in units if u.key})
        order_refs = sorted({r.values["order_ref"] for u in units for r in u.valid_rows()})
        self.existing, self.orders, self.before = set(), {}, {}
        for chunk in chunks(refs):
            self.existing.update(ctx.session.scalars(select(Return.return_ref).where(
                Return.brand_id == brand_id, Return.return_ref.in_(chunk))))
        for chunk in chunks(order_refs):
            by_id: dict[int, str] = {}
            for o in ctx.session.execute(select(
                    Order.id, Order.order_ref, Order.status, Order.customer_id, Order.rep_id,
                    Order.total_amount, Order.ordered_at).where(
                    Order.brand_id == brand_id, Order.order_ref.in_(chunk))):
                self.orders[o.order_ref] = OrderInfo(o.id, o.status.value, o.customer_id,
                                                     o.rep_id, o.total_amount, o.ordered_at, {})
                by_id[o.id] = o.order_ref
            if not by_id:
                continue
            ids = list(by_id)
            for oid, sku, pid, qty, amount in ctx.session.execute(
                    select(OrderLine.order_id, Product.sku, OrderLine.product_id,
                           OrderLine.quantity, OrderLine.amount)
                    .join(Product, Product.id == OrderLine.product_id)
                    .where(OrderLine.brand_id == brand_id, OrderLine.order_id.in_(ids))):
                self.orders[by_id[oid]].lines[sku] = (pid, qty, amount)
            for oid, pid, qty, amount in ctx.session.execute(
                    select(Return.order_id, ReturnLine.product_id, func.sum(ReturnLine.quantity),
                           func.sum(ReturnLine.amount))
                    .join(Return, Return.id == ReturnLine.return_id)
                    .where(Return.brand_id == brand_id, Return.order_id.in_(ids))
                    .group_by(Return.order_id, ReturnLine.product_id)):
                self.before[(oid, pid)] = (int(qty), Decimal(str(amount)).quantize(ZERO))

    def payload_size(self, payload: ReturnPayload) -> int:
        return len(payload.lines)

    def check(self, unit: Unit) -> None:
        if not unit.errors and unit.key in self.existing:
            unit.skip = True
            return
        rows = unit.valid_rows()
        if not rows:
            return
        first = rows[0]
        head = first.values
        assert head is not None
        order = self.orders.get(head["order_ref"])
        if order is None:
            unit.error(first, "order_ref", _("No order with order_ref %(ref)s in this brand.",
                                             ref=head["order_ref"]))
        elif order.status != OrderStatus.PAID.value:
            unit.error(first, "order_ref", _(
                "Order %(ref)s is %(status)s; only paid orders can be returned.",
                ref=head["order_ref"], status=order.status))
        else:
            for column, reason in return_head_problems(order.ordered_at, head).items():
                unit.error(first, column, reason)
        lines: list[tuple[int, str, int, Decimal]] = []
        seen: dict[str, int] = {}
        for row in rows:
            v = row.values
            assert v is not None
            if row is not first:
                for name in RETURN_FIELDS:
                    if v.get(name) != head.get(name):
                        unit.error(row, name, _(
                            "Differs from line %(line)s of the same return %(ref)s; every "
                            "line of a return must repeat its %(column)s.", line=first.line,
                            ref=unit.key, column=name))
            if order is None or order.status != OrderStatus.PAID.value:
                continue
            ordered = order.lines.get(v["sku"])
            if ordered is not None and v["sku"] in seen:
                unit.error(row, "sku", _("Sku %(sku)s is already on line %(line)s of this "
                                         "return.", sku=v["sku"], line=seen[v["sku"]]))
                continue
            pid = ordered[0] if ordered else 0
            db_qty, db_amt = self.before.get((order.id, pid), (0, ZERO))
            file_qty, file_amt = self.in_file.get((order.id, pid), (0, ZERO))
            problems = return_line_problems(ordered[1:] if ordered else None, v,
                                            head["order_ref"],
                                            (db_qty + file_qty, db_amt + file_amt))
            for column, reason in problems.items():
                unit.error(row, column, reason)
            if ordered is None:
                continue
            seen[v["sku"]] = row.line
            lines.append((pid, v["sku"], v["quantity"], v["amount"]))
        if unit.errors or order is None:
            return
        for pid, _sku, qty, amount in lines:
            q, a = self.in_file.get((order.id, pid), (0, ZERO))
            self.in_file[(order.id, pid)] = (q + qty, a + amount)
        unit.payload = ReturnPayload(
            return_ref=head["return_ref"], order_id=order.id, order_ref=head["order_ref"],
            customer_id=order.customer_id, rep_id=order.rep_id, order_amount=order.total,
            amount=sum((line[3] for line in lines), ZERO), requested_at=head["requested_at"],
            refunded_at=head.get("refunded_at"), lines=tuple(lines))

    def write(self, payloads: Sequence[ReturnPayload]) -> None:
        ctx = self.ctx
        now = ctx.now()
        brand_id = ctx.brand_id
        ids = insert_returning_ids(ctx, Return.__table__, [{
            "brand_id": brand_id, "return_ref": p.return_ref, "order_id": p.order_id,
            "amount": p.amount, "requested_at": p.requested_at, "refunded_at": p.refunded_at,
            "reason": None, "created_at": now} for p in payloads])
        insert_many(ctx, ReturnLine.__table__, [
            {"brand_id": brand_id, "return_id": rid, "product_id": pid, "quantity": qty,
             "amount": amount}
            for rid, p in zip(ids, payloads, strict=True) for pid, _sku, qty, amount in p.lines])
        self.result.count("returns", len(payloads))
        self.result.count("return_lines", sum(len(p.lines) for p in payloads))
        refunded = [(rid, p) for rid, p in zip(ids, payloads, strict=True) if p.refunded_at]
        self.result.count("refunds", len(refunded))
        if refunded:
            ctx.hooks.crm_order_refunded(ctx=ctx, refunds=refund_events(ctx, [
                order_refunded(
                    return_id=rid, return_ref=p.return_ref, order_id=p.order_id,
                    order_ref=p.order_ref, customer_id=p.customer_id, rep_id=p.rep_id,
                    order_amount=p.order_amount, amount=p.amount,
                    requested_at=p.requested_at, refunded_at=p.refunded_at,
                    lines=((sku, qty, amount) for _pid, sku, qty, amount in p.lines))
                for rid, p in refunded]))
