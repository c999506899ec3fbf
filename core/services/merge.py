"""Duplicate customers: find them (same phone or WeChat ID) and merge them into one.

A merge keeps one record (the survivor) with the union of the history: orders,
interactions, tasks, tags and leads of the merged customers are re-pointed to it, blank
profile fields of the survivor are filled from the merged records, and the merged rows are
kept, marked ``merged_into_id`` (their refs still resolve, to the survivor). Modules re-point
their own rows in ``crm_customers_merged``. The merge is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import aliased

from core import audit
from core.context import Ctx
from core.errors import DomainError, ValidationFailed
from core.i18n import _
from core.leads.models import Lead
from core.models import Customer, CustomerTag, Interaction, Order, Task, TaskStatus
from core.services.lifecycle import refresh_stages
from core.services.scoping import get_by_ref

#: Profile fields copied from a merged record when the survivor has none.
FILL_FIELDS = ("phone", "phone_hash", "email", "wechat_id", "wechat_hash", "birthday",
               "source_channel", "rep_id")


@dataclass(frozen=True)
class DuplicateGroup:
    """Live customers sharing one phone number or WeChat ID (``match``: phone/wechat)."""

    match: str
    customer_refs: tuple[str, ...]


def duplicate_groups(ctx: Ctx) -> list[DuplicateGroup]:
    """Every group of live customers with the same phone hash or WeChat hash (set-based).

    A customer sharing both phone and WeChat with others appears in both groups.
    """
    out: list[DuplicateGroup] = []
    for match, column in (("phone", Customer.phone_hash), ("wechat", Customer.wechat_hash)):
        live = and_(Customer.brand_id == ctx.brand_id, Customer.merged_into_id.is_(None),
                    column.is_not(None))
        dupes = (select(column.label("h")).where(live).group_by(column)
                 .having(func.count(Customer.id) > 1).subquery())
        rows = ctx.session.execute(
            select(dupes.c.h, Customer.customer_ref).join(dupes, dupes.c.h == column)
            .where(live).order_by(Customer.customer_ref))
        groups: dict[str, list[str]] = {}
        for h, ref in rows:
            groups.setdefault(h, []).append(ref)
        out += [DuplicateGroup(match, tuple(refs)) for refs in groups.values()]
    return sorted(out, key=lambda g: (g.customer_refs, g.match))


#: Rule tasks that exist once per customer (and period): doubled by a merge, one is enough.
PER_CUSTOMER_KINDS = ("profile", "a_monthly", "birthday")


def _cancel_doubled_tasks(ctx: Ctx, survivor_id: int) -> int:
    """After a merge the survivor may hold two open "complete the profile" (or monthly,
    birthday) tasks; keep the oldest open one per kind and cancel the others."""
    keep = (select(func.min(Task.id)).where(
        Task.brand_id == ctx.brand_id, Task.customer_id == survivor_id,
        Task.status == TaskStatus.OPEN, Task.kind.in_(PER_CUSTOMER_KINDS))
        .group_by(Task.kind))
    return ctx.session.execute(
        update(Task).where(Task.brand_id == ctx.brand_id, Task.customer_id == survivor_id,
                           Task.status == TaskStatus.OPEN,
                           Task.kind.in_(PER_CUSTOMER_KINDS), Task.id.not_in(keep))
        .values(status=TaskStatus.CANCELLED, done_at=ctx.now())
        .execution_options(synchronize_session=False)).rowcount


def merge_customers(ctx: Ctx, survivor_ref: str, merged_refs: Sequence[str]) -> Customer:
    """Fold ``merged_refs`` into ``survivor_ref``; all or nothing. Returns the survivor."""
    refs = list(dict.fromkeys(merged_refs))
    if not refs:
        raise ValidationFailed({"merged": [_("Name at least one customer to merge.")]})
    if survivor_ref in refs:
        raise ValidationFailed({"merged": [_("A customer cannot be merged into itself.")]})
    with ctx.write() as session:
        survivor = get_by_ref(ctx, Customer, survivor_ref)
        merged = [get_by_ref(ctx, Customer, ref) for ref in refs]
        # PostgreSQL: lock the records so that two merges of one customer queue (SQLite's
        # BEGIN IMMEDIATE already serialises writers), then re-read them.
        rows = [survivor, *merged]
        session.execute(select(Customer.id).where(Customer.id.in_([c.id for c in rows]))
                        .order_by(Customer.id).with_for_update())
        for c in rows:
            session.refresh(c)
        for c in [survivor, *merged]:
            if c.merged_into_id is not None:
                raise DomainError(_("Customer %(ref)s was already merged into another record.",
                                    ref=c.customer_ref), code="already_merged")
        ids = [c.id for c in merged]
        bid = ctx.brand_id
        moved: dict[str, int] = {}
        for name, model, column in (("orders", Order, Order.customer_id),
                                    ("interactions", Interaction, Interaction.customer_id),
                                    ("tasks", Task, Task.customer_id),
                                    ("leads", Lead, Lead.customer_id)):
            moved[name] = session.execute(
                update(model).where(model.brand_id == bid, column.in_(ids))
                .values({column.key: survivor.id})
                .execution_options(synchronize_session=False)).rowcount
        cancelled = _cancel_doubled_tasks(ctx, survivor.id)
        session.execute(update(Lead).where(Lead.brand_id == bid,
                                           Lead.referrer_customer_id.in_(ids))
                        .values(referrer_customer_id=survivor.id)
                        .execution_options(synchronize_session=False))
        # Tags: the union, moved onto the survivor (one row per tag).
        own = aliased(CustomerTag)
        new_tags = sorted(set(session.scalars(
            select(CustomerTag.tag).where(
                CustomerTag.brand_id == bid, CustomerTag.customer_id.in_(ids),
                ~exists().where(own.brand_id == bid, own.customer_id == survivor.id,
                                own.tag == CustomerTag.tag)))))
        for c in merged:
            c.tags = []
        survivor.tags.extend(CustomerTag(brand_id=bid, tag=t) for t in new_tags)
        filled = []
        for field in FILL_FIELDS:
            if getattr(survivor, field) is None:
                value = next((getattr(c, field) for c in merged
                              if getattr(c, field) is not None), None)
                if value is not None:
                    setattr(survivor, field, value)
                    filled.append(field)
        now = ctx.now()
        # Earlier merges into a now-merged record point at the survivor from now on.
        session.execute(update(Customer).where(Customer.brand_id == bid,
                                               Customer.merged_into_id.in_(ids))
                        .values(merged_into_id=survivor.id, updated_at=now)
                        .execution_options(synchronize_session=False))
        for c in merged:
            c.merged_into_id = survivor.id
            c.updated_at = now
        survivor.updated_at = now
        session.flush()
        refresh_stages(ctx, [survivor.id])
        ctx.hooks.crm_customers_merged(ctx=ctx, survivor_id=survivor.id, merged_ids=ids)
        audit.record(ctx, "merge", record_type="customers", record_id=survivor.id,
                     details={"survivor": survivor.customer_ref, "merged": refs,
                              "moved": moved, "tasks_cancelled": cancelled,
                              "tags_added": new_tags,
                              "fields_filled": [f for f in filled
                                                if not f.endswith("_hash")]})
    session.refresh(survivor)
    return survivor
