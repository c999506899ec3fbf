"""Tasks: follow-ups with a due time, owned by a rep."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.context import Ctx
from core.errors import DomainError
from core.i18n import _
from core.models import Customer, Rep, Task, TaskStatus
from core.schemas import TaskSchema, load_or_raise
from core.services.browse import get_scoped, scoped_tasks
from core.services.scoping import get_by_ref


def create_task(ctx: Ctx, data: Mapping[str, Any]) -> Task:
    """Create a task; the owner defaults to the customer's rep (or the acting rep)."""
    values = load_or_raise(TaskSchema(tz=ctx.tz), data)
    with ctx.write() as session:
        customer = get_by_ref(ctx, Customer, values["customer_ref"]) \
            if values.get("customer_ref") else None
        if values.get("rep_ref"):
            rep_id: int | None = get_by_ref(ctx, Rep, values["rep_ref"]).id
        elif ctx.rep_scope_id is not None and ctx.rep_scope_id > 0:
            rep_id = ctx.rep_scope_id
        else:
            rep_id = customer.rep_id if customer else None
        if ctx.rep_scope_id is not None and rep_id != ctx.rep_scope_id:
            raise DomainError(_("A rep can only create tasks for themselves."),
                              code="forbidden")
        task = Task(brand_id=ctx.brand_id, customer_id=customer.id if customer else None,
                    rep_id=rep_id, title=values["title"], kind=values["kind"],
                    due_at=values["due_at"], status=TaskStatus.OPEN, created_at=ctx.now())
        session.add(task)
        session.flush()
    return task


def complete_task(ctx: Ctx, task_id: int) -> Task:
    """Mark an open task done (doing it twice changes nothing)."""
    with ctx.write():
        task = get_scoped(ctx, scoped_tasks(ctx), Task, task_id)
        if task.status == TaskStatus.OPEN:
            task.status = TaskStatus.DONE
            task.done_at = ctx.now()
    return task
