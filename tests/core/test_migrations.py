"""The Alembic migrations (core branch + one per module) build exactly the models' schema."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from core.db import Base, make_engine
from core.migrate import check, upgrade


@pytest.fixture()
def scratch_url(tmp_path, keyring):
    """An empty database of the backend under test, dropped afterwards."""
    if os.environ.get("DIRECTCRM_TEST_DB", "sqlite") == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    admin_url = os.environ["DIRECTCRM_TEST_PG_URL"]
    name = f"directcrm_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_match_the_models(scratch_url):
    engine = make_engine(scratch_url)
    try:
        upgrade(engine)
        check(engine)  # raises if a model change has no migration
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        upgrade(engine)  # running init again is a no-op
    finally:
        engine.dispose()


def test_audit_log_is_append_only_after_migrations(scratch_url):
    engine = make_engine(scratch_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO audit_log (at, actor, action) "
                              "VALUES (CURRENT_TIMESTAMP, 'system', 'test')"))
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET actor = 'x'"))
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log"))
    finally:
        engine.dispose()
