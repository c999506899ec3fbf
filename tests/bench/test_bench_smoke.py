"""One fast check that the benchmark harness works (the benchmarks themselves are run by
hand with ``python -m bench``; they are never part of the test suite).

Runs every benchmark at its smallest size (``--smoke``) in child processes, so that
nothing of ``bench`` is imported into the test session: the API benchmark (a server and a
load generator) in one, the others in a second one alongside, and checks each produced
figures and no benchmark failed. A benchmark whose subject is not in the checkout, or
whose tool is missing (wrk, the PostgreSQL server), reports a row without a figure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _start(tmp_path: Path, name: str, only: list[str]) -> tuple[subprocess.Popen[str], Path]:
    out = tmp_path / f"{name}.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "DIRECTCRM_BENCH_DATA": str(tmp_path / "data")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench", "--smoke", "--no-profile", "--json", str(out),
         "--workdir", str(tmp_path / f"work-{name}"), "--only", *only],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, out


def test_every_benchmark_runs_at_smoke_size(tmp_path: Path) -> None:
    runs = [_start(tmp_path, "api", ["api"]),
            _start(tmp_path, "rest", ["hooks", "orders", "import", "segments", "pdf"])]
    results = []
    try:
        for proc, out in runs:
            # Generous: it checks that the harness works, not how fast (the api benchmark
            # alone starts gunicorn nine times; 97 s on a loaded two-core machine).
            stdout, stderr = proc.communicate(timeout=360)
            assert proc.returncode == 0, stderr[-3000:]
            got = json.loads(out.read_text())["results"]
            # The table is printed with one row per result (plus the header row).
            assert stdout.count("\n| ") >= len(got) + 1
            results += got
    finally:  # a run that timed out must not go on beside the rest of the suite
        for proc, _out in runs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    failed = [r for r in results if r["case"] == "(failed)"]
    assert not failed, failed
    assert {r["bench"].split("/")[0] for r in results} == {
        "hooks", "orders", "import", "segments", "api", "pdf"}
    # Hook dispatch needs nothing beyond the core: three rows (0, 1 and 5 modules), each
    # with its figure and both baselines.
    hooks = [r for r in results if r["bench"] == "hooks"]
    assert len(hooks) == 3
    assert all(r["value"] > 0 and r["baseline_value"] > 0 and r["extra"]["pluggy_all_us"] > 0
               for r in hooks)
    # So does the live order path: orders/s with modules on and the modules-off baseline.
    orders = [r for r in results if r["bench"] == "orders"]
    assert orders and all(r["value"] > 0 and r["baseline_value"] > 0 for r in orders)
    # The import baseline (csv module + raw driver) always runs, with its peak memory.
    base = [r for r in results if r["bench"].startswith("import") and "baseline" in r["case"]]
    assert base and all(r["value"] > 0 and r["peak_mb"] > 0 for r in base)
