"""The append-only audit log table and the database triggers that keep it append-only.

No code path updates or deletes audit rows. The database enforces it too: on SQLite two
triggers abort any ``UPDATE``/``DELETE``; on PostgreSQL a row trigger raises an exception
(and the application role is granted only ``SELECT, INSERT``: see docs/operations.md).
The triggers are created right after the table by a DDL event (``create_all`` in tests);
migrations add them with ``append_only_statements`` (see ``APPEND_ONLY_MIGRATION``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DDL, JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime

APPEND_ONLY_MESSAGE = "audit_log is append-only"

_SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
]
_POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'insufficient_privilege';"
    " END $$",
    "DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
]


def append_only_statements(dialect_name: str) -> list[str]:
    """The SQL that makes ``audit_log`` refuse UPDATE and DELETE on this database."""
    return {"sqlite": _SQLITE, "postgresql": _POSTGRESQL}.get(dialect_name, [])


# What the migration that creates audit_log must run after ``op.create_table``.
APPEND_ONLY_MIGRATION = """\
from core.audit.models import append_only_statements
for statement in append_only_statements(op.get_bind().dialect.name):
    op.execute(statement)
"""


class AuditEntry(Base):
    """One audited action: who did what to which record, when, in which brand.

    ``brand_id`` is None only for installation-wide actions (brand creation, key
    rotation). ``changes`` maps field → ``[old, new]`` with sensitive values masked;
    ``details`` holds action-specific data (a revealed field, an import's row count...).
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_brand_at", "brand_id", "at"),
        Index("ix_audit_log_brand_record", "brand_id", "record_type", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(120))
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id"))
    action: Mapped[str] = mapped_column(String(32))
    record_type: Mapped[str | None] = mapped_column(String(64))
    record_id: Mapped[str | None] = mapped_column(String(64))
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


for _dialect, _statements in (("sqlite", _SQLITE), ("postgresql", _POSTGRESQL)):
    for _sql in _statements:
        event.listen(AuditEntry.__table__, "after_create",
                     DDL(_sql.replace("%", "%%")).execute_if(dialect=_dialect))
