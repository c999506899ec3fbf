"""Rows → JSON-ready dicts for the REST API (personal data masked)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import object_session

from core.models import (
    Customer,
    Interaction,
    Order,
    Product,
    Rep,
    RepStatusChange,
    Return,
    Task,
)
from core.privacy import masked as mask
from core.services.payments import balance_due, paid_amount, payment_state, refund_due


def customer(c: Customer) -> dict[str, Any]:
    return {"id": c.id, "customer_ref": c.customer_ref, "name": c.name, "phone": mask(c.phone),
            "email": c.email, "birthday": c.birthday, "source_channel": c.source_channel,
            "rep_ref": c.rep.rep_ref if c.rep else None, "lifecycle_stage": c.lifecycle_stage,
            "tags": sorted(t.tag for t in c.tags), "created_at": c.created_at,
            "updated_at": c.updated_at}


def rep(r: Rep) -> dict[str, Any]:
    return {"id": r.id, "rep_ref": r.rep_ref, "name": r.name, "phone": mask(r.phone),
            "status": r.status, "province": r.province, "territory": r.territory,
            "joined_on": r.joined_on, "left_on": r.left_on, "certificate_no": r.certificate_no,
            "certificate_valid_until": r.certificate_valid_until, "capacity": r.capacity}


def rep_status_change(h: RepStatusChange) -> dict[str, Any]:
    return {"effective_on": h.effective_on, "old_status": h.old_status,
            "new_status": h.new_status, "reason": h.reason, "changed_at": h.changed_at,
            "changed_by": h.changed_by}


def product(p: Product) -> dict[str, Any]:
    return {"id": p.id, "sku": p.sku, "name": p.name, "category": p.category,
            "list_price": p.list_price, "replenish_days": p.replenish_days, "active": p.active}


def order(o: Order) -> dict[str, Any]:
    paid = paid_amount(o)
    return {"id": o.id, "order_ref": o.order_ref, "customer_ref": o.customer.customer_ref,
            "rep_ref": o.rep.rep_ref if o.rep else None, "ordered_at": o.ordered_at,
            "status": o.status, "channel": o.channel, "region": o.region,
            "total_amount": o.total_amount, "paid_at": o.paid_at,
            "cancelled_at": o.cancelled_at, "paid_amount": paid,
            "balance_due": balance_due(o, paid), "refund_due": refund_due(o, paid),
            "payment_state": payment_state(o, paid),
            "lines": [{"line_no": ln.line_no, "sku": ln.product.sku, "quantity": ln.quantity,
                       "unit_price": ln.unit_price, "amount": ln.amount} for ln in o.lines],
            "payments": [{"method": p.method, "amount": p.amount, "paid_at": p.paid_at,
                          "reference": p.reference} for p in o.payments]}


def return_(r: Return) -> dict[str, Any]:
    return {"id": r.id, "return_ref": r.return_ref, "order_ref": r.order.order_ref,
            "amount": r.amount, "requested_at": r.requested_at, "refunded_at": r.refunded_at,
            "reason": r.reason,
            "lines": [{"sku": ln.product.sku, "quantity": ln.quantity, "amount": ln.amount}
                      for ln in r.lines]}


def _refs(rows: Sequence[Any]) -> tuple[dict[int, str], dict[int, str]]:
    """customer id → customer_ref and rep id → rep_ref for ``rows`` (two queries)."""
    if not rows:
        return {}, {}
    session = object_session(rows[0])
    customer_ids = {r.customer_id for r in rows if r.customer_id is not None}
    rep_ids = {r.rep_id for r in rows if r.rep_id is not None}
    customers = dict(session.execute(select(Customer.id, Customer.customer_ref).where(
        Customer.id.in_(customer_ids))).all()) if customer_ids else {}
    reps = dict(session.execute(select(Rep.id, Rep.rep_ref).where(
        Rep.id.in_(rep_ids))).all()) if rep_ids else {}
    return customers, reps


def interactions(rows: Sequence[Interaction]) -> list[dict[str, Any]]:
    """Interactions, naming the customer and the rep by their refs."""
    customers, reps = _refs(rows)
    return [{"id": i.id, "customer_ref": customers[i.customer_id], "kind": i.kind,
             "occurred_at": i.occurred_at, "summary": i.summary,
             "rep_ref": reps.get(i.rep_id) if i.rep_id else None,
             "created_by": i.created_by} for i in rows]


def tasks(rows: Sequence[Task]) -> list[dict[str, Any]]:
    """Tasks, naming the customer and the rep by their refs (``id`` names the task)."""
    customers, reps = _refs(rows)
    return [{"id": t.id, "title": t.title, "kind": t.kind,
             "customer_ref": customers.get(t.customer_id) if t.customer_id else None,
             "rep_ref": reps.get(t.rep_id) if t.rep_id else None, "due_at": t.due_at,
             "status": t.status, "done_at": t.done_at} for t in rows]
