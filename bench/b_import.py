"""Bulk import of order lines from a generated CSV, core only and with every module.

Each run gets a fresh database with the brand's reps, products and customers, and runs in
its own process (peak memory = that process's VmHWM). The baseline parses the
same file with the csv module and writes the same rows with the raw driver
(``bench.rawimport``). Reported: lines/s, cost ratio to the baseline, peak memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench import data, db
from bench.harness import PROFILE_DIR, Config, Result, data_dir, run_child, throughput_ratio

TARGET_RATE = 20_000  # lines/s, SQLite, every module enabled
TARGET_ONE_LINE_RATE = 10_000  # lines/s, SQLite, loyalty, an orders file of one-line orders
TARGET_MB = 500
TARGET_MODULE_COST = 1.30  # all modules / core only
PROFILE_LINES = 100_000


def import_available() -> bool:
    """Whether ``directcrm import orders`` exists in this checkout."""
    from core.cli import cli
    from core.cli.common import load_plugin_commands

    load_plugin_commands()
    command = cli.commands.get("import")
    if command is None:
        return False
    if hasattr(command, "commands"):  # ``import`` as a group of sub-commands
        return "orders" in command.commands
    return any("orders" in getattr(p.type, "choices", ()) for p in command.params)


ROUNDS = 2  # full size: runs per configuration (see run())


def _one(cfg: Config, backend: str, spec: data.DataSpec, csv_path: Path, task: str,
         modules: list[str], name: str, profile_to: Path | None = None) -> dict[str, Any]:
    with db.database(backend, cfg.workdir, name, cfg.pg_admin_url) as url:
        instance = cfg.workdir / "instance"
        rt = db.runtime(url, instance)
        db.prepare(rt, spec, modules)
        rt.engine.dispose()
        cfg.log(f"   {backend} {name}: importing {spec.lines:,} lines")
        out = run_child(task, {"url": url, "instance": str(instance), "csv": str(csv_path),
                               "brand": db.BRAND}, profile_to=profile_to)
        out["lines"] = _count_lines(url)
        cfg.log(f"   {backend} {name}: {out['seconds']:.1f} s, "
                f"{spec.lines / out['seconds']:,.0f} lines/s, {out['lines']:,} lines stored, "
                f"peak {out['peak_mb']:.0f} MB, {out['cpu_seconds']:.1f} s CPU")
        if backend == "sqlite" and task == "import_cli" and profile_to is None:
            cfg.shared[shared_key(spec, modules)] = url
    return out


def _cpu_rate(spec: data.DataSpec, out: dict[str, Any]) -> str:
    """The importing process's own CPU time as a rate (the database server's share, on
    PostgreSQL, is not in it)."""
    return f"{spec.lines / max(out['cpu_seconds'], 1e-9):,.0f} lines per CPU-second"


def shared_key(spec: data.DataSpec, modules: list[str]) -> str:
    """How a SQLite database left by an import run is found by other benchmarks."""
    return f"sqlite:{spec.key}:{','.join(sorted(modules))}"


def _count_lines(url: str) -> int:
    from sqlalchemy import func, select

    from core.db import make_engine
    from core.models import OrderLine

    eng = make_engine(url)
    with eng.connect() as conn:
        n = conn.scalar(select(func.count(OrderLine.id)))
    eng.dispose()
    return int(n or 0)


def run(cfg: Config) -> list[Result]:
    sizes = cfg.sizes
    spec = data.DataSpec(customers=sizes.import_customers, lines=sizes.import_lines)
    cfg.log(f"   generating {spec.lines:,} lines for {spec.customers:,} customers")
    files = data.generate(spec, data_dir())
    available = import_available()
    modules = db.all_modules()
    results: list[Result] = []
    backends = [b for b in sizes.import_backends
                if (cfg.backend in (None, b))
                and (b == "sqlite" or db.pg_available(cfg.pg_admin_url))]
    for backend in backends:
        raw = "sqlite3 executemany" if backend == "sqlite" else "psycopg COPY"
        base = _one(cfg, backend, spec, files["orders"], "import_baseline", [], "imp_base")
        base_rate = spec.lines / base["seconds"]
        results.append(Result(
            bench=f"import/{backend}", case=f"{backend}: baseline, csv module + {raw}",
            value=base_rate,
            unit="lines/s", peak_mb=base["peak_mb"],
            note=f"{spec.lines:,} lines, {spec.customers:,} customers, "
                 f"{base['seconds']:.1f} s ({_cpu_rate(spec, base)})"))
        if not available:
            results.append(Result(bench=f"import/{backend}",
                                  case=f"{backend}: directcrm import orders", value=None,
                                  unit="lines/s",
                                  note="`directcrm import orders` is not in this checkout yet"))
            continue
        configs = [("core only", []), ("every module", modules)]
        if (backend == "sqlite" and "loyalty" in modules and len(modules) > 1
                and sizes.name != "smoke"):
            configs.append(("loyalty only", ["loyalty"]))
        runs: dict[str, float] = {}
        rows: dict[str, Result] = {}
        # Each configuration runs ROUNDS times, the configurations interleaved, and the
        # fastest run counts: on a shared machine a single run of a minute can be 10-15%
        # off, which is as much as the module costs being measured.
        rounds = ROUNDS if sizes.name == "full" else 1
        tries: dict[str, list[dict[str, Any]]] = {label: [] for label, _m in configs}
        for _round in range(rounds):
            for label, mods in configs:
                tries[label].append(_one(cfg, backend, spec, files["orders"], "import_cli",
                                         mods, "imp_" + label.split()[0]))
        for label, mods in configs:
            out = min(tries[label], key=lambda o: o["seconds"])
            out["lines"] = min(o["lines"] for o in tries[label])
            rate = spec.lines / out["seconds"]
            runs[label] = rate
            target_rate = backend == "sqlite" and label == "every module"
            ok = out["peak_mb"] < TARGET_MB and (rate >= TARGET_RATE or not target_rate) \
                and out["lines"] == spec.lines
            target = f"peak < {TARGET_MB} MB" + (f", ≥ {TARGET_RATE:,} lines/s"
                                                   if target_rate else "")
            each = ", ".join(f"{o['seconds']:.1f} s" for o in tries[label])
            note = (f"{out['seconds']:.1f} s ({_cpu_rate(spec, out)}"
                    + (f"; fastest of {each}" if rounds > 1 else "") + "); "
                    f"{out['lines']:,} lines stored"
                    + (f"; modules: {', '.join(mods)}" if mods else ""))
            rows[label] = Result(
                bench=f"import/{backend}", case=f"{backend}: directcrm import orders, {label}",
                value=rate, unit="lines/s", baseline=raw, baseline_value=base_rate,
                ratio=throughput_ratio(rate, base_rate), peak_mb=out["peak_mb"],
                target=target, ok=ok, note=note)
            results.append(rows[label])
        for label in runs:
            if label == "core only":
                continue
            cost = runs["core only"] / runs[label]
            results.append(Result(
                bench=f"import/{backend}", case=f"{backend}: {label} / core only", value=cost,
                unit="×",
                target=f"≤ {TARGET_MODULE_COST:.2f}", ok=cost <= TARGET_MODULE_COST,
                note=f"import time with {label} enabled over import time with the core only"))
        missed = [r for r in results[-len(runs) * 2 + 1:] if r.ok is False]
        if missed and cfg.profile:
            path = _profile(cfg, backend, modules, "every module")
            rows["every module"].note += f"; profile: {path}"
            for r in missed:
                if r is not rows["every module"]:
                    r.note += f"; profile: {path}"
        if backend == "sqlite" and "loyalty" in modules and sizes.name != "smoke":
            results += _one_line_orders(cfg, sizes)
    return results


def _one_line_orders(cfg: Config, sizes: Any) -> list[Result]:
    """A history where every order has one line (per-order costs dominate), loyalty on,
    against the raw driver writing the same file."""
    spec = data.DataSpec(customers=sizes.import_customers, lines=sizes.import_lines,
                         max_lines_per_order=1)
    cfg.log(f"   generating {spec.lines:,} one-line orders for {spec.customers:,} customers")
    orders = data.generate(spec, data_dir())["orders"]
    base = _one(cfg, "sqlite", spec, orders, "import_baseline", [], "imp_base_one")
    base_rate = spec.lines / base["seconds"]
    rounds = ROUNDS if sizes.name == "full" else 1
    tries = [_one(cfg, "sqlite", spec, orders, "import_cli", ["loyalty"], "imp_one")
             for _round in range(rounds)]
    out = min(tries, key=lambda o: o["seconds"])
    rate = spec.lines / out["seconds"]
    ok = rate >= TARGET_ONE_LINE_RATE and out["lines"] == spec.lines
    each = ", ".join(f"{o['seconds']:.1f} s" for o in tries)
    profile = ""
    if not ok and cfg.profile:
        profile = "; profile: " + _profile(cfg, "sqlite", ["loyalty"], "one-line orders",
                                           max_lines_per_order=1)
    return [
        Result(bench="import/sqlite", case="sqlite: one-line orders, baseline (executemany)",
               value=base_rate, unit="lines/s", peak_mb=base["peak_mb"],
               note=f"{spec.lines:,} orders of one line, {spec.customers:,} customers"),
        Result(bench="import/sqlite", case="sqlite: one-line orders, loyalty",
               value=rate, unit="lines/s", baseline="sqlite3 executemany",
               baseline_value=base_rate, ratio=throughput_ratio(rate, base_rate),
               peak_mb=out["peak_mb"], target=f"≥ {TARGET_ONE_LINE_RATE:,} lines/s", ok=ok,
               note=f"{out['seconds']:.1f} s (fastest of {each}); {out['lines']:,} lines "
                    f"stored; modules: loyalty{profile}")]


def _profile(cfg: Config, backend: str, modules: list[str], label: str,
             max_lines_per_order: int = 5) -> str:
    """Profile the import (at most PROFILE_LINES lines) with pyinstrument; returns the path."""
    lines = min(cfg.sizes.import_lines, PROFILE_LINES)
    spec = data.DataSpec(customers=max(50, int(lines * cfg.sizes.customers_per_line)),
                         lines=lines, max_lines_per_order=max_lines_per_order)
    files = data.generate(spec, data_dir())
    target = PROFILE_DIR / f"import-{backend}-{label.replace(' ', '-')}.txt"
    _one(cfg, backend, spec, files["orders"], "import_cli", modules, "imp_prof",
         profile_to=target)
    return str(target.relative_to(PROFILE_DIR.parent.parent))
