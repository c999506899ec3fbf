"""Audit every ORM create, update and delete in the same transaction as the change.

An ``after_flush`` listener on every SQLAlchemy session turns the flushed objects of the
directcrm models (core and modules: anything on ``core.db.Base``) into audit rows and
inserts them with one Core ``INSERT`` on the session's connection, so a rolled-back change
leaves no entry and a committed one always has one. The acting user and brand come from
``session.info`` (``Ctx`` puts ``user`` and ``brand_id`` there); a row's own ``brand_id``
wins over the session's.

Set-based statements run through ``Session.execute`` (``insert(Model)`` with a list of
rows, ``update(Model).where(...)``, ``delete(...)``) never reach ``after_flush``: a
``do_orm_execute`` listener writes one summary entry per statement for them (action
``create``/``update``/``delete``, no record id, ``details = {"bulk": true, "rows": n,
"columns": [...]}``). Statements run on ``session.connection()`` directly bypass both, so
such code calls ``core.audit.record_bulk`` itself (the CSV import does, once per batch).
A statement can opt out with ``execution_options(directcrm_audit=False)`` when its caller
records its own summary (key rotation).
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, UOWTransaction
from sqlalchemy.orm.state import InstanceState

from core.audit.models import AuditEntry
from core.crypto import EncryptedText, mask
from core.db import Base

SYSTEM_ACTOR = "system"
NO_AUDIT = "directcrm_audit"  # execution option: False = the caller records its own entry


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


def _bulk_summary(state: ORMExecuteState, result: Any) -> dict[str, Any] | None:
    statement = state.statement
    table = getattr(statement, "table", None)
    name = getattr(table, "name", None)
    if name is None or name == AuditEntry.__tablename__ or name not in Base.metadata.tables:
        return None
    params = state.parameters
    columns: list[str] = []
    if isinstance(params, (list, tuple)) and params:
        rows: int | None = len(params)
        columns = sorted(str(k) for k in params[0])
    else:
        rows = getattr(result, "rowcount", None)
        rows = rows if isinstance(rows, int) and rows >= 0 else None
        if isinstance(params, dict):
            columns = sorted(str(k) for k in params)
        values = getattr(statement, "_values", None) or {}
        columns += sorted(getattr(k, "key", str(k)) for k in values)
    if rows == 0:
        return None
    action = "create" if state.is_insert else ("update" if state.is_update else "delete")
    session = state.session
    return {
        "at": dt.datetime.now(dt.UTC),
        "actor": session.info.get("user") or SYSTEM_ACTOR,
        "brand_id": session.info.get("brand_id"),
        "action": action,
        "record_type": name,
        "record_id": None,
        "changes": None,
        "details": {"bulk": True, "rows": rows, "columns": sorted(set(columns))},
    }


def _on_execute(state: ORMExecuteState) -> Any:
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    if state.execution_options.get(NO_AUDIT) is False:
        return None
    result = state.invoke_statement()
    entry = _bulk_summary(state, result)
    if entry is None:
        return result
    if state.is_insert and not isinstance(state.parameters, (list, tuple)) and getattr(
            state.statement, "_returning", None):
        # One row inserted with RETURNING (a ledger entry): name the record, then hand the
        # caller the same result again.
        frozen = result.freeze()
        returned = frozen().all()
        if returned:
            entry["record_id"] = str(returned[0][0])
            entry["details"] = {"rows": 1}
        result = frozen()
    state.session.connection().execute(insert(AuditEntry.__table__), [entry])
    return result


def install() -> None:
    """Listen on every session (idempotent; done when ``core.audit`` is imported)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
    if not event.contains(Session, "do_orm_execute", _on_execute):
        event.listen(Session, "do_orm_execute", _on_execute)


install()
