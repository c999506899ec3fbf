"""Flask-Limiter's counters in the application database, shared by every worker process.

Flask-Limiter (through the ``limits`` library) keeps its counters in a storage chosen by
URI: ``memory://`` is private to each process, so with gunicorn's several workers a limit
of 20 per minute would really be 20 per worker. ``limits`` ships Redis, Memcached and
MongoDB storages but none on SQL, and the embedded installation has no other server; so
this module registers one more ``limits`` storage, ``database://``, on the runtime's
engine (``limits`` registers every ``Storage`` subclass by its ``STORAGE_SCHEME``). It
supports the fixed-window strategy (Flask-Limiter's default): one row per key, with an
atomic ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` on SQLite and PostgreSQL alike.
``DIRECTCRM_RATELIMIT_STORAGE=redis://host:6379`` uses Redis instead.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from limits.storage import Storage
from sqlalchemy import case, delete, literal, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from core.db import UTCDateTime
from core.users.models import RateLimitCounter

SCHEME = "database"
#: Expired rows are deleted every this many increments (per process).
PURGE_EVERY = 500


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class DatabaseStorage(Storage):
    """A ``limits`` storage in the table ``rate_limit_counters``; needs the storage option
    ``engine`` (``RATELIMIT_STORAGE_OPTIONS = {"engine": rt.engine}``)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 engine: Engine | None = None, **options: Any) -> None:
        if engine is None:
            raise ValueError("the database:// rate-limit storage needs the engine option")
        self.engine = engine
        self._calls = itertools.count(1)
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the counter of ``key`` (a new window when it has expired) and
        return the new count."""
        now = _now()
        ends = now + dt.timedelta(seconds=expiry)
        table = RateLimitCounter.__table__
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        expired = table.c.expires_at <= literal(now, UTCDateTime())
        stmt = dialect.insert(table).values(key=key, count=amount, expires_at=ends)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"count": case((expired, amount), else_=table.c.count + amount),
                  "expires_at": case((expired, literal(ends, UTCDateTime())),
                                     else_=table.c.expires_at)},
        ).returning(table.c.count)
        with self.engine.begin() as conn:
            count = int(conn.execute(stmt).scalar_one())
            if next(self._calls) % PURGE_EVERY == 0:
                conn.execute(delete(table).where(table.c.expires_at <= now))
        return count

    def get(self, key: str) -> int:
        """The current count of ``key`` (0 when its window has ended)."""
        table = RateLimitCounter.__table__
        with self.engine.connect() as conn:
            count = conn.execute(select(table.c.count).where(
                table.c.key == key, table.c.expires_at > _now())).scalar()
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        """When the window of ``key`` ends, as a Unix time (now when there is none)."""
        table = RateLimitCounter.__table__
        with self.engine.connect() as conn:
            ends = conn.execute(select(table.c.expires_at).where(table.c.key == key)).scalar()
        return (ends or _now()).timestamp()

    def check(self) -> bool:
        """True while the database answers."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every counter; returns how many there were."""
        with self.engine.begin() as conn:
            return conn.execute(delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        """Forget the counter of ``key``."""
        with self.engine.begin() as conn:
            conn.execute(delete(RateLimitCounter.__table__)
                         .where(RateLimitCounter.__table__.c.key == key))


def storage_config(engine: Engine, uri: str | None) -> dict[str, Any]:
    """Flask-Limiter's storage settings: ``uri`` (e.g. ``redis://host:6379``) when given,
    else the database of ``engine``."""
    uri = uri or f"{SCHEME}://"
    options = {"engine": engine} if uri.startswith(f"{SCHEME}:") else {}
    return {"RATELIMIT_STORAGE_URI": uri, "RATELIMIT_STORAGE_OPTIONS": options}
