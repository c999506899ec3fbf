"""Test fixtures: a real database per run (SQLite file or PostgreSQL), clean per test.

``DIRECTCRM_TEST_DB`` picks the backend (``sqlite``, the default, or ``postgresql``, which
needs ``DIRECTCRM_TEST_PG_URL`` pointing at a server: ``.ci/pg start`` prints one).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import close_all_sessions

from core.audit.models import append_only_statements
from core.config import Settings
from core.context import Ctx
from core.crypto import Keyring, set_keyring
from core.db import Base, make_engine
from core.plugins import default_registry
from core.runtime import Runtime, create_schema
from core.services.brands import create_brand

BACKEND = os.environ.get("DIRECTCRM_TEST_DB", "sqlite")


def pytest_report_header(config: pytest.Config) -> str:
    return f"directcrm database backend: {BACKEND}"


@pytest.fixture(scope="session")
def keyring() -> Keyring:
    ring = Keyring.generate()
    set_keyring(ring)
    return ring


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, empty database for this test run."""
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    admin_url = os.environ.get("DIRECTCRM_TEST_PG_URL")
    if not admin_url:
        pytest.exit("DIRECTCRM_TEST_DB=postgresql needs DIRECTCRM_TEST_PG_URL (.ci/pg start)", 2)
    name = f"directcrm_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str, keyring: Keyring) -> Iterator[Engine]:
    eng = make_engine(database_url)
    create_schema(eng)
    yield eng
    eng.dispose()


def _wipe(eng: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with eng.begin() as conn:
        if eng.dialect.name == "postgresql":
            # A session an earlier test left "idle in transaction" would block TRUNCATE
            # forever: end it, and say so (the leak is that test's bug).
            ended = conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                "current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in "
                "transaction%'")).all()
            if ended:
                warnings.warn(f"ended {len(ended)} database session(s) an earlier test left "
                              "idle in a transaction", stacklevel=2)
            # Anything still blocking fails this test instead of hanging the whole run.
            conn.execute(text("SET LOCAL lock_timeout = '30s'"))
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                              + " RESTART IDENTITY CASCADE"))
        else:
            # audit_log refuses DELETE (append-only trigger): lifted for the test wipe only.
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
            for statement in append_only_statements("sqlite"):
                conn.execute(text(statement))


@pytest.fixture()
def rt(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime on the test database, emptied before each test."""
    _wipe(engine)
    runtime = Runtime(settings=Settings(instance_path=tmp_path, database_url=database_url),
                      registry=default_registry())
    runtime.__dict__["engine"] = engine  # share the session-wide engine
    yield runtime
    close_all_sessions()  # a session a test forgot must not hold locks into the next test


class FixedClock:
    """A settable clock for ``ctx.clock``; starts at 2026-03-02 02:00 UTC."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.value = start or dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.value

    def advance(self, **delta: float) -> None:
        self.value += dt.timedelta(**delta)


@pytest.fixture()
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture()
def make_ctx(rt: Runtime, clock: FixedClock) -> Iterator[Callable[..., Ctx]]:
    """``make_ctx("A")`` → a context for brand A with its own session and the test clock."""
    made: list[Ctx] = []

    def factory(brand_code: str | None = None, user: str = "tester") -> Ctx:
        ctx = rt.ctx(brand_code, user=user)
        ctx.clock = clock
        made.append(ctx)
        return ctx

    yield factory
    for ctx in made:
        ctx.session.close()


@pytest.fixture()
def brands(make_ctx: Callable[..., Ctx]) -> tuple[str, str]:
    """Two brands, A (CN, Shanghai) and B (TW, Taipei)."""
    ctx = make_ctx()
    create_brand(ctx, {"code": "A", "name": "Brand A", "currency": "CNY",
                       "timezone": "Asia/Shanghai", "jurisdiction": "CN",
                       "locale": "zh_Hans_CN"})
    create_brand(ctx, {"code": "B", "name": "Brand B", "currency": "TWD",
                       "timezone": "Asia/Taipei", "jurisdiction": "TW", "locale": "zh_Hant_TW"})
    return ("A", "B")


@pytest.fixture()
def ctx_a(make_ctx: Callable[..., Ctx], brands: tuple[str, str]) -> Ctx:
    return make_ctx("A")


@pytest.fixture()
def ctx_b(make_ctx: Callable[..., Ctx], brands: tuple[str, str]) -> Ctx:
    return make_ctx("B")
