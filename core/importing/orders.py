"""Orders: one CSV row per order line; consecutive rows with one order_ref form an order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import select

from core.bulk import chunks, insert_many, insert_returning_ids
from core.events import OrderDraft
from core.i18n import _
from core.importing.base import Kind, Unit, enabled_implementers
from core.models import Customer, Order, OrderLine, OrderStatus, Payment, Product, Rep
from core.schemas import OrderLineRowSchema
from core.services.orders import order_draft, order_problems, orders_cancelled, orders_paid
from core.services.payloads import order_cancelled, order_paid

IMPORT_PAYMENT_METHOD = "import"
# Fields every line of one order must repeat identically.
ORDER_FIELDS = ("customer_ref", "rep_ref", "ordered_at", "status", "channel", "region")


class _SpooledLine(NamedTuple):
    product_id: int
    quantity: int
    unit_price: Decimal
    amount: Decimal


class _SpooledOrder(NamedTuple):
    """An :class:`OrderDraft` as spooled between the passes (what ``write`` reads)."""

    order_ref: str
    customer_id: int
    rep_id: int | None
    ordered_at: dt.datetime
    channel: str | None
    region: str | None
    status: str
    total_amount: Decimal
    lines: tuple[_SpooledLine, ...]


def _problem_cell(unit: Unit, field: str | None) -> tuple[Any, str]:
    """The row and column a decision's ``field`` points at: ``lines.2.unit_price`` is the
    third line's cell; an order field is on the first row; anything else, the order_ref."""
    rows = unit.valid_rows()
    parts = (field or "").split(".")
    if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit() \
            and int(parts[1]) < len(rows):
        return rows[int(parts[1])], parts[2]
    columns = rows[0].values or {}
    return rows[0], (field if field and (field in columns or field in ORDER_FIELDS)
                     else "order_ref")


class OrdersKind(Kind):
    name = "orders"
    schema = OrderLineRowSchema
    key_column = "order_ref"
    multi_row = True

    def begin(self) -> None:
        ctx = self.ctx
        self.customers: dict[str, tuple[int, int | None]] = {}
        for ref, cid, rep_id, merged in ctx.session.execute(
                select(Customer.customer_ref, Customer.id, Customer.rep_id,
                       Customer.merged_into_id).where(Customer.brand_id == ctx.brand_id)):
            # A merged record's orders go to the surviving customer.
            self.customers[ref] = (merged or cid, rep_id)
        self.reps: dict[str, int] = dict(ctx.session.execute(
            select(Rep.rep_ref, Rep.id).where(Rep.brand_id == ctx.brand_id)).all())
        self.products: dict[str, tuple[int, Decimal]] = {
            sku: (pid, price) for sku, pid, price in ctx.session.execute(
                select(Product.sku, Product.id, Product.list_price)
                .where(Product.brand_id == ctx.brand_id))}
        self.validate_hook = enabled_implementers(ctx, "crm_validate_orders")
        self.existing: set[str] = set()

    def lookup(self, units: Sequence[Unit]) -> None:
        refs = sorted({u.key for u in units if u.key})
        self.existing = set()
        for chunk in chunks(refs):
            self.existing.update(self.ctx.session.scalars(
                select(Order.order_ref).where(Order.brand_id == self.ctx.brand_id,
                                              Order.order_ref.in_(chunk))))

    def spool(self, payload: OrderDraft) -> _SpooledOrder:
        d = payload
        return _SpooledOrder(d.order_ref, d.customer_id, d.rep_id, d.ordered_at, d.channel,
                             d.region, d.status, d.total_amount,
                             tuple(_SpooledLine(li.product_id, li.quantity, li.unit_price,
                                                li.amount) for li in d.lines))

    def payload_size(self, payload: _SpooledOrder) -> int:
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
        customer = self.customers.get(head["customer_ref"])
        if customer is None:
            unit.error(first, "customer_ref", _("No customer with customer_ref %(ref)s in "
                                                "this brand.", ref=head["customer_ref"]))
        rep_id: int | None = None
        if head.get("rep_ref"):
            rep_id = self.reps.get(head["rep_ref"])
            if rep_id is None:
                unit.error(first, "rep_ref", _("No rep with rep_ref %(ref)s in this brand.",
                                               ref=head["rep_ref"]))
        elif customer is not None:
            rep_id = customer[1]  # like the live service: the customer's rep
        lines = []
        skus: dict[str, int] = {}
        for row in rows:
            v = row.values
            assert v is not None
            if row is not first:
                for name in ORDER_FIELDS:
                    if v.get(name) != head.get(name):
                        unit.error(row, name, _(
                            "Differs from line %(line)s of the same order %(ref)s; every line "
                            "of an order must repeat its %(column)s.", line=first.line,
                            ref=unit.key, column=name))
            product = self.products.get(v["sku"])
            if product is None:
                unit.error(row, "sku", _("No product with sku %(sku)s in this brand.",
                                         sku=v["sku"]))
            elif v["sku"] in skus:
                unit.error(row, "sku", _("Sku %(sku)s is already on line %(line)s of this "
                                         "order.", sku=v["sku"], line=skus[v["sku"]]))
            else:
                skus[v["sku"]] = row.line
                lines.append((v, product))
        if unit.errors or customer is None:
            return
        # The payload is the decision's draft: one builder for the live path and the import.
        unit.payload = order_draft(head, customer[0], rep_id,
                                   [(v, p[0], p[1]) for v, p in lines])

    def check_batch(self, units: Sequence[Unit]) -> None:
        """The ``crm_validate_orders`` decision, once for the chunk's orders as for a live
        order; a blocking problem makes the order a bad unit (on its first row)."""
        asked = list(units) if self.validate_hook else []
        if asked:
            found = order_problems(self.ctx, [u.payload for u in asked])
            for i, unit in enumerate(asked):
                for p in found.get(i, []):
                    if p.blocking:
                        row, column = _problem_cell(unit, p.field)
                        unit.error(row, column, f"[{p.code}] {p.message}")
                if unit.errors:
                    unit.payload = None

    def write(self, payloads: Sequence[_SpooledOrder]) -> None:
        ctx = self.ctx
        now = ctx.now()
        brand_id = ctx.brand_id
        order_ids = insert_returning_ids(ctx, Order.__table__, [{
            "brand_id": brand_id, "order_ref": p.order_ref, "customer_id": p.customer_id,
            "rep_id": p.rep_id, "ordered_at": p.ordered_at, "channel": p.channel,
            "region": p.region, "status": OrderStatus(p.status),
            "total_amount": p.total_amount,
            "paid_at": p.ordered_at if p.status == "paid" else None,
            "cancelled_at": p.ordered_at if p.status == "cancelled" else None,
            "created_at": now} for p in payloads])
        insert_many(ctx, OrderLine.__table__, [
            {"brand_id": brand_id, "order_id": oid, "line_no": i,
             "product_id": line.product_id, "quantity": line.quantity,
             "unit_price": line.unit_price, "amount": line.amount}
            for oid, p in zip(order_ids, payloads, strict=True)
            for i, line in enumerate(p.lines, start=1)])
        paid = [(oid, p) for oid, p in zip(order_ids, payloads, strict=True)
                if p.status == "paid"]
        cancelled = [(oid, p) for oid, p in zip(order_ids, payloads, strict=True)
                     if p.status == "cancelled"]
        insert_many(ctx, Payment.__table__, [
            {"brand_id": brand_id, "order_id": oid, "method": IMPORT_PAYMENT_METHOD,
             "amount": p.total_amount, "paid_at": p.ordered_at, "reference": None}
            for oid, p in paid])
        self.result.count("orders", len(payloads))
        self.result.count("order_lines", sum(len(p.lines) for p in payloads))
        self.result.count("payments", len(paid))
        # The same sequence as a live order: modules told first, then the core's reactions.
        orders_paid(ctx, [order_paid(oid, p, p.ordered_at) for oid, p in paid])
        orders_cancelled(ctx, [order_cancelled(oid, p, p.ordered_at, False)
                               for oid, p in cancelled])
