"""Writing and reading the audit log.

ORM creates/updates/deletes are recorded automatically (``core.audit.listener``). Call
these for everything else, always inside (or as) the transaction of the action:

- ``record(ctx, action, ...)``: merge, module enable/disable, report generated, ...
- ``record_bulk(ctx, "import", record_type, count, details)``: one entry per Core batch.
- ``record_login(session, username, success, brand_id)``: web login success/failure.
- ``reveal(ctx, record, field)``: the plaintext of a sensitive field, logged.

Reading: ``query``/``list_entries`` (brand-scoped, filterable) and ``export_csv``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from sqlalchemy import Select, Text, cast, delete, func, insert, inspect, or_, select, update
from sqlalchemy.orm import Session

from core.audit.listener import SYSTEM_ACTOR, jsonable
from core.audit.models import AuditEntry, AuditPermit
from core.context import Ctx
from core.crypto import EncryptedText
from core.csv_cells import spreadsheet_safe
from core.db import write_transaction
from core.errors import NotFound
from core.i18n import _

# The actions the core and the built-in modules write; modules may add their own words.
ACTIONS = (
    "create", "update", "delete", "merge", "reveal", "login_success", "login_failure",
    "module_enable", "module_disable", "report_generated", "import", "key_rotation",
    "handover", "pseudonymise", "erase",
)
_MAX_ACTION = 32


def _row(*, actor: str, brand_id: int | None, action: str, record_type: str | None,
         record_id: Any, changes: Mapping[str, Any] | None,
         details: Mapping[str, Any] | None) -> dict[str, Any]:
    if not action or len(action) > _MAX_ACTION:
        raise ValueError(f"audit action must be 1 to {_MAX_ACTION} characters: {action!r}")
    return {
        "at": dt.datetime.now(dt.UTC),  # wall-clock time, even when ctx.clock is simulated
        "actor": (actor or SYSTEM_ACTOR)[:120],
        "brand_id": brand_id,
        "action": action,
        "record_type": record_type,
        "record_id": None if record_id is None else str(record_id)[:64],
        "changes": jsonable(dict(changes)) if changes else None,
        "details": jsonable(dict(details)) if details else None,
    }


_CTX_BRAND: Any = object()


def record(ctx: Ctx, action: str, *, record_type: str | None = None, record_id: Any = None,
           changes: Mapping[str, Any] | None = None, details: Mapping[str, Any] | None = None,
           brand_id: int | None = _CTX_BRAND) -> None:
    """Append one audit entry for ``ctx``'s user and brand, in ``ctx``'s write transaction.

    Inside ``ctx.write()`` the entry commits or rolls back with the action; outside it is
    written and committed on its own. ``changes`` maps field → ``[old, new]`` and must
    already have sensitive values masked (``core.privacy.masked``). ``brand_id`` defaults
    to the context's brand (None for installation-wide contexts).
    """
    if brand_id is _CTX_BRAND:
        brand_id = ctx.brand.id if ctx.brand is not None else None
    row = _row(actor=ctx.user, brand_id=brand_id,
               action=action, record_type=record_type, record_id=record_id, changes=changes,
               details=details)
    with ctx.write() as session:
        session.connection().execute(insert(AuditEntry.__table__), [row])


def record_bulk(ctx: Ctx, action: str = "import", *, record_type: str, count: int,
                details: Mapping[str, Any] | None = None) -> None:
    """One summary entry for a set-based write (a CSV import batch of ``count`` rows).

    Core ``INSERT``/``UPDATE`` statements bypass the ORM listener; call this in the same
    transaction as the batch. ``details`` e.g. ``{"file": "customers.csv", "batch": 3}``.
    """
    record(ctx, action, record_type=record_type,
           details={"count": count, **(dict(details) if details else {})})


def record_login(session: Session, username: str, success: bool, brand_id: int | None,
                 details: Mapping[str, Any] | None = None) -> None:
    """Log a login attempt (``login_success``/``login_failure``) and commit it.

    For the web login view: a failed attempt must be kept although the login fails, so the
    entry is committed here (or with the enclosing write transaction, if there is one).
    ``details`` may carry e.g. the client address.
    """
    row = _row(actor=username, brand_id=brand_id,
               action="login_success" if success else "login_failure",
               record_type="user", record_id=username, changes=None, details=details)
    with write_transaction(session):
        session.connection().execute(insert(AuditEntry.__table__), [row])


def reveal(ctx: Ctx, obj: Any, field: str) -> str | None:
    """The plaintext of sensitive ``field`` of ``obj``, with a ``reveal`` audit entry.

    Permission checks (which roles may reveal) belong to the caller; this function checks
    that the field is an encrypted one and that the record belongs to the acting brand.
    """
    mapper = inspect(obj).mapper
    column = mapper.columns.get(field)
    if column is None or not isinstance(column.type, EncryptedText):
        raise ValueError(f"{mapper.class_.__name__}.{field} is not an encrypted field")
    if (ctx.brand is not None and "brand_id" in mapper.attrs
            and obj.brand_id != ctx.brand.id):
        raise NotFound(_("No %(kind)s with id %(id)s.", kind=mapper.class_.__tablename__,
                         id=mapper.primary_key_from_instance(obj)[0]))
    value: str | None = getattr(obj, field)
    record_id = ",".join(str(v) for v in mapper.primary_key_from_instance(obj))
    # Filed under the record's brand, so that brand's officers see a super admin's reveals.
    owner = obj.brand_id if "brand_id" in mapper.attrs else None
    record(ctx, "reveal", record_type=mapper.class_.__tablename__, record_id=record_id,
           details={"field": field},
           brand_id=owner if owner is not None else (ctx.brand.id if ctx.brand else None))
    return value


@dataclass(frozen=True)
class AuditFilter:
    """Filters for browsing/exporting; ``since`` inclusive, ``until`` exclusive (aware)."""

    actor: str | None = None
    action: str | None = None
    record_type: str | None = None
    record_id: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def query(ctx: Ctx, filters: AuditFilter | None = None) -> Select[tuple[AuditEntry]]:
    """``SELECT`` of audit entries, oldest first: the acting brand's only (installation-wide
    contexts see every entry, including the brand-less ones)."""
    f = filters or AuditFilter()
    stmt = select(AuditEntry)
    if ctx.brand is not None:
        stmt = stmt.where(AuditEntry.brand_id == ctx.brand.id)
    for column, value in ((AuditEntry.actor, f.actor), (AuditEntry.action, f.action),
                          (AuditEntry.record_type, f.record_type),
                          (AuditEntry.record_id, f.record_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if f.since is not None:
        stmt = stmt.where(AuditEntry.at >= f.since)
    if f.until is not None:
        stmt = stmt.where(AuditEntry.at < f.until)
    return stmt.order_by(AuditEntry.at, AuditEntry.id)


def list_entries(ctx: Ctx, filters: AuditFilter | None = None, *, limit: int = 100,
                 offset: int = 0) -> list[AuditEntry]:
    """A page of entries for the admin browser (newest first)."""
    stmt = query(ctx, filters).order_by(None).order_by(AuditEntry.at.desc(),
                                                       AuditEntry.id.desc())
    return list(ctx.session.scalars(stmt.limit(limit).offset(offset)))


def count_entries(ctx: Ctx, filters: AuditFilter | None = None) -> int:
    """How many entries match (for the admin browser's pager)."""
    stmt = query(ctx, filters).order_by(None).with_only_columns(func.count(AuditEntry.id))
    return ctx.session.scalar(stmt) or 0


def iter_entries(ctx: Ctx, filters: AuditFilter | None = None, *, chunk: int = 1000
                 ) -> Iterator[AuditEntry]:
    """Every matching entry, streamed ``chunk`` rows at a time (server-side cursor on PG)."""
    result = ctx.session.scalars(query(ctx, filters).execution_options(yield_per=chunk))
    yield from result


CSV_HEADER = ("at", "actor", "brand_id", "action", "record_type", "record_id", "changes",
              "details")


def _cell(value: str | None) -> str:
    return spreadsheet_safe(value) or ""


def csv_rows(ctx: Ctx, filters: AuditFilter | None = None) -> Iterator[list[Any]]:
    """The CSV cells of every matching entry (oldest first, streamed), without the header."""
    for e in iter_entries(ctx, filters):
        yield [
            e.at.isoformat(), _cell(e.actor), "" if e.brand_id is None else e.brand_id,
            e.action, e.record_type or "", _cell(e.record_id),
            "" if e.changes is None else json.dumps(e.changes, ensure_ascii=False),
            "" if e.details is None else json.dumps(e.details, ensure_ascii=False),
        ]


def export_csv(ctx: Ctx, out: TextIO, filters: AuditFilter | None = None) -> int:
    """Write matching entries to ``out`` as CSV (streaming); returns the number of rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    count = 0
    for row in csv_rows(ctx, filters):
        writer.writerow(row)
        count += 1
    return count


ERASED = "[erased]"


def _like(text: str) -> str:
    return "%" + text.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


def _scrub(value: Any, needles: list[str], replacement: str) -> Any:
    if isinstance(value, str):
        for needle in needles:
            value = value.replace(needle, replacement)
        return value
    if isinstance(value, list):
        return [_scrub(v, needles, replacement) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, needles, replacement) for k, v in value.items()}
    return value


def pseudonymise(ctx: Ctx, values: Iterable[str], replacement: str = ERASED) -> int:
    """Replace a person's values (name, phone, e-mail, ID numbers...) wherever they appear
    in the ``changes`` and ``details`` of the brand's audit entries: the one rewrite the
    append-only log allows (erasure, P5/P6), itself audited with the count. Call inside
    ``ctx.write()``; values shorter than two characters are ignored. Returns the count of
    entries rewritten."""
    needles = sorted({v for v in values if v and len(v) >= 2}, key=len, reverse=True)
    if not needles:
        return 0
    # Stored JSON may escape non-ASCII text (\u5ba2): look for both spellings.
    patterns = {p for n in needles for p in (n, json.dumps(n)[1:-1])}
    columns = (cast(AuditEntry.changes, Text), cast(AuditEntry.details, Text))
    found = ctx.session.execute(
        select(AuditEntry.id, AuditEntry.changes, AuditEntry.details)
        .where(AuditEntry.brand_id == ctx.brand_id,
               or_(*(c.like(_like(p), escape="!") for c in columns for p in patterns)))
    ).all()
    if not found:
        return 0
    permit = ctx.session.execute(insert(AuditPermit).values(reason="pseudonymise")
                                 .returning(AuditPermit.id)).scalar_one()
    for entry_id, changes, details in found:
        ctx.session.execute(update(AuditEntry).where(AuditEntry.id == entry_id).values(
            changes=_scrub(changes, needles, replacement),
            details=_scrub(details, needles, replacement)))
    ctx.session.execute(delete(AuditPermit).where(AuditPermit.id == permit))
    record(ctx, "pseudonymise", record_type="audit_log", details={"entries": len(found)})
    return len(found)
