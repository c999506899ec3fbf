"""Alembic environment: runs against the engine handed over by ``core.migrate``.

Only tables of our metadata are compared: Flask-AppBuilder's security tables live in the
same database but are created by FAB. ``core.migrate.revision`` narrows autogeneration to
one module's tables through ``config.attributes["only_tables"]``.
"""

from __future__ import annotations

from typing import Any

from alembic import context

import core.all_models  # noqa: F401
from core.db import Base
from core.plugins import default_registry

default_registry()  # import every module's models so their tables are in the metadata
config = context.config
engine = config.attributes["engine"]
only_tables: set[str] | None = config.attributes.get("only_tables")


def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                   compare_to: Any) -> bool:
    if type_ == "unique_constraint" and reflected and str(name).startswith("pk_"):
        return False  # SQLite's stand-in for a (id, brand_id) primary key (core.db)
    table = obj if type_ == "table" else getattr(obj, "table", None)
    table_name = getattr(table, "name", name)
    if table_name not in Base.metadata.tables:
        return False
    return only_tables is None or table_name in only_tables


def render_item(type_: str, obj: Any, autogen_context: Any) -> bool:
    """Import the module of every custom column type the revision mentions."""
    module = type(obj).__module__
    if type_ == "type" and not module.startswith("sqlalchemy"):
        autogen_context.imports.add(f"import {module}")
    return False  # default rendering


with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Rebuilding a table (batch mode) drops the old one: with foreign keys enforced,
        # that would delete or refuse its children's rows. Checked again below.
        raw = connection.connection.driver_connection
        raw.execute("PRAGMA foreign_keys=OFF")
        if raw.execute("PRAGMA foreign_keys").fetchone()[0] != 0:
            raise RuntimeError("could not turn foreign keys off for the migration")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=sqlite,
        compare_type=True,
        include_object=include_object,
        render_item=render_item,
    )
    try:
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"migration left rows without their parent: {broken[:5]}")
    finally:
        if sqlite:  # a fresh connection (foreign keys enforced) replaces this one in the pool
            connection.invalidate()
