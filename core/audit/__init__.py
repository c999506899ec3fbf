"""The audit log: who did what to which record, when, in which brand (append-only).

Importing this package installs the ORM listener that records every create, update and
delete in the same transaction (``core.context`` imports it, so every service is covered).
Use ``from core import audit`` then ``audit.record(ctx, ...)``, ``audit.record_bulk``,
``audit.record_login``, ``audit.reveal``, ``audit.query``, ``audit.export_csv``: see
``core.audit.services``.
"""

from __future__ import annotations

from typing import Any

from core.audit import listener as listener  # noqa: F401  (installs the flush listener)

_SERVICES = {"record", "record_bulk", "record_login", "reveal", "query", "list_entries",
             "count_entries", "iter_entries", "csv_rows", "export_csv", "AuditFilter", "ACTIONS",
             "CSV_HEADER"}


def __getattr__(name: str) -> Any:
    # Lazy: the services import core.context, which imports this package.
    if name in _SERVICES:
        from core.audit import services

        return getattr(services, name)
    raise AttributeError(name)
