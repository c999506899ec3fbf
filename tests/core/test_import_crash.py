"""kill -9 in the middle of an import, then run it again: nothing is missing or doubled
(hardening issue: the crash test in the suite, on both databases)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from core.crypto import keyring
from core.models import Order, OrderLine, Payment
from core.services.modules import enable_modules
from plugins.loyalty.models import LoyaltyEntry
from tests.core.importing_helpers import ORDER_HEADER, write_csv
from tests.core.test_import import load_master_data

ORDERS = 40_000


def _count(ctx, model) -> int:
    ctx.session.rollback()
    return int(ctx.session.scalar(select(func.count()).select_from(model)) or 0)


def _import(env: dict[str, str], path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "core.cli", "import", "orders", str(path),
                             "--brand", "A"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def test_kill_mid_import_and_rerun(ctx_a, tmp_path, database_url):
    load_master_data(ctx_a, tmp_path)
    enable_modules(ctx_a, ["loyalty"])
    rows = [[f"K{i:06d}", "C1" if i % 2 else "C2", "", f"2026-01-{1 + i % 28:02d}T10:00:00",
             "SKU1", "1", "199.00", "", "", ""] for i in range(ORDERS)]
    path = write_csv(tmp_path / "orders.csv", ORDER_HEADER, rows)
    env = {**os.environ, "DIRECTCRM_DATABASE_URL": database_url,
           "DIRECTCRM_KEYS": keyring().to_json(), "PYTHONPATH": str(Path.cwd())}
    proc = _import(env, path)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if _count(ctx_a, Order) >= 5_000:  # at least one batch committed
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the import finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(30)
    partial = _count(ctx_a, Order)
    assert 0 < partial < ORDERS
    assert _count(ctx_a, Payment) == partial  # each committed order has its payment
    rerun = _import(env, path)
    _out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()[-2000:]
    assert _count(ctx_a, Order) == ORDERS
    assert _count(ctx_a, OrderLine) == ORDERS
    assert _count(ctx_a, Payment) == ORDERS
    assert _count(ctx_a, LoyaltyEntry) == ORDERS  # one earn entry per paid order
