"""The schema can be distributed by brand (Citus): the placement rules over the whole
metadata, the SQL that distributes it, the database refusing cross-brand references, and
the upgrade of a database created by directcrm 0.1 (single-column keys)."""

from __future__ import annotations

import gzip
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError

import core.all_models  # noqa: F401
from core.db import Base, make_engine
from core.distribution import citus_statements, placement, placement_problems
from core.migrate import check, upgrade
from core.models import Order
from core.plugins import default_registry

DUMPS = Path(__file__).resolve().parents[1] / "data" / "schema_0_1"


@pytest.fixture(scope="module")
def metadata() -> MetaData:
    default_registry()  # every installed module's tables
    return Base.metadata


def test_every_table_of_the_core_and_the_modules_follows_the_rules(metadata):
    assert placement_problems(metadata) == []
    # The modules' tables are in the check, not only the core's.
    assert {"loyalty_entries", "referral_coupons", "kyc_consents", "complaints_tickets",
            "compliance_rep_pay"} <= set(metadata.tables)
    assert placement(metadata.tables["loyalty_entries"]) == "distributed"
    assert placement(metadata.tables["brands"]) == "reference"
    assert placement(metadata.tables["queued_jobs"]) == "local"


def test_the_rules_name_what_a_careless_module_gets_wrong(metadata):
    md = MetaData()
    Table("brands", md, Column("id", Integer, primary_key=True), info={"distribution": "reference"})
    Table("things", md, Column("id", Integer, primary_key=True),
          Column("brand_id", ForeignKey("brands.id"), nullable=True),
          Column("code", String(8)), UniqueConstraint("code", name="uq_things_code"))
    Table("parts", md, Column("id", Integer, primary_key=True),
          Column("brand_id", ForeignKey("brands.id"), primary_key=True),
          Column("thing_id", ForeignKey("things.id")))
    Table("settings_cache", md, Column("key", String(8), primary_key=True))
    problems = placement_problems(md)
    assert "things: distributed, so brand_id must be NOT NULL" in problems
    assert "things: primary key lacks brand_id (use BrandScoped)" in problems
    assert "things: unique key uq_things_code ['code'] lacks brand_id" in problems
    assert ("parts: foreign key ['thing_id'] -> things lacks brand_id (use brand_foreign_key)"
            in problems)
    assert "settings_cache: no brand_id and no placed_as('reference'|'local')" in problems
    assert len(problems) == 5


def test_the_citus_script_places_every_table_once_parents_first(metadata):
    statements = citus_statements(metadata)
    named = {s.split("'")[1]: (i, s) for i, s in enumerate(statements)}
    assert len(named) == len(statements) == len(metadata.tables)
    first = statements[0]
    assert first == "SELECT create_reference_table('brands');"
    orders_at, orders = named["orders"]
    assert orders.startswith("SELECT create_distributed_table('orders', 'brand_id', "
                             "colocate_with => '")
    assert named["queued_jobs"][1] == "SELECT citus_add_local_table_to_metadata('queued_jobs');"
    # A referenced table is distributed before the tables referencing it.
    for table in metadata.sorted_tables:
        for fk in table.foreign_key_constraints:
            if fk.referred_table is not table:
                assert named[fk.referred_table.name][0] < named[table.name][0], table.name
    assert named["customers"][0] < orders_at < named["order_lines"][0]


def test_the_citus_sql_command_prints_the_script(run_cli, metadata):
    result = run_cli("citus-sql")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines == citus_statements(metadata)
    assert "SELECT create_distributed_table('reps', 'brand_id');" in lines
    assert ("SELECT create_distributed_table('loyalty_entries', 'brand_id', colocate_with => "
            "'reps');") in lines


def test_the_database_refuses_a_reference_to_another_brands_row(ctx_a, ctx_b, build):
    a = build.customer(ctx_a, "C1")
    b = build.customer(ctx_b, "C1")
    row = {"brand_id": ctx_b.brand_id, "order_ref": "X1", "customer_id": a.id,
           "ordered_at": ctx_b.now(), "status": "pending", "total_amount": Decimal("1.00"),
           "created_at": ctx_b.now()}
    with pytest.raises(IntegrityError), ctx_b.write() as session:
        session.execute(insert(Order), [row])
    with ctx_b.write() as session:  # the same row pointing at its own brand's customer
        session.execute(insert(Order), [{**row, "customer_id": b.id}])
    assert ctx_b.session.scalar(select(func.count()).select_from(Order)
                                .where(Order.brand_id == ctx_b.brand_id)) == 1


def _load_dump(url: str) -> None:
    backend = "sqlite" if url.startswith("sqlite") else "postgresql"
    script = gzip.decompress((DUMPS / f"{backend}.sql.gz").read_bytes()).decode()
    if backend == "sqlite":
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.executescript(script)
        return
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(script)
    finally:
        engine.dispose()


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.scalar(text(f'SELECT count(*) FROM "{t}"'))
                for t in sorted(Base.metadata.tables) if inspect(conn).has_table(t)}


def test_a_database_of_directcrm_0_1_is_rekeyed_with_every_row_kept(scratch_database_url,
                                                                     metadata):
    _load_dump(scratch_database_url)
    engine = make_engine(scratch_database_url)
    try:
        before = _counts(engine)
        assert before["orders"] == 28 and before["loyalty_entries"] == 35  # the 0.1 demo
        if engine.dialect.name == "postgresql":
            assert inspect(engine).get_pk_constraint("orders")["constrained_columns"] == ["id"]
        upgrade(engine)
        check(engine)  # the upgraded schema is exactly the models'
        assert _counts(engine) == before
        insp = inspect(engine)
        fks = {tuple(fk["constrained_columns"]): fk["referred_columns"]
               for fk in insp.get_foreign_keys("loyalty_entries")}
        assert fks[("order_id", "brand_id")] == ["id", "brand_id"]
        if engine.dialect.name == "postgresql":
            assert insp.get_pk_constraint("orders")["constrained_columns"] == ["id", "brand_id"]
        else:  # SQLite keeps id as its row number and adds the pair as a unique key
            assert {"name": "pk_orders", "column_names": ["id", "brand_id"]} in [
                {k: u[k] for k in ("name", "column_names")}
                for u in insp.get_unique_constraints("orders")]
        with engine.connect() as conn:
            brand, customer = conn.execute(text(
                "SELECT brand_id, id FROM customers ORDER BY id LIMIT 1")).one()
            conn.execute(text("INSERT INTO brands (id, code, name, currency, timezone, "
                              "default_locale, jurisdiction, settings, created_at) VALUES "
                              "(999, 'OTHER', 'Other', 'CNY', 'Asia/Shanghai', 'en', 'CN', "
                              "'{}', CURRENT_TIMESTAMP)"))
            with pytest.raises(IntegrityError):
                conn.execute(text(
                    "INSERT INTO orders (brand_id, order_ref, customer_id, ordered_at, status, "
                    "total_amount, created_at) VALUES (999, 'X', :c, CURRENT_TIMESTAMP, "
                    "'pending', 1, CURRENT_TIMESTAMP)"), {"c": customer})
            assert brand != 999
        upgrade(engine)  # again: nothing left to do
        check(engine)
    finally:
        engine.dispose()
