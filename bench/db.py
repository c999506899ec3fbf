"""Benchmark databases: a scratch SQLite file or a private PostgreSQL database, with one
brand set up from a :class:`bench.data.DataSpec` (reps, products, customers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from itertools import islice
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text

from bench import data
from core.config import Settings
from core.context import Ctx
from core.crypto import configure_keyring, phone_hash
from core.db import scratch_postgres_database
from core.events import CustomerEvent
from core.models import Customer, LifecycleStage, Rep, RepStatus, RepStatusChange
from core.plugins import default_registry
from core.runtime import Runtime, create_schema

BRAND = "BENCH"
# The clock of every benchmark context: the day after the generated two years end.
NOW = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)


def sqlite_url(folder: Path, name: str) -> str:
    """A fresh SQLite file (any earlier one of that name is removed)."""
    folder.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{folder / name}.db{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{folder / name}.db"


def _admin(admin_url: str):  # noqa: ANN202 - an Engine
    return create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://", 1),
                         isolation_level="AUTOCOMMIT")


def pg_database(admin_url: str) -> AbstractContextManager[str]:
    """A private PostgreSQL database for one benchmark, dropped afterwards."""
    return scratch_postgres_database(admin_url, "directcrm_bench")


def analyze(url: str) -> None:
    """Refresh the database's planner statistics (``ANALYZE``)."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1),
                           isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def pg_available(admin_url: str | None) -> bool:
    """Whether the PostgreSQL server answers."""
    if not admin_url:
        return False
    try:
        with _admin(admin_url).connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False


@contextmanager
def database(backend: str, workdir: Path, name: str, pg_admin_url: str | None
             ) -> Iterator[str]:
    """A scratch database URL on ``backend`` ('sqlite' or 'postgresql')."""
    if backend == "sqlite":
        yield sqlite_url(workdir / "db", name)
    else:
        if not pg_admin_url:
            raise RuntimeError("PostgreSQL benchmarks need a server URL")
        with pg_database(pg_admin_url) as url:
            yield url


def runtime(url: str, instance: Path) -> Runtime:
    """A runtime on ``url`` whose keys live in ``instance`` (shared with child processes)."""
    configure_keyring(instance)
    return Runtime(settings=Settings(instance_path=instance, database_url=url),
                   registry=default_registry())


def ctx(rt: Runtime, brand: str = BRAND) -> Ctx:
    """A fresh context for the benchmark brand, as a request or CLI command gets."""
    c = rt.ctx(brand, user="bench")
    c.clock = lambda: NOW
    return c


def all_modules() -> list[str]:
    """Every installed module, in dependency order."""
    return default_registry().ordered_names()


def prepare(rt: Runtime, spec: data.DataSpec, modules: list[str], brand: str = BRAND,
            *, with_customers: bool = True) -> None:
    """Create the schema and a brand with ``modules`` enabled, its reps, products and
    (unless told otherwise) customers. Reps and products go through the services;
    customers, too many for that, through Core inserts with ``crm_customer_created``
    fired per batch, as an import does."""
    from core.services.brands import create_brand
    from core.services.modules import enable_modules
    from core.services.products import create_product
    from core.services.reps import create_rep

    create_schema(rt.engine)
    c = rt.ctx(None, user="bench")
    c.clock = lambda: NOW
    create_brand(c, {"code": brand, "name": f"{brand} 品牌", "currency": "CNY",
                     "timezone": "Asia/Shanghai", "jurisdiction": "CN",
                     "locale": "zh_Hans_CN"})
    c.session.close()
    c = ctx(rt, brand)
    if modules:
        enable_modules(c, modules)
    with c.write():
        if spec.reps <= 200:
            for row in data.reps(spec):
                create_rep(c, _blank(row))
        else:
            load_reps(c, data.reps(spec))
        for row in data.products(spec):
            create_product(c, _blank(row))
    if with_customers:
        load_customers(c, data.customers(spec))
    c.session.close()


def _blank(row: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in row.items() if v != ""}


def load_reps(c: Ctx, rows: Iterator[dict[str, str]], batch: int = 5000) -> int:
    """Insert active reps set-based with their status history (for thousands of reps)."""
    total = 0
    while chunk := list(islice(rows, batch)):
        now = c.now()
        values = [{"brand_id": c.brand_id, "rep_ref": r["rep_ref"], "name": r["name"],
                   "phone": r["phone"], "phone_hash": phone_hash(r["phone"]),
                   "province": r["province"], "status": RepStatus.ACTIVE,
                   "birth_date": dt.date.fromisoformat(r["birth_date"]),
                   "occupation": r["occupation"],
                   "joined_on": dt.date.fromisoformat(r["joined_on"]),
                   "certificate_no": r["certificate_no"],
                   "certificate_valid_from": dt.date.fromisoformat(r["certificate_valid_from"]),
                   "certificate_valid_until": dt.date.fromisoformat(
                       r["certificate_valid_until"]),
                   "created_at": now, "updated_at": now} for r in chunk]
        with c.write() as session:
            session.execute(insert(Rep.__table__), values)
            ids = dict(session.execute(select(Rep.rep_ref, Rep.id).where(
                Rep.brand_id == c.brand_id,
                Rep.rep_ref.in_([v["rep_ref"] for v in values]))).tuples().all())
            session.execute(insert(RepStatusChange.__table__), [
                {"brand_id": c.brand_id, "rep_id": ids[v["rep_ref"]], "old_status": None,
                 "new_status": RepStatus.ACTIVE, "effective_on": v["joined_on"],
                 "changed_at": now, "changed_by": c.user} for v in values])
        total += len(chunk)
    return total


def load_customers(c: Ctx, rows: Iterator[dict[str, str]], batch: int = 5000) -> int:
    """Insert customers set-based, in batches, firing ``crm_customer_created`` per batch."""
    reps = dict(c.session.execute(
        select(Rep.rep_ref, Rep.id).where(Rep.brand_id == c.brand_id)).tuples().all())
    table = Customer.__table__
    total = 0
    while chunk := list(islice(rows, batch)):
        now = c.now()
        values = [{"brand_id": c.brand_id, "customer_ref": r["customer_ref"], "name": r["name"],
                   "phone": r["phone"], "phone_hash": phone_hash(r["phone"]),
                   "email": r["email"] or None, "birthday": dt.date.fromisoformat(r["birthday"]),
                   "source_channel": r["source_channel"], "rep_id": reps.get(r["rep_ref"]),
                   "lifecycle_stage": LifecycleStage.PROSPECT, "created_at": now, "updated_at": now}
                  for r in chunk]
        with c.write() as session:
            session.execute(insert(table), values)
            ids = dict(session.execute(select(Customer.customer_ref, Customer.id).where(
                Customer.brand_id == c.brand_id,
                Customer.customer_ref.in_([v["customer_ref"] for v in values]))).tuples().all())
            c.hooks.crm_customer_created(ctx=c, customers=[
                CustomerEvent(customer_id=ids[v["customer_ref"]], customer_ref=v["customer_ref"],
                              rep_id=v["rep_id"]) for v in values])
        total += len(chunk)
    return total
