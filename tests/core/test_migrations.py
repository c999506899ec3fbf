"""The Alembic migrations (core branch + one per module) build exactly the models' schema."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from core.db import Base, make_engine
from core.migrate import check, upgrade


@pytest.fixture()
def scratch_url(scratch_database_url):
    """An empty database of the backend under test (the installed fixture)."""
    return scratch_database_url


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
