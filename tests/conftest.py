"""The suite's fixtures come from directcrm's own pytest plugin (``core.testing``, loaded
through the ``pytest11`` entry point), the same a partner's module tests with: a real
database per run (SQLite file or PostgreSQL), emptied per test.

``DIRECTCRM_TEST_DB`` picks the backend (``sqlite``, the default, or ``postgresql``, which
needs ``DIRECTCRM_TEST_PG_URL`` pointing at a server: ``.ci/pg start`` prints one).
"""

from __future__ import annotations

from core.testing.plugin import FixedClock
from core.testing.plugin import wipe as _wipe

__all__ = ["FixedClock", "_wipe"]
