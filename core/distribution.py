"""The schema laid out for a PostgreSQL cluster distributed by brand (Citus).

Every table is placed one of three ways:

- **distributed** by ``brand_id`` (every table with a ``brand_id`` unless it says
  otherwise): its primary key and every unique key include ``brand_id``, and every foreign
  key to another distributed table includes it on both sides (:class:`core.db.BrandScoped`,
  :func:`core.db.brand_foreign_key`), so that one brand's rows live together on one node and
  a row can never point at another brand's row;
- **reference** (``placed_as("reference")``): small global tables copied to every node
  (brands, which modules a brand enabled, which brand a login works for);
- **local** (``placed_as("local")``): installation-wide tables kept on the coordinator
  (the job queue the workers poll across brands, the audit log with its installation-level
  entries, login attempts and rate-limit counters).

:func:`placement_problems` checks these rules over the whole metadata (core and modules:
a test runs it, so a new module cannot break them) and :func:`citus_statements` writes the
SQL that distributes an installation's tables (``directcrm citus-sql``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, ForeignKeyConstraint, MetaData, Table, UniqueConstraint

from core.db import DISTRIBUTION

DISTRIBUTED = "distributed"
REFERENCE = "reference"
LOCAL = "local"
DISTRIBUTION_COLUMN = "brand_id"
COLOCATION_ANCHOR = "reps"


def placement(table: Table) -> str | None:
    """``distributed``, ``reference`` or ``local``; None for a table that has no
    ``brand_id`` and does not say where it goes (a rule violation)."""
    declared = table.info.get(DISTRIBUTION)
    if declared:
        return str(declared)
    return DISTRIBUTED if DISTRIBUTION_COLUMN in table.c else None


def _unique_keys(table: Table) -> Iterable[tuple[str, list[str]]]:
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            yield str(constraint.name), [c.name for c in constraint.columns]
    for index in table.indexes:
        if index.unique:
            yield str(index.name), [c.name for c in index.columns]


def _includes_brand(fk: ForeignKeyConstraint) -> bool:
    return any(element.parent.name == DISTRIBUTION_COLUMN
               and element.column.name == DISTRIBUTION_COLUMN for element in fk.elements)


def placement_problems(metadata: MetaData) -> list[str]:
    """Every violation of the placement rules, one sentence each (empty: the schema can be
    distributed by brand as it is)."""
    problems: list[str] = []
    for table in metadata.sorted_tables:
        kind = placement(table)
        name = table.name
        if kind is None:
            problems.append(f"{name}: no brand_id and no placed_as('reference'|'local')")
            continue
        if kind not in (DISTRIBUTED, REFERENCE, LOCAL):
            problems.append(f"{name}: unknown placement {kind!r}")
            continue
        if kind == DISTRIBUTED:
            column = table.c.get(DISTRIBUTION_COLUMN)
            if column is None or column.nullable:
                problems.append(f"{name}: distributed, so brand_id must be NOT NULL")
            if DISTRIBUTION_COLUMN not in [c.name for c in table.primary_key.columns]:
                problems.append(f"{name}: primary key lacks brand_id (use BrandScoped)")
            for key_name, columns in _unique_keys(table):
                if DISTRIBUTION_COLUMN not in columns:
                    problems.append(f"{name}: unique key {key_name} {columns} lacks brand_id")
        for fk in table.foreign_key_constraints:
            target = fk.referred_table
            target_kind = placement(target)
            local_columns = [c.name for c in fk.columns]
            if kind == DISTRIBUTED and target_kind == DISTRIBUTED and not _includes_brand(fk):
                problems.append(f"{name}: foreign key {local_columns} -> {target.name} lacks "
                                "brand_id (use brand_foreign_key)")
            elif kind == DISTRIBUTED and target_kind == LOCAL:
                problems.append(f"{name}: distributed table references local {target.name}")
            elif kind == REFERENCE and target_kind != REFERENCE:
                problems.append(f"{name}: reference table references {target_kind} "
                                f"{target.name}")
            elif kind == LOCAL and target_kind == DISTRIBUTED:
                problems.append(f"{name}: local table references distributed {target.name}")
    return problems


def citus_statements(metadata: MetaData) -> list[str]:
    """The SQL that distributes the installation's tables on a Citus coordinator, in an
    order that satisfies the foreign keys: reference tables, then the distributed tables
    (all co-located with ``reps``, so a brand's rows of every table share a node), then
    the local tables added to Citus' metadata."""
    tables = metadata.sorted_tables
    statements: list[str] = []
    statements += [f"SELECT create_reference_table('{t.name}');"
                   for t in tables if placement(t) == REFERENCE]
    distributed = [t for t in tables if placement(t) == DISTRIBUTED]
    # Reps first (it references no other distributed table): every other table is
    # co-located with it, so a brand's rows of every table are on the same node.
    distributed.sort(key=lambda t: t.name != COLOCATION_ANCHOR)
    for i, table in enumerate(distributed):
        colocate = "" if i == 0 else f", colocate_with => '{distributed[0].name}'"
        statements.append(f"SELECT create_distributed_table('{table.name}', "
                          f"'{DISTRIBUTION_COLUMN}'{colocate});")
    statements += [f"SELECT citus_add_local_table_to_metadata('{t.name}');"
                   for t in tables if placement(t) == LOCAL]
    return statements


def rekey_by_brand(tables: dict[str, dict[str, str]]) -> None:
    """Migration step: key each of ``tables`` by ``(id, brand_id)`` and turn each listed
    foreign key ``{column: referred table}`` into ``(column, brand_id)`` referencing
    ``table(id, brand_id)``. List the tables parents first.

    For a module whose tables were created before directcrm 0.2 (a revision of its own,
    depending on ``core_0008``); what is already keyed so is left alone, so the step does
    nothing on a database created later. On PostgreSQL, changing a primary key drops the
    foreign keys of other modules that reference it: each module's own step re-creates
    its foreign keys, which is why every module with such keys needs one.
    """
    from alembic import op
    from sqlalchemy import inspect

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table, fks in tables.items():
            _rekey_sqlite_table(bind, table, fks)
        return
    insp = inspect(bind)
    for table, fks in tables.items():
        current = {tuple(fk["constrained_columns"]): fk["name"]
                   for fk in insp.get_foreign_keys(table)}
        for column in fks:
            if current.get((column,)):
                op.drop_constraint(current[(column,)], table, type_="foreignkey")
    for table in tables:
        pk = insp.get_pk_constraint(table)
        if pk["constrained_columns"] != ["id", "brand_id"]:
            # CASCADE: other modules' keys to this table go too; their own step re-creates them.
            op.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{pk["name"]}" CASCADE')
            op.create_primary_key(f"pk_{table}", table, ["id", "brand_id"])
    insp = inspect(bind)
    for table, fks in tables.items():
        current = {tuple(fk["constrained_columns"]) for fk in insp.get_foreign_keys(table)}
        for column, target in fks.items():
            if (column, "brand_id") not in current:
                op.create_foreign_key(f"fk_{table}_{column}_{target}", table, target,
                                      [column, "brand_id"], ["id", "brand_id"])


def _rekey_sqlite_table(conn: Connection, table: str, fks: dict[str, str]) -> None:
    """Rebuild one SQLite table with the new keys: its CREATE statement edited, the rows
    copied (generated columns left to SQLite), its indexes and triggers made again.
    Foreign-key enforcement is off during migrations (core/migrations/env.py)."""
    def one(sql: str, *params: Any) -> Any:
        return conn.exec_driver_sql(sql, params).scalar()

    create = one("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table)
    new = create
    old_key = f"CONSTRAINT pk_{table} PRIMARY KEY (id)"
    if old_key in new:
        new = new.replace(old_key, f"PRIMARY KEY (id), CONSTRAINT pk_{table} UNIQUE (id, brand_id)")
    elif f"CONSTRAINT pk_{table} UNIQUE (id, brand_id)" not in new:
        raise RuntimeError(f"{table}: unexpected primary key in {create!r}")
    for column, target in fks.items():
        old = f"FOREIGN KEY({column}) REFERENCES {target} (id)"
        if old in new:
            new = new.replace(old, f"FOREIGN KEY({column}, brand_id) REFERENCES {target} "
                                   "(id, brand_id)")
        elif f"FOREIGN KEY({column}, brand_id)" not in new:
            raise RuntimeError(f"{table}: foreign key on {column} not found in {create!r}")
    if new == create:
        return
    extras = [row[0] for row in conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
        "AND sql IS NOT NULL", (table,))]
    # table_xinfo's "hidden" is 0 for stored columns, 2 or 3 for generated ones.
    columns = ", ".join(f'"{row[1]}"' for row in conn.exec_driver_sql(
        f'PRAGMA table_xinfo("{table}")') if row[6] == 0)
    temporary = f"_rekey_{table}"
    head, rest = new.split("(", 1)
    conn.exec_driver_sql(f'CREATE TABLE "{temporary}" ({rest}')
    conn.exec_driver_sql(f'INSERT INTO "{temporary}" ({columns}) SELECT {columns} FROM "{table}"')
    conn.exec_driver_sql(f'DROP TABLE "{table}"')
    conn.exec_driver_sql(f'ALTER TABLE "{temporary}" RENAME TO "{table}"')
    for statement in extras:
        conn.exec_driver_sql(statement)
