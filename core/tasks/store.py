"""Idempotent task inserts: a generated task is identified by its ``rule_key``.

Both databases get ``INSERT ... ON CONFLICT (brand_id, rule_key) DO NOTHING RETURNING id``
(SQLAlchemy's dialect inserts), so running a rule twice, or two ticks at once, never creates
the same task twice; the count returned is the number of tasks really created.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

from core import audit
from core.context import Ctx
from core.models import Task, TaskStatus

BATCH = 500


def insert_ignore(ctx: Ctx, table: Table, rows: Sequence[dict[str, Any]],
                  conflict: Sequence[str]) -> int:
    """Insert ``rows`` into ``table``, skipping rows that hit the unique key ``conflict``.

    Returns how many rows were inserted. Must run inside a write transaction.
    """
    if not rows:
        return 0
    dialect = ctx.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    # One statement executed with many parameter sets: SQLAlchemy compiles it once and
    # batches it ("insertmanyvalues"). Building one VALUES list per batch compiled a new,
    # huge statement each time (7 of 11 s of task generation at 100k customers).
    # The audit entry is written below with the rows really created, not the rows tried
    # (a re-run that creates nothing must not look like a create in the audit log).
    stmt = (module.insert(table).on_conflict_do_nothing(index_elements=list(conflict))
            .returning(table.c.id).execution_options(directcrm_audit=False))
    created = 0
    for i in range(0, len(rows), BATCH):
        created += len(ctx.session.execute(stmt, list(rows[i:i + BATCH])).all())
    if created:
        audit.record_bulk(ctx, "create", record_type=table.name, count=created,
                          details={"skipped_existing": len(rows) - created})
    return created


def task_row(ctx: Ctx, *, rule_key: str, kind: str, title: str, due_at: dt.datetime,
             customer_id: int | None, rep_id: int | None, purpose: str | None = None
             ) -> dict[str, Any]:
    """A ``tasks`` row for :func:`insert_tasks`. ``purpose`` (``care``, ``marketing``,
    ``service``) is what the contact gate is asked about; by default the kind's purpose
    (``core.services.contact.TASK_PURPOSES``), else marketing."""
    row = {"brand_id": ctx.brand_id, "customer_id": customer_id, "rep_id": rep_id,
           "title": title[:200], "kind": kind, "due_at": due_at,
           "status": TaskStatus.OPEN, "done_at": None, "rule_key": rule_key,
           "created_at": ctx.now()}
    if purpose is not None:
        row["purpose"] = purpose
    return row


def insert_tasks(ctx: Ctx, rows: Sequence[dict[str, Any]]) -> int:
    """Insert generated tasks; a ``rule_key`` already present is skipped. Returns the count.

    A task for a customer is outreach: the contact gate (``crm_can_contact``) is asked
    first, and a refused task is recorded instead of created.
    """
    from core.services.contact import gate_task_rows  # the gate records with insert_ignore

    return insert_ignore(ctx, Task.__table__, gate_task_rows(ctx, rows),
                         ("brand_id", "rule_key"))
