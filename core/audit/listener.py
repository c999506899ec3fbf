"""Audit every ORM create, update and delete in the same transaction as the change.

An ``after_flush`` listener on every SQLAlchemy session turns the flushed objects of the
directcrm models (core and modules: anything on ``core.db.Base``) into audit rows and
inserts them with one Core ``INSERT`` on the session's connection, so a rolled-back change
leaves no entry and a committed one always has one. The acting user and brand come from
``session.info`` (``Ctx`` puts ``user`` and ``brand_id`` there); a row's own ``brand_id``
wins over the session's.

Bulk Core inserts (CSV import) do not go through the ORM: they call
``core.audit.record_bulk`` once per batch instead.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Mapper, Session, UOWTransaction
from sqlalchemy.orm.state import InstanceState

from core.audit.models import AuditEntry
from core.crypto import EncryptedText, mask
from core.db import Base

SYSTEM_ACTOR = "system"


def jsonable(value: Any) -> Any:
    """A JSON-safe form of a column value (Decimal and dates as strings, enums by value)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


_SECRET_WORDS = ("password", "secret", "token")
REDACTED = "[redacted]"

_COLUMNS: dict[Mapper[Any], list[tuple[str, str]]] = {}


def _audited_columns(mapper: Mapper[Any]) -> list[tuple[str, str]]:
    """``(attribute key, how)`` for the columns worth recording, ``how`` being ``plain``,
    ``mask`` (``EncryptedText``) or ``redact`` (names with password/secret/token).
    Primary keys and keyed lookup hashes (``*_hash``) are left out."""
    cached = _COLUMNS.get(mapper)
    if cached is None:
        cached = []
        for prop in mapper.column_attrs:
            column = prop.columns[0]
            if column.primary_key or column.name.endswith("_hash"):
                continue
            if isinstance(column.type, EncryptedText):
                how = "mask"
            elif any(w in column.name.lower() for w in _SECRET_WORDS):
                how = "redact"
            else:
                how = "plain"
            cached.append((prop.key, how))
        _COLUMNS[mapper] = cached
    return cached


def _shown(value: Any, how: str) -> Any:
    if how == "mask":
        return mask(value)
    if how == "redact":
        return None if value is None else REDACTED
    return jsonable(value)


def _changes(state: InstanceState[Any], action: str) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    values = state.dict
    for key, how in _audited_columns(state.mapper):
        if action == "update":
            history = state.attrs[key].history
            if not history.added and not history.deleted:
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old == new:
                continue
            out[key] = [_shown(old, how), _shown(new, how)]
        elif values.get(key) is not None:
            shown = _shown(values[key], how)
            out[key] = [None, shown] if action == "create" else [shown, None]
    return out


def _entry(session: Session, state: InstanceState[Any], action: str, now: dt.datetime
           ) -> dict[str, Any] | None:
    changes = _changes(state, action)
    if action == "update" and not changes:
        return None
    mapper = state.mapper
    identity = [state.dict.get(mapper.get_property_by_column(c).key) for c in mapper.primary_key]
    if mapper.class_.__tablename__ == "brands":
        brand_id = identity[0]
    elif "brand_id" in mapper.attrs:
        brand_id = state.dict.get("brand_id", session.info.get("brand_id"))
    else:
        brand_id = session.info.get("brand_id")
    return {
        "at": now,
        "actor": session.info.get("user") or SYSTEM_ACTOR,
        "brand_id": brand_id,
        "action": action,
        "record_type": mapper.class_.__tablename__,
        "record_id": ",".join(str(v) for v in identity),
        "changes": changes,
        "details": None,
    }


def _after_flush(session: Session, _flush_context: UOWTransaction) -> None:
    now = dt.datetime.now(dt.UTC)
    rows = []
    for objects, action in ((session.new, "create"), (session.dirty, "update"),
                            (session.deleted, "delete")):
        for obj in objects:
            if not isinstance(obj, Base) or isinstance(obj, AuditEntry):
                continue
            entry = _entry(session, inspect(obj), action, now)
            if entry is not None:
                rows.append(entry)
    if rows:
        session.connection().execute(insert(AuditEntry.__table__), rows)


def install() -> None:
    """Listen on every session (idempotent; done when ``core.audit`` is imported)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


install()
