"""The fixtures of :mod:`core.testing` (loaded by pytest through the ``pytest11`` entry
point of the directcrm distribution)."""

from __future__ import annotations

import datetime as dt
import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import close_all_sessions

from core.audit.models import append_only_statements
from core.config import Settings
from core.context import Ctx
from core.crypto import Keyring, set_keyring
from core.db import Base, make_engine, scratch_postgres_database
from core.plugins import default_registry
from core.runtime import Runtime, create_schema
from core.services.brands import create_brand
from core.testing.builders import Builders

BACKEND = os.environ.get("DIRECTCRM_TEST_DB", "sqlite")
PASSWORD = "correct-horse-1"
# FAB's user tables are not in directcrm's metadata: the per-test wipe clears them apart.
FAB_USER_TABLES = ("ab_api_key", "ab_user_role", "ab_user_group", "ab_register_user", "ab_user")


def pytest_report_header(config: pytest.Config) -> str:
    return f"directcrm database backend: {BACKEND}"


class FixedClock:
    """A settable clock for ``ctx.clock``; starts at 2026-03-02 02:00 UTC."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.value = start or dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.value

    def advance(self, **delta: float) -> None:
        self.value += dt.timedelta(**delta)


@pytest.fixture(scope="session")
def keyring() -> Keyring:
    """A fresh encryption keyring for the test run."""
    ring = Keyring.generate()
    set_keyring(ring)
    return ring


def _admin_url() -> str:
    admin_url = os.environ.get("DIRECTCRM_TEST_PG_URL")
    if not admin_url:
        pytest.exit("DIRECTCRM_TEST_DB=postgresql needs DIRECTCRM_TEST_PG_URL (.ci/pg start)", 2)
    return admin_url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, empty database for this test run (dropped afterwards on PostgreSQL)."""
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    with scratch_postgres_database(_admin_url(), "directcrm_test") as url:
        yield url


@pytest.fixture()
def scratch_database_url(tmp_path: Path, keyring: Keyring) -> Iterator[str]:
    """An empty database of the backend under test, without tables, for this test only
    (migrations, ``directcrm init``, a module's downgrade); dropped afterwards."""
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    with scratch_postgres_database(_admin_url(), "directcrm_scratch") as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str, keyring: Keyring) -> Iterator[Engine]:
    """The engine of the test database, with every table of the core and the modules."""
    eng = make_engine(database_url)
    create_schema(eng)
    yield eng
    eng.dispose()


def wipe(eng: Engine) -> None:
    """Empty every table (the append-only audit log included, for tests only)."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    existing = set(inspect(eng).get_table_names())
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
            conn.execute(text("SET LOCAL lock_timeout = '30s'"))
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                              + " RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
            for statement in append_only_statements("sqlite"):
                conn.execute(text(statement))
        for table in FAB_USER_TABLES:
            if table in existing:
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture()
def rt(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime on the test database, emptied before each test."""
    wipe(engine)
    runtime = Runtime(settings=Settings(instance_path=tmp_path, database_url=database_url),
                      registry=default_registry())
    runtime.__dict__["engine"] = engine  # share the session-wide engine
    yield runtime
    close_all_sessions()  # a session a test forgot must not hold locks into the next test


@pytest.fixture()
def clock() -> FixedClock:
    """The test clock (2026-03-02 02:00 UTC); set ``clock.value`` or ``advance(hours=1)``."""
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
    """A context of brand A."""
    return make_ctx("A")


@pytest.fixture()
def ctx_b(make_ctx: Callable[..., Ctx], brands: tuple[str, str]) -> Ctx:
    """A context of brand B."""
    return make_ctx("B")


@pytest.fixture()
def build() -> Builders:
    """Test data through the core's services: ``build.rep(ctx_a)``, ``build.customer(ctx_a,
    "C1", rep="R001")``, ``build.product(ctx_a, "P1", price="199.00")``,
    ``build.paid_order(ctx_a, "C1", [("P1", 2)])``, ``build.refund(ctx_a, "SO001",
    [("P1", 1, "199.00")])``."""
    return Builders()


@pytest.fixture()
def enable() -> Callable[..., list[str]]:
    """``enable(ctx, "loyalty", ...)``: enable modules for the context's brand."""
    from core.services.modules import enable_modules

    def _enable(ctx: Ctx, *modules: str) -> list[str]:
        done = enable_modules(ctx, list(modules))
        ctx.refresh_modules()
        return done

    return _enable


@pytest.fixture(name="run_cli")
def run_cli_fixture(rt: Runtime) -> Iterator[Callable[..., Any]]:
    """``run_cli("tasks", "today", ...)`` runs the CLI on the test database."""
    from click.testing import CliRunner

    import core.cli.common as cli_common
    from core.cli import cli

    cli_common._runtime = rt
    cli_common.load_plugin_commands()
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        try:
            return runner.invoke(cli, list(args), catch_exceptions=False)
        finally:
            close_all_sessions()  # the command's session, so the test database can be dropped

    yield invoke
    cli_common._runtime = None


@pytest.fixture()
def web_app(rt: Runtime, clock: FixedClock, brands: tuple[str, str]) -> Any:
    """The web app on the test database and clock (CSRF off for form posts)."""
    from core.web.app import create_app

    return create_app(rt, {"TESTING": True, "DIRECTCRM_CLOCK": clock,
                           "WTF_CSRF_ENABLED": False,
                           # A cheap hash keeps tests fast (production keeps scrypt).
                           "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})


@pytest.fixture()
def make_user(web_app: Any) -> Callable[..., int]:
    """``make_user("li.na", "brand_admin", brand="A")`` → the new login's id."""
    from core.web.users import create_user

    def _make(username: str, role: str, brand: str | None = None,
              rep_ref: str | None = None) -> int:
        return create_user(web_app, username, PASSWORD, role, brand_code=brand,
                           rep_ref=rep_ref, locale="en")

    return _make


@pytest.fixture()
def login_as(web_app: Any) -> Callable[[str], Any]:
    """``login_as("li.na")`` → a test client with a logged-in browser session."""

    def _login(username: str) -> Any:
        client = web_app.test_client()
        r = client.post("/login/", data={"username": username, "password": PASSWORD})
        assert r.status_code == 302, r.data[:500]
        return client

    return _login


@pytest.fixture()
def api_headers(web_app: Any) -> Callable[[str], dict[str, str]]:
    """``api_headers("li.na")`` → headers with a JWT from the API login."""

    def _headers(username: str) -> dict[str, str]:
        r = web_app.test_client().post("/api/v1/security/login", json={
            "username": username, "password": PASSWORD, "provider": "db"})
        assert r.status_code == 200, r.json
        return {"Authorization": f"Bearer {r.json['access_token']}"}

    return _headers
