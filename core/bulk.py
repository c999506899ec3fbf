"""Bulk inserts without ORM objects, for the set-based writers (CSV import, loyalty
ledger, stored segments).

On SQLite a statement goes straight to the driver's ``executemany`` with the values
converted by each column's own type (money, UTC times, encryption), skipping SQLAlchemy's
per-row parameter handling, which is most of the cost of a bulk insert there. On
PostgreSQL SQLAlchemy Core's executemany (batched multi-row inserts) is used as is.

These statements run on the session's connection and so bypass the ORM audit listener;
:func:`insert_many` therefore writes the audit entry itself, in the same transaction: one
per call, with the table and the exact number of rows written (with
``ignore_conflicts``, the rows skipped are not counted).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Enum, Table, func, select, text

from core.context import Ctx
from core.db import Money, UTCDateTime


def chunks(items: Sequence[Any], size: int = 900) -> list[Sequence[Any]]:
    """Split ``items`` into lists of at most ``size`` (bounded ``IN (...)`` lists: SQLite
    allows 32,766 parameters, PostgreSQL 65,535, and short lists plan better)."""
    return [items[i:i + size] for i in range(0, len(items), size)]


def allocate_ids(ctx: Ctx, table: Table, n: int) -> list[int]:
    """Reserve ``n`` primary keys of ``table`` for rows inserted in this transaction.

    Faster than ``RETURNING`` for bulk inserts (SQLite cannot return ids of a multi-row
    insert in order, so SQLAlchemy would insert row by row). SQLite: the write transaction
    holds the database lock, so ``max(id)`` is stable until commit. PostgreSQL: the
    column's sequence hands out the ids.
    """
    if n == 0:
        return []
    conn = ctx.session.connection()
    dialect = conn.dialect.name
    if dialect == "sqlite":
        top = conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        return list(range(top + 1, top + 1 + n))
    if dialect == "postgresql":
        return list(conn.execute(text(
            "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": n}).scalars())
    raise NotImplementedError(dialect)


def insert_returning_ids(ctx: Ctx, table: Table, rows: list[dict[str, Any]], *,
                         audit_details: Mapping[str, Any] | None = None) -> list[int]:
    """Insert rows with one executemany and return their ids in the same order (the rows
    get their ``id``)."""
    if not rows:
        return []
    ids = allocate_ids(ctx, table, len(rows))
    for row, new_id in zip(rows, ids, strict=True):
        row["id"] = new_id
    insert_many(ctx, table, rows, audit_details=audit_details)
    return ids


def insert_many(ctx: Ctx, table: Table, rows: Sequence[dict[str, Any]], *,
                ignore_conflicts: bool = False,
                audit_details: Mapping[str, Any] | None = None) -> int:
    """Insert rows (all with the same keys) with one executemany, no ORM objects;
    ``ignore_conflicts`` skips rows that would break a unique key (``ON CONFLICT DO
    NOTHING``). Returns the number of rows written, which one audit entry records (with
    ``audit_details``, e.g. the file or the scheme)."""
    if not rows:
        return 0
    written = _insert(ctx, table, rows, ignore_conflicts)
    if written:
        from core.audit.services import record_bulk

        record_bulk(ctx, "create", record_type=table.name, count=written,
                    details=audit_details)
    return written


def _insert(ctx: Ctx, table: Table, rows: Sequence[dict[str, Any]],
            ignore_conflicts: bool) -> int:
    # One driver-level executemany on both databases: SQLAlchemy's own executemany
    # (insertmanyvalues) costs three times as much, and with RETURNING (the only way it
    # counts rows skipped by ON CONFLICT) about fifteen times as much on PostgreSQL. Both
    # drivers report the rows an executemany actually wrote.
    conn = ctx.session.connection()
    dialect = conn.dialect
    keys = list(rows[0])
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.name == "sqlite" else "%s"
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(k) for k in keys)}) "
           f"VALUES ({', '.join(mark for _ in keys)})"
           + (" ON CONFLICT DO NOTHING" if ignore_conflicts else ""))
    procs = [(k, _memoised(table.c[k].type, table.c[k].type.bind_processor(dialect)))
             for k in keys]
    if all(p is None for _k, p in procs):
        params = [tuple(row[k] for k in keys) for row in rows]
    else:
        params = [tuple(p(row[k]) if p is not None else row[k] for k, p in procs)
                  for row in rows]
    result = conn.exec_driver_sql(sql, params)
    return result.rowcount if ignore_conflicts else len(rows)


def _memoised(column_type: Any, proc: Any) -> Any:
    """Cache a value conversion for the length of one insert when it is pure and cheap to
    key: money and times repeat a lot in imports (prices, an order's time on its payment).
    Never for encrypted columns: equal plaintexts must still get distinct ciphertexts."""
    if proc is None or not isinstance(column_type, (Money, UTCDateTime, Enum)):
        return proc
    cache: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return cache[value]
        except KeyError:
            out = cache[value] = proc(value)
            return out

    return convert
