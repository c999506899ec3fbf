"""``directcrm backup`` / ``restore``: a backup taken while orders are being written
restores into a new database with the same rows and ledger sums; a key ring that does not
match is refused before anything is written (#17). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import Engine, make_url

from core.backup import BackupError, backup, read_manifest, restore
from core.context import Ctx
from core.crypto import Keyring
from core.db import make_engine
from core.files import read_encrypted, store_encrypted
from core.models import Customer, Order, Payment
from core.runtime import Runtime
from core.services.customers import create_customer
from core.services.modules import enable_modules
from core.services.orders import create_order
from core.services.products import create_product
from core.services.reps import create_rep
from plugins.loyalty.models import LoyaltyEntry

CUSTOMERS = ("C1", "C2", "C3", "C4")
MAX_ORDERS = 240  # 60 per customer × 19.90 stays below the 银卡 tier (2000): rate 1.00


def seed(ctx: Ctx) -> None:
    enable_modules(ctx, ["loyalty"])
    create_rep(ctx, {"rep_ref": "R1", "name": "王芳", "phone": "13900000001"})
    for i, ref in enumerate(CUSTOMERS):
        create_customer(ctx, {"customer_ref": ref, "name": f"客户{i}",
                              "phone": f"1380000{i:04d}", "rep_ref": "R1"})
    create_product(ctx, {"sku": "P1", "name": "面霜", "category": "cosmetics",
                         "list_price": "19.90"})


class Writer(threading.Thread):
    """Creates paid orders of 19.90 one after the other until stopped."""

    def __init__(self, rt: Runtime) -> None:
        super().__init__(daemon=True)
        self.rt, self.written, self.error = rt, 0, None
        self.halt = threading.Event()

    def run(self) -> None:
        ctx = self.rt.ctx("A")
        try:
            while not self.halt.is_set() and self.written < MAX_ORDERS:
                create_order(ctx, {
                    "order_ref": f"O{self.written + 1}",
                    "customer_ref": CUSTOMERS[self.written % len(CUSTOMERS)],
                    "ordered_at": "2026-03-01T10:00:00",
                    "lines": [{"sku": "P1", "quantity": 1, "unit_price": "19.90"}]})
                self.written += 1
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
        finally:
            ctx.session.close()


@pytest.fixture()
def new_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database of the backend under test."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"directcrm_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(database_url).set(database="postgres", drivername=
                                                     "postgresql+psycopg"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _ledger(engine: Engine, max_order_id: int | None = None) -> tuple[int, Decimal, Decimal,
                                                                       int]:
    """Orders, their total, their payments and their loyalty points, up to an order id."""
    def upto(column):  # noqa: ANN001, ANN202
        return column <= max_order_id if max_order_id is not None else column.isnot(None)

    with engine.connect() as conn:
        orders, total = conn.execute(select(func.count(), func.sum(Order.total_amount))
                                     .where(upto(Order.id))).one()
        paid = conn.execute(select(func.sum(Payment.amount))
                            .where(upto(Payment.order_id))).scalar()
        points = conn.execute(select(func.sum(LoyaltyEntry.points))
                              .where(upto(LoyaltyEntry.order_id))).scalar()
    return orders, Decimal(total or 0), Decimal(paid or 0), int(points or 0)


def test_backup_while_writing_restores_the_same_rows_and_ledgers(
        rt: Runtime, make_ctx, brands, keyring: Keyring, tmp_path: Path,
        new_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(make_ctx("A"))
    monkeypatch.setenv("DIRECTCRM_FILES_DIR", str(tmp_path / "files"))
    ref = store_encrypted(1, "身份证正面".encode(), kind="kyc_evidence")
    writer = Writer(rt)
    writer.start()
    try:
        deadline = time.monotonic() + 60
        while writer.written < 20:
            assert writer.error is None and time.monotonic() < deadline
            time.sleep(0.05)
        manifest = backup(rt.engine, tmp_path / "backup.tar", keyring)
        during = writer.written
        while writer.written < during + 10 and writer.is_alive():
            time.sleep(0.05)  # the writer goes on after the backup
    finally:
        writer.halt.set()
        writer.join(60)
    assert writer.error is None
    assert read_manifest(tmp_path / "backup.tar").counts == manifest.counts
    assert manifest.keys == {"k1": manifest.keys["k1"]}  # phones are encrypted with k1
    assert manifest.files == 1

    # Restore with the CLI, as an operator would, into a new database.
    env = {**os.environ, "DIRECTCRM_INSTANCE_PATH": str(tmp_path / "other"),
           "DIRECTCRM_KEYS": keyring.to_json(), "DIRECTCRM_DATABASE_URL": new_database,
           "DIRECTCRM_FILES_DIR": str(tmp_path / "restored-files"),
           "PYTHONPATH": os.environ.get("PYTHONPATH", str(Path.cwd()))}
    done = subprocess.run([sys.executable, "-m", "core.cli", "restore",
                           str(tmp_path / "backup.tar")], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every count matches" in done.stdout

    restored = make_engine(new_database)
    try:
        with restored.connect() as conn:
            counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar()
                      for t in inspect(conn).get_table_names()}
            top = conn.execute(select(func.max(Order.id))).scalar()
            customers = conn.execute(select(func.count()).select_from(Customer)).scalar()
        assert counts == manifest.counts
        assert customers == 4 and counts["orders"] == manifest.counts["orders"]
        n = counts["orders"]
        assert 20 <= n < writer.written  # a snapshot taken in the middle of the writing
        # Every restored order is whole: one line, its payment and its points, by hand:
        # 19.90 each, floor(19.90 × 1 point per yuan) = 19 points each.
        assert _ledger(restored) == (n, Decimal("19.90") * n, Decimal("19.90") * n, 19 * n)
        assert counts["order_lines"] == counts["payments"] == n
        # ... and the same as the live database up to the same order.
        assert _ledger(rt.engine, top) == _ledger(restored)
        with restored.connect() as conn:
            phones = conn.execute(text("SELECT phone FROM customers ORDER BY customer_ref"))
            assert [keyring.decrypt(p) for (p,) in phones] == [
                "13800000000", "13800000001", "13800000002", "13800000003"]
    finally:
        restored.dispose()

    # The encrypted attachment came back, byte for byte, and reads.
    monkeypatch.setenv("DIRECTCRM_FILES_DIR", str(tmp_path / "restored-files"))
    assert (tmp_path / "restored-files" / ref).read_bytes() == (
        tmp_path / "files" / ref).read_bytes()
    assert read_encrypted(ref).decode() == "身份证正面"

    # Restoring again over it is refused without --force.
    again = subprocess.run([sys.executable, "-m", "core.cli", "restore",
                            str(tmp_path / "backup.tar")], env=env, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 1 and "not empty" in again.stdout + again.stderr


def test_a_key_ring_that_does_not_match_is_refused_before_writing(
        rt: Runtime, make_ctx, brands, keyring: Keyring, tmp_path: Path,
        new_database: str) -> None:
    seed(make_ctx("A"))
    backup(rt.engine, tmp_path / "backup.tar", keyring)
    target = make_engine(new_database)
    try:
        other = Keyring.generate()  # also "k1", but another key
        with pytest.raises(BackupError, match="key k1 is missing or different"):
            restore(target, tmp_path / "backup.tar", ring=other)
        same_keys_other_hash = Keyring(keys=dict(keyring.keys), current="k1",
                                       hash_key=other.hash_key)
        with pytest.raises(BackupError, match="lookup-hash key"):
            restore(target, tmp_path / "backup.tar", ring=same_keys_other_hash)
        with target.connect() as conn:
            assert inspect(conn).get_table_names() == []  # nothing was written
        # A backup refuses too when stored values use a key the ring lacks.
        with pytest.raises(BackupError, match="k1"):
            backup(rt.engine, tmp_path / "second.tar", Keyring(
                keys={"k9": other.keys["k1"]}, current="k9", hash_key=keyring.hash_key))
        assert not (tmp_path / "second.tar").exists()
    finally:
        target.dispose()


def test_not_a_backup(rt: Runtime, tmp_path: Path, keyring: Keyring) -> None:
    (tmp_path / "x.tar").write_bytes(b"hello")
    with pytest.raises(BackupError, match="not a directcrm backup"):
        restore(rt.engine, tmp_path / "x.tar", ring=keyring)


def test_a_missing_database_is_an_error_not_a_new_one(rt: Runtime, tmp_path: Path,
                                                      keyring: Keyring,
                                                      database_url: str) -> None:
    if database_url.startswith("sqlite"):
        missing = make_engine(f"sqlite:///{tmp_path / 'nothing.db'}")
        with pytest.raises(BackupError, match="cannot be reached"):
            backup(missing, tmp_path / "b.tar", keyring)
        assert not (tmp_path / "nothing.db").exists() and not (tmp_path / "b.tar").exists()
        return
    backup(rt.engine, tmp_path / "b.tar", keyring)
    missing = make_engine(make_url(database_url).set(database="no_such_database_here")
                          .render_as_string(hide_password=False))
    with pytest.raises(BackupError, match="cannot be reached"):
        restore(missing, tmp_path / "b.tar", ring=keyring)
    missing.dispose()
