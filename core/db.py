"""Database plumbing: the declarative base, column types, engines and write transactions.

SQLite is the embedded default and runs in WAL mode with a busy timeout; write
transactions start with ``BEGIN IMMEDIATE`` so that concurrent writers queue instead of
failing with "database is locked" halfway through (see DESIGN.md, data rules).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import (
    DateTime,
    Engine,
    ForeignKey,
    ForeignKeyConstraint,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    create_engine,
    event,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.schema import CreateColumn
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 30_000
IMMEDIATE = "directcrm_immediate"
_WRITE_OWNER = "directcrm_write_owner"


class Base(DeclarativeBase):
    """Declarative base shared by the core and every plugin's models."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


DISTRIBUTION = "distribution"
"""Key of ``Table.info`` that says how a table is placed on a distributed (Citus) cluster."""


def placed_as(kind: Literal["reference", "local"]) -> dict[str, Any]:
    """Table arguments for a table that is not distributed by brand: ``"reference"`` (small,
    global, copied to every node: brands, who works for which brand) or ``"local"`` (kept on
    the coordinator: installation-wide queues and logs). Use it as the last item of
    ``__table_args__``; every other table with a ``brand_id`` is distributed by brand."""
    return {"info": {DISTRIBUTION: kind}}


class BrandScoped:
    """Mixin for a table distributed by brand: ``id`` and ``brand_id`` form its primary key.

    The ORM still identifies a row by ``id`` alone (``session.get(Model, id)``); the
    database key includes ``brand_id`` so that the table can be distributed by brand
    (Citus requires the distribution column in every primary and unique key), and foreign
    keys between brand-scoped tables (:func:`brand_foreign_key`) make a reference to
    another brand's row impossible in the database itself.
    """

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True, sort_order=-2)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), primary_key=True,
                                          autoincrement=False, index=True, sort_order=-1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 - declarative class method
        return {"primary_key": [cls.__table__.c.id]}  # type: ignore[attr-defined]


def brand_foreign_key(column: str, table: str, **kwargs: Any) -> ForeignKeyConstraint:
    """A foreign key from ``column`` to ``table``'s row of the same brand, for
    ``__table_args__``: ``(column, brand_id)`` references ``table(id, brand_id)``.

    Use it for every reference between tables distributed by brand (both use
    :class:`BrandScoped`); keyword arguments (``ondelete``...) go to the constraint."""
    return ForeignKeyConstraint([column, "brand_id"], [f"{table}.id", f"{table}.brand_id"],
                                **kwargs)


def _brand_keyed(table: Table | None) -> bool:
    return table is not None and [c.name for c in table.primary_key.columns] == ["id", "brand_id"]


@compiles(CreateColumn, "sqlite")
def _sqlite_rowid_column(element: CreateColumn[Any], compiler: DDLCompiler, **kw: Any) -> str:
    # SQLite numbers rows only through an INTEGER PRIMARY KEY of one column: a brand-keyed
    # table keeps ``id`` as that key and gets UNIQUE (id, brand_id) instead (below), which
    # the composite foreign keys reference. Distribution is PostgreSQL-only anyway.
    column = element.element
    if column.name == "id" and _brand_keyed(column.table):
        return f"{compiler.preparer.format_column(column)} INTEGER NOT NULL PRIMARY KEY"
    return compiler.visit_create_column(element, **kw)


@compiles(PrimaryKeyConstraint, "sqlite")
def _sqlite_brand_key(element: PrimaryKeyConstraint, compiler: DDLCompiler, **kw: Any) -> str:
    if _brand_keyed(element.table):
        name = compiler.preparer.format_constraint(element)
        return f"CONSTRAINT {name} UNIQUE (id, brand_id)"
    return compiler.visit_primary_key_constraint(element, **kw)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every backend.

    SQLite has no timezone type, so values are stored as naive UTC and given back their
    UTC tzinfo on the way out. Naive datetimes are refused: they are always a bug.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC time is required")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Money(TypeDecorator[Decimal]):
    """Money as ``Decimal`` with two places; never a float in Python."""

    impl = Numeric(18, 2, asdecimal=True)
    cache_ok = True

    def process_bind_param(self, value: Decimal | int | str | None, dialect: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must be Decimal, not float")
        quantised = Decimal(value).quantize(Decimal("0.01"))
        # SQLite has no decimal type; a string keeps every digit (SUM still works on it).
        return str(quantised) if dialect.name == "sqlite" else quantised

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(Decimal("0.01"))


def make_engine(url: str, *, make_folder: Path | None = None, **kwargs: Any) -> Engine:
    """Create an engine with the house settings for SQLite or PostgreSQL. ``make_folder``
    (the instance folder of an embedded database) is created on the first connection."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        if make_folder is not None:
            @event.listens_for(engine, "do_connect")
            def _folder(*_args: Any) -> None:
                make_folder.mkdir(parents=True, exist_ok=True)
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Deleted or overwritten records are zeroed, so an erased person's values do not
        # linger in the file's free space (P5). Debian builds SQLite with this on; other
        # builds may not.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Session factory; objects stay usable after commit (services return them)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def write_transaction(session: Session) -> Iterator[Session]:
    """Run the block in a write transaction and commit it, or roll back on error.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE``. Inside another write block
    (a service called by another service, or an import batch) the block joins the outer
    transaction and the outer owner commits. A read transaction left open by earlier
    queries is ended first: upgrading it to a write would deadlock on SQLite.
    """
    if session.info.get(_WRITE_OWNER):
        yield session
        return
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={IMMEDIATE: True})
    session.info[_WRITE_OWNER] = True
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_WRITE_OWNER, None)


_PG_UNIQUE_VIOLATION = "23505"
_SQLITE_UNIQUE = "UNIQUE constraint failed: "


def duplicate_key_columns(exc: Exception) -> list[str] | None:
    """The columns of the unique key an IntegrityError violated (``brand_id`` left out),
    or None when it is not a unique-key violation."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) == _PG_UNIQUE_VIOLATION:
        detail = getattr(getattr(orig, "diag", None), "message_detail", None) or ""
        # "Key (brand_id, order_ref)=(1, O1) already exists."
        inside = detail.partition("(")[2].partition(")")[0]
        columns = [c.strip() for c in inside.split(",") if c.strip()]
    elif str(orig).startswith(_SQLITE_UNIQUE):
        # "UNIQUE constraint failed: orders.brand_id, orders.order_ref"
        columns = [c.strip().rpartition(".")[2]
                   for c in str(orig).removeprefix(_SQLITE_UNIQUE).split(",")]
    else:
        return None
    return [c for c in columns if c != "brand_id"] or columns or ["key"]


def release_old_pages(session: Any) -> None:
    """After an erasure: on SQLite, copy the write-ahead log into the database and empty
    it, so no old page image with erased values stays in the ``-wal`` file (PostgreSQL
    keeps old row versions only until VACUUM, and dumps never contain them)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        session.commit()


@contextmanager
def scratch_postgres_database(admin_url: str, prefix: str) -> Iterator[str]:
    """Create an empty PostgreSQL database next to ``admin_url`` (a server URL with a
    role that may create databases), yield its URL, and drop it afterwards, even with
    sessions still connected. For tests and benchmarks."""
    import uuid

    from sqlalchemy.engine import make_url

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
