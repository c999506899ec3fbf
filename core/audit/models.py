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

from core.db import Base, UTCDateTime, placed_as

APPEND_ONLY_MESSAGE = "audit_log is append-only"

# One exception to "never updated": a pseudonymisation (erasure of a person, P5/P6) may
# rewrite the ``changes`` and ``details`` of entries, inside a transaction that holds a row
# in ``audit_permits`` (inserted and deleted in that same transaction, so no other
# connection ever sees it; see ``core.audit.services.pseudonymise``). Who, when, what and
# which record can never change, and nothing can ever be deleted.
_SAME_FACTS_SQLITE = ("NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.actor IS NOT OLD.actor "
                      "OR NEW.brand_id IS NOT OLD.brand_id OR NEW.action IS NOT OLD.action "
                      "OR NEW.record_type IS NOT OLD.record_type "
                      "OR NEW.record_id IS NOT OLD.record_id")
_SQLITE = [
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    f"WHEN NOT EXISTS (SELECT 1 FROM audit_permits) OR {_SAME_FACTS_SQLITE} "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
]
_POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN "
    "IF TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM audit_permits) "
    "AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor = OLD.actor "
    "AND NEW.brand_id IS NOT DISTINCT FROM OLD.brand_id AND NEW.action = OLD.action "
    "AND NEW.record_type IS NOT DISTINCT FROM OLD.record_type "
    "AND NEW.record_id IS NOT DISTINCT FROM OLD.record_id THEN RETURN NEW; END IF; "
    f"RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}' USING ERRCODE = 'insufficient_privilege';"
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
        placed_as("local"),
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


class AuditPermit(Base):
    """A pseudonymisation in progress (see above); never committed."""

    __tablename__ = "audit_permits"
    __table_args__ = (placed_as("local"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(64))


# After both tables exist (the triggers read audit_permits).
AuditPermit.__table__.add_is_dependent_on(AuditEntry.__table__)
for _dialect, _statements in (("sqlite", _SQLITE), ("postgresql", _POSTGRESQL)):
    for _sql in _statements:
        event.listen(AuditPermit.__table__, "after_create",
                     DDL(_sql.replace("%", "%%")).execute_if(dialect=_dialect))
