"""Interactions (客史记录: visits, calls, messages, notes) and follow-up tasks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from core.context import Ctx
from core.errors import DomainError
from core.i18n import _
from core.models import Customer, Interaction, InteractionKind, Rep, Task, TaskStatus
from core.schemas import InteractionSchema, TaskSchema, load_or_raise
from core.services.scoping import get_by_id, get_by_ref, resolve_customer, scoped


def _customer_and_rep(ctx: Ctx, values: dict[str, Any]) -> tuple[Customer | None, int | None]:
    customer = resolve_customer(ctx, values["customer_ref"], field="customer_ref") \
        if values.get("customer_ref") else None
    if values.get("rep_ref"):
        return customer, get_by_ref(ctx, Rep, values["rep_ref"], field="rep_ref").id
    return customer, customer.rep_id if customer is not None else None


def create_interaction(ctx: Ctx, data: Mapping[str, Any]) -> Interaction:
    """Record a contact with a customer; the rep defaults to the customer's rep."""
    values = load_or_raise(InteractionSchema(tz=ctx.tz), data)
    with ctx.write() as session:
        customer, rep_id = _customer_and_rep(ctx, values)
        assert customer is not None
        interaction = Interaction(
            brand_id=ctx.brand_id, customer_id=customer.id, rep_id=rep_id,
            kind=InteractionKind(values["kind"]), occurred_at=values["occurred_at"],
            summary=values["summary"], created_by=ctx.user)
        session.add(interaction)
        session.flush()
    return interaction


def get_interaction(ctx: Ctx, interaction_id: int, *, write: bool = False) -> Interaction:
    """One interaction of the brand, else NotFound; a rep user reads those with their own
    customers and (``write``) changes those they recorded."""
    return get_by_id(ctx, Interaction, interaction_id, write=write)  # the row policy


def update_interaction(ctx: Ctx, interaction_id: int, data: Mapping[str, Any]) -> Interaction:
    """Correct an interaction's kind, time or summary (fields not given stay as they are).

    A rep user can edit only their own interactions; the audit listener records the change.
    """
    values = load_or_raise(InteractionSchema(tz=ctx.tz, partial=True), data)
    with ctx.write():
        interaction = get_interaction(ctx, interaction_id, write=True)
        if "kind" in values:
            interaction.kind = InteractionKind(values["kind"])
        for name in ("occurred_at", "summary"):
            if name in values:
                setattr(interaction, name, values[name])
    return interaction


def list_interactions(ctx: Ctx, customer_ref: str, limit: int = 200) -> list[Interaction]:
    """A customer's contact history, newest first."""
    customer = get_by_ref(ctx, Customer, customer_ref)
    stmt = (scoped(ctx, Interaction).where(Interaction.customer_id == customer.id)
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc()).limit(limit))
    return list(ctx.session.scalars(stmt))


def create_task(ctx: Ctx, data: Mapping[str, Any], *, rule_key: str | None = None) -> Task:
    """Create a follow-up task; the owner defaults to the customer's rep.

    ``rule_key`` makes generated tasks idempotent: a second call with the same key returns
    the existing task instead of creating another (scheduled jobs rely on it).
    """
    values = load_or_raise(TaskSchema(tz=ctx.tz), data)
    with ctx.write() as session:
        if rule_key is not None:
            existing = session.scalar(scoped(ctx, Task).where(Task.rule_key == rule_key))
            if existing is not None:
                return existing
        customer, rep_id = _customer_and_rep(ctx, values)
        task = Task(brand_id=ctx.brand_id, customer_id=customer.id if customer else None,
                    rep_id=rep_id, title=values["title"], kind=values["kind"],
                    due_at=values["due_at"], status=TaskStatus.OPEN, rule_key=rule_key,
                    created_at=ctx.now())
        session.add(task)
        session.flush()
    return task


def get_task(ctx: Ctx, task_id: int) -> Task:
    """One task of the brand (for a rep user: one of their own), else NotFound."""
    return get_by_id(ctx, Task, task_id)  # the row policy decides


def update_task(ctx: Ctx, task_id: int, data: Mapping[str, Any]) -> Task:
    """Change an open task's title, due time, owner (``rep_ref``) or kind.

    Fields not given stay as they are; a done or cancelled task cannot be edited. A rep
    user can edit only their own tasks; the audit listener records the change.
    """
    values = load_or_raise(TaskSchema(tz=ctx.tz, partial=True), data)
    with ctx.write():
        task = get_task(ctx, task_id)
        if task.status != TaskStatus.OPEN:
            raise DomainError(_("Task %(id)s is closed; only open tasks can be edited.",
                                id=task_id), code="bad_status")
        if "rep_ref" in values:
            task.rep_id = get_by_ref(ctx, Rep, values["rep_ref"], field="rep_ref").id
        for name in ("title", "due_at", "kind"):
            if name in values:
                setattr(task, name, values[name])
    return task


def complete_task(ctx: Ctx, task_id: int, done_at: dt.datetime | None = None) -> Task:
    """Mark an open task done (completing a done task again changes nothing)."""
    with ctx.write():
        task = get_task(ctx, task_id)
        if task.status == TaskStatus.DONE:
            return task
        if task.status != TaskStatus.OPEN:
            raise DomainError(_("Task %(id)s is %(status)s; only open tasks can be completed.",
                                id=task_id, status=task.status.value), code="bad_status")
        task.status = TaskStatus.DONE
        task.done_at = done_at or ctx.now()
    return task


def cancel_task(ctx: Ctx, task_id: int) -> Task:
    """Cancel an open task."""
    with ctx.write():
        task = get_task(ctx, task_id)
        if task.status == TaskStatus.OPEN:
            task.status = TaskStatus.CANCELLED
    return task


def list_tasks(ctx: Ctx, *, rep_ref: str | None = None, customer_ref: str | None = None,
               status: str | None = "open", due_before: dt.datetime | None = None,
               limit: int = 500) -> list[Task]:
    """Tasks of the brand (a rep user sees only their own), soonest due first."""
    stmt = scoped(ctx, Task)
    if rep_ref is not None:
        stmt = stmt.where(Task.rep_id == get_by_ref(ctx, Rep, rep_ref).id)
    if customer_ref is not None:
        stmt = stmt.where(Task.customer_id == get_by_ref(ctx, Customer, customer_ref).id)
    if status is not None:
        stmt = stmt.where(Task.status == TaskStatus(status))
    if due_before is not None:
        stmt = stmt.where(Task.due_at < due_before)
    return list(ctx.session.scalars(stmt.order_by(Task.due_at, Task.id).limit(limit)))
