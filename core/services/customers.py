"""Customers: create, update, look up by phone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import or_

from core.context import Ctx
from core.crypto import lookup_hash, normalize_text, phone_hash
from core.errors import DomainError, ValidationFailed
from core.i18n import _
from core.models import Customer, CustomerTag, Rep, RepStatus
from core.schemas import CustomerSchema, CustomerUpdateSchema, load_or_raise
from core.services import payloads
from core.services.scoping import get_by_ref, own_rep_only, ref_map, scoped

TRACKED_FIELDS = ("name", "phone", "email", "wechat_id", "birthday", "source_channel")


def find_duplicates(ctx: Ctx, phone: str | None = None, wechat_id: str | None = None,
                    exclude_id: int | None = None) -> list[Customer]:
    """Live customers of the brand with the same normalised phone or WeChat ID."""
    conditions = []
    if phone:
        conditions.append(Customer.phone_hash == phone_hash(phone))
    if wechat_id:
        conditions.append(Customer.wechat_hash == lookup_hash(normalize_text(wechat_id)))
    if not conditions:
        return []
    stmt = scoped(ctx, Customer).where(or_(*conditions), Customer.merged_into_id.is_(None))
    if exclude_id is not None:
        stmt = stmt.where(Customer.id != exclude_id)
    return list(ctx.session.scalars(stmt.order_by(Customer.id)))


def find_by_phone(ctx: Ctx, phone: str) -> list[Customer]:
    """Customers whose phone matches ``phone`` in any formatting (uses the lookup hash)."""
    return find_duplicates(ctx, phone=phone)


def create_customer(ctx: Ctx, data: Mapping[str, Any], *, allow_duplicate: bool = False
                    ) -> Customer:
    """Create a customer. A likely duplicate (same phone or WeChat ID) is refused unless
    ``allow_duplicate``; merge instead."""
    values = load_or_raise(CustomerSchema(tz=ctx.tz), data)
    with ctx.write() as session:
        if ref_map(ctx, Customer, {values["customer_ref"]}):
            raise DomainError(_("A customer with customer_ref %(ref)s already exists.",
                                ref=values["customer_ref"]), code="duplicate")
        if not allow_duplicate:
            dupes = find_duplicates(ctx, values.get("phone"), values.get("wechat_id"))
            if dupes:
                raise DomainError(_("Likely duplicate of customer %(refs)s (same phone or "
                                    "WeChat ID).", refs=", ".join(d.customer_ref for d in dupes)),
                                  code="likely_duplicate")
        rep_id = _owner(ctx, values.pop("rep_ref", None))
        tags = values.pop("tags", None) or []
        now = ctx.now()
        customer = Customer(brand_id=ctx.brand_id, rep_id=rep_id, created_at=now, updated_at=now,
                            phone_hash=phone_hash(values.get("phone")),
                            wechat_hash=lookup_hash(normalize_text(values["wechat_id"]))
                            if values.get("wechat_id") else None, **values)
        customer.tags = [CustomerTag(brand_id=ctx.brand_id, tag=t) for t in dict.fromkeys(tags)]
        session.add(customer)
        session.flush()
        ctx.hooks.crm_customer_created(ctx=ctx, customers=[payloads.customer_event(
            customer.id, customer.customer_ref, rep_id)])
    return customer


def _owner(ctx: Ctx, rep_ref: str | None) -> int | None:
    """The owning rep of a new customer: a rep user's customers are their own; another
    role names any rep of the brand who has not left."""
    if not rep_ref:
        return ctx.rep_scope_id
    rep = get_by_ref(ctx, Rep, rep_ref, field="rep_ref")
    own_rep_only(ctx, rep.id)
    if rep.status == RepStatus.TERMINATED:
        raise ValidationFailed({"rep_ref": [_("Rep %(ref)s has left; choose an active rep.",
                                              ref=rep.rep_ref)]})
    return rep.id


def _change_owner(ctx: Ctx, customer: Customer, rep_ref: str) -> None:
    """Move ``customer`` to ``rep_ref`` through the handover service: the protection
    period applies, the move is recorded and the open tasks follow. A rep user cannot
    give a customer away."""
    from core.handover.services import reassign_customers

    target = get_by_ref(ctx, Rep, rep_ref, field="rep_ref")
    if target.id == customer.rep_id:
        return
    own_rep_only(ctx, target.id)
    reassign_customers(ctx, [customer.customer_ref], rep_ref,
                       reason=_("Changed on the customer's record"))
    ctx.session.refresh(customer)


def update_customer(ctx: Ctx, customer_ref: str, data: Mapping[str, Any]) -> Customer:
    """Change a customer's profile; fires ``crm_customer_updated`` with old → new values."""
    values = load_or_raise(CustomerUpdateSchema(tz=ctx.tz), data)
    values.pop("customer_ref", None)
    with ctx.write() as session:
        customer = get_by_ref(ctx, Customer, customer_ref)
        changes: dict[str, tuple[object, object]] = {}
        new_rep = values.pop("rep_ref", None)
        if new_rep is not None:
            old_rep_id = customer.rep_id
            _change_owner(ctx, customer, new_rep)
            if customer.rep_id != old_rep_id:
                changes["rep_id"] = (old_rep_id, customer.rep_id)
        tags = values.pop("tags", None)
        for field in TRACKED_FIELDS:
            if field in values and getattr(customer, field) != values[field]:
                changes[field] = (getattr(customer, field), values[field])
                setattr(customer, field, values[field])
        if "phone" in changes:
            customer.phone_hash = phone_hash(customer.phone)
        if "wechat_id" in changes:
            customer.wechat_hash = lookup_hash(normalize_text(customer.wechat_id)) \
                if customer.wechat_id else None
        if tags is not None:
            old_tags = sorted(t.tag for t in customer.tags)
            if old_tags != sorted(set(tags)):
                changes["tags"] = (old_tags, sorted(set(tags)))
                customer.tags = [CustomerTag(brand_id=ctx.brand_id, tag=t)
                                 for t in dict.fromkeys(tags)]
        if changes:
            customer.updated_at = ctx.now()
            session.flush()
            ctx.hooks.crm_customer_updated(ctx=ctx, customers=[payloads.customer_event(
                customer.id, customer.customer_ref, customer.rep_id, changes)])
    return customer
