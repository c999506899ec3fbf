"""One fast check that the benchmark harness works (the benchmarks themselves are run by
hand with ``python -m bench``; they are never part of the test suite).

Runs every benchmark at its smallest size through a child process, so that nothing of
``bench`` is imported into the test session, and checks each produced a figure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_benchmark_runs_at_smoke_size(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "DIRECTCRM_BENCH_DATA": str(tmp_path / "data")}
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--no-profile", "--json", str(out),
         "--workdir", str(tmp_path / "work")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(out.read_text())["results"]
    failed = [r for r in results if r["case"] == "(failed)"]
    assert not failed, failed
    # The two benchmarks that need nothing beyond the core skeleton must give numbers:
    # three hook rows (0, 1 and 5 modules) and one live-order row.
    hooks = [r for r in results if r["bench"] == "hooks"]
    assert len(hooks) == 3 and all(r["value"] > 0 and r["baseline_value"] > 0 for r in hooks)
    orders = [r for r in results if r["bench"] == "orders"]
    assert orders and all(r["value"] > 0 and r["ratio"] > 0 for r in orders)
    # The table is printed with one row per result.
    assert proc.stdout.count("\n| ") >= len(results) + 1
