"""A customer's personal data: everything held (export, P5) and its erasure (P5, P6).

- :func:`personal_data` gathers the core's parts (profile, tags, orders and their lines and
  payments, returns, interactions, tasks, leads, refused outreach, audit entries about the
  customer) and asks the enabled modules for theirs (``crm_personal_data``).
- :func:`erase_customer` pseudonymises where records must be kept (transaction records
  three years, P6): the name becomes ``[erased]``; phone, e-mail, WeChat, birthday and tags
  go; free text (interactions, return reasons, lead notes and contacts) is replaced; the
  person's values are replaced in task titles and in the audit log (the one rewrite the
  append-only log allows, itself audited); modules erase theirs
  (``crm_erase_personal_data``). Orders, money and ledgers keep their sums.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, false, or_, select, update

from core.audit import present as _present  # noqa: F401  (labels the audit actions)
from core.audit.models import AuditEntry
from core.audit.services import ERASED, pseudonymise, record
from core.context import Ctx
from core.db import release_old_pages
from core.events import DataPart
from core.i18n import _
from core.leads.models import Lead, LeadContact
from core.models import (
    Customer,
    CustomerTag,
    Interaction,
    Order,
    OrderLine,
    OutreachRefusal,
    Payment,
    Product,
    Rep,
    Return,
    ReturnLine,
    Task,
)
from core.services.scoping import get_by_id


def _record_ids(ctx: Ctx, customer_id: int) -> list[int]:
    """The customer and every record merged into it."""
    merged = ctx.session.scalars(select(Customer.id).where(
        Customer.brand_id == ctx.brand_id, Customer.merged_into_id == customer_id))
    return [customer_id, *merged]


def _part(ctx: Ctx, key: str, title: str, stmt: Any,
          codes: dict[str, str] | None = None) -> DataPart:
    result = ctx.session.execute(stmt)
    return DataPart(key, title, tuple(result.keys()), tuple(tuple(r) for r in result),
                    codes or {})


def personal_data(ctx: Ctx, customer_id: int) -> list[DataPart]:
    """Everything the brand holds about a customer (and the records merged into it): the
    core's parts, then each enabled module's."""
    customer = get_by_id(ctx, Customer, customer_id)
    ids = _record_ids(ctx, customer.id)
    b = ctx.brand_id
    customers = ctx.session.execute(
        select(Customer.customer_ref, Customer.name, Customer.phone, Customer.email,
               Customer.wechat_id, Customer.birthday, Customer.source_channel,
               Rep.rep_ref, Customer.lifecycle_stage, Customer.created_at)
        .outerjoin(Rep, Rep.id == Customer.rep_id)
        .where(Customer.brand_id == b, Customer.id.in_(ids)).order_by(Customer.id))
    profile = DataPart("profile", _("Profile"), tuple(customers.keys()),
                       tuple(tuple(r) for r in customers),
                       {"source_channel": "source_channel", "lifecycle_stage": "stage"})
    orders = select(Order.id).where(Order.brand_id == b, Order.customer_id.in_(ids))
    parts = [
        profile,
        _part(ctx, "tags", _("Tags"), select(CustomerTag.tag).where(
            CustomerTag.brand_id == b, CustomerTag.customer_id.in_(ids))
            .order_by(CustomerTag.tag)),
        _part(ctx, "orders", _("Orders"), select(
            Order.order_ref, Order.ordered_at, Order.status, Order.total_amount,
            Order.paid_at, Order.cancelled_at, Order.channel, Order.region)
            .where(Order.id.in_(orders)).order_by(Order.ordered_at, Order.id),
            {"status": "order_status", "channel": "order_channel"}),
        _part(ctx, "order_lines", _("Order lines"), select(
            Order.order_ref, OrderLine.line_no, Product.sku, Product.name,
            OrderLine.quantity, OrderLine.unit_price, OrderLine.amount)
            .join(Order, Order.id == OrderLine.order_id)
            .join(Product, Product.id == OrderLine.product_id)
            .where(OrderLine.order_id.in_(orders)).order_by(Order.ordered_at, Order.id,
                                                             OrderLine.line_no)),
        _part(ctx, "payments", _("Payments"), select(
            Order.order_ref, Payment.method, Payment.amount, Payment.paid_at)
            .join(Order, Order.id == Payment.order_id)
            .where(Payment.order_id.in_(orders)).order_by(Payment.paid_at, Payment.id),
            {"method": "payment_method"}),
        _part(ctx, "returns", _("Returns"), select(
            Return.return_ref, Order.order_ref, Return.amount, Return.requested_at,
            Return.refunded_at, Return.reason)
            .join(Order, Order.id == Return.order_id)
            .where(Return.order_id.in_(orders)).order_by(Return.requested_at, Return.id)),
        _part(ctx, "return_lines", _("Returned lines"), select(
            Return.return_ref, Product.sku, ReturnLine.quantity, ReturnLine.amount)
            .join(Return, Return.id == ReturnLine.return_id)
            .join(Product, Product.id == ReturnLine.product_id)
            .where(Return.order_id.in_(orders)).order_by(Return.id, ReturnLine.id)),
        _part(ctx, "interactions", _("Contact history"), select(
            Interaction.occurred_at, Interaction.kind, Interaction.summary,
            Interaction.created_by)
            .where(Interaction.brand_id == b, Interaction.customer_id.in_(ids))
            .order_by(Interaction.occurred_at, Interaction.id),
            {"kind": "interaction", "created_by": "actor"}),
        _part(ctx, "tasks", _("Tasks"), select(
            Task.kind, Task.title, Task.due_at, Task.status, Task.done_at)
            .where(Task.brand_id == b, Task.customer_id.in_(ids))
            .order_by(Task.due_at, Task.id),
            {"kind": "task_kind", "status": "task_status", "title": "text"}),
        _part(ctx, "leads", _("Leads"), select(
            Lead.lead_ref, Lead.name, Lead.channel, Lead.status, Lead.converted_at,
            Lead.note).where(Lead.brand_id == b, Lead.customer_id.in_(ids))
            .order_by(Lead.id), {"channel": "lead_channel", "status": "lead_status"}),
        _part(ctx, "refused_outreach", _("Outreach not made"), select(
            OutreachRefusal.refused_at, OutreachRefusal.purpose, OutreachRefusal.channel,
            OutreachRefusal.kind, OutreachRefusal.reason)
            .where(OutreachRefusal.brand_id == b, OutreachRefusal.customer_id.in_(ids))
            .order_by(OutreachRefusal.refused_at),
            {"purpose": "contact_purpose", "channel": "contact_channel", "kind": "task_kind",
             "reason": "text"}),
        _part(ctx, "audit", _("Audit log entries"), select(
            AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.record_type,
            AuditEntry.record_id, AuditEntry.changes, AuditEntry.details)
            .where(AuditEntry.brand_id == b, AuditEntry.record_type == "customers",
                   AuditEntry.record_id.in_([str(i) for i in ids]))
            .order_by(AuditEntry.at, AuditEntry.id),
            {"actor": "actor", "action": "audit_action"}),
    ]
    for answer in ctx.hooks.crm_personal_data(ctx=ctx, customer_id=customer.id):
        parts.extend(answer or ())
    return parts


def erase_leads(ctx: Ctx, lead_ids: list[int]) -> int:
    """Anonymise leads that never became customers (retention, P6): name ``[erased]``,
    phone and its hash, note and contact summaries removed, values scrubbed from the
    audit log. Returns the count of leads anonymised (already anonymised ones are not
    counted again)."""
    if not lead_ids:
        return 0
    with ctx.write():
        rows = ctx.session.execute(select(Lead.id, Lead.name, Lead.phone).where(
            Lead.brand_id == ctx.brand_id, Lead.id.in_(lead_ids),
            Lead.name != ERASED)).all()
        ids = [i for i, _n, _p in rows]
        if not ids:
            return 0
        values = {v for _i, n, p in rows for v in (n, p) if v}
        ctx.session.execute(update(LeadContact).where(LeadContact.lead_id.in_(ids))
                            .values(summary=None))
        ctx.session.execute(update(Lead).where(Lead.id.in_(ids)).values(
            name=ERASED, phone=None, phone_hash=None, note=None))
        rewritten = pseudonymise(ctx, sorted(values, key=len, reverse=True))
        record(ctx, "erase", record_type="leads",
               details={"count": len(ids), "audit_entries": rewritten})
    release_old_pages(ctx.session)
    return len(ids)


@dataclass(frozen=True, slots=True)
class Erasure:
    """What an erasure did: records pseudonymised, and audit entries rewritten."""

    customer_ids: tuple[int, ...]
    free_texts: int
    audit_entries: int
    erased_at: dt.datetime


def erase_customer(ctx: Ctx, customer_id: int) -> Erasure:
    """Pseudonymise a customer (and the records merged into it) everywhere; see the module
    docstring. One transaction, audited; running it again changes nothing more."""
    with ctx.write():
        customer = get_by_id(ctx, Customer, customer_id)
        ids = _record_ids(ctx, customer.id)
        b = ctx.brand_id
        values: set[str] = set()
        for c in ctx.session.scalars(select(Customer).where(Customer.id.in_(ids))):
            values.update(v for v in (c.name, c.phone, c.email, c.wechat_id) if v)
        for lead in ctx.session.scalars(select(Lead).where(Lead.brand_id == b,
                                                           Lead.customer_id.in_(ids))):
            values.update(v for v in (lead.name, lead.phone) if v)
        values.discard(ERASED)
        ctx.session.execute(update(Customer).where(Customer.id.in_(ids)).values(
            name=ERASED, phone=None, phone_hash=None, email=None, wechat_id=None,
            wechat_hash=None, birthday=None, updated_at=ctx.now()))
        ctx.session.execute(delete(CustomerTag).where(CustomerTag.brand_id == b,
                                                      CustomerTag.customer_id.in_(ids)))
        texts = ctx.session.execute(update(Interaction).where(
            Interaction.brand_id == b, Interaction.customer_id.in_(ids),
            Interaction.summary != ERASED).values(summary=ERASED)).rowcount
        orders = select(Order.id).where(Order.brand_id == b, Order.customer_id.in_(ids))
        texts += ctx.session.execute(update(Return).where(
            Return.order_id.in_(orders), Return.reason.is_not(None)).values(
            reason=None)).rowcount
        leads = select(Lead.id).where(Lead.brand_id == b, Lead.customer_id.in_(ids))
        texts += ctx.session.execute(update(LeadContact).where(
            LeadContact.lead_id.in_(leads), LeadContact.summary.is_not(None)).values(
            summary=None)).rowcount
        ctx.session.execute(update(Lead).where(Lead.id.in_(leads)).values(
            name=ERASED, phone=None, phone_hash=None, note=None))
        for answer in ctx.hooks.crm_erase_personal_data(ctx=ctx, customer_ids=ids):
            values.update(v for v in (answer or ()) if v)
        needles = sorted(values, key=len, reverse=True)
        for task in ctx.session.scalars(select(Task).where(
                Task.brand_id == b, Task.customer_id.in_(ids),
                or_(*(Task.title.contains(v) for v in needles)) if needles else false())):
            title = task.title
            for v in needles:
                title = title.replace(v, ERASED)
            task.title = title
        ctx.session.flush()
        rewritten = pseudonymise(ctx, needles)
        record(ctx, "erase", record_type="customers", record_id=customer.id,
               details={"records": len(ids), "free_texts": texts,
                        "audit_entries": rewritten})
    release_old_pages(ctx.session)
    return Erasure(tuple(ids), texts, rewritten, ctx.now())
