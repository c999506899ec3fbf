"""Alembic environment: runs against the engine handed over by ``core.migrate``."""

from __future__ import annotations

from alembic import context

import core.all_models  # noqa: E402,F401
from core.db import Base
from core.plugins import default_registry

default_registry()  # import every module's models so their tables are in the metadata
config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
