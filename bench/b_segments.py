"""Segmentation and the nightly jobs over a brand of 10k / 100k / 1M order lines.

For each size a SQLite database with every module enabled gets the generated history
(customers = lines / 10) through ``directcrm import orders`` (the import benchmark's
database is reused when it has the same size). Then each step runs once,
timed: every segmentation scheme (compute and store: the first run stores every
customer), silent-customer detection and task generation when present. The baseline is
one aggregate query over the same order lines (revenue and order count per customer),
the least any scheme must read. Reported per step: seconds at each size, the ratio to the
baseline at the largest size, and the growth exponent (1.0 = linear).
"""

from __future__ import annotations

import datetime as dt
import importlib
import math
import re
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from bench import b_import, data, db
from bench.harness import PROFILE_DIR, Config, Result, data_dir, run_child
from bench.rawimport import raw_import
from core.context import Ctx
from core.models import Order, OrderLine, OrderStatus

TARGET_S = 10.0  # each step, SQLite, 100k customers / 1M lines
Step = Callable[[Ctx], Any]


def steps() -> dict[str, Step]:
    """The nightly work present in this checkout, by name."""
    out: dict[str, Step] = {}
    try:
        seg = importlib.import_module("core.segmentation.services")
        schemes = importlib.import_module("core.segmentation.schemes").SCHEMES
    except ImportError:
        return out
    for scheme in schemes:
        out[f"segments {scheme}"] = lambda ctx, s=scheme: seg.recompute(ctx, s,
                                                                        ctx.local_today())
    out.update(_optional_steps())
    try:
        from core.scheduler import run_jobs
    except ImportError:
        out["module jobs (tick: crm_scheduled_jobs)"] = module_jobs
    else:
        out[CATCH_UP] = lambda ctx: _checked(run_jobs(ctx))
        out["nightly tick, the next night (every core and module job)"] = (
            lambda ctx: _checked(run_jobs(_next_night(ctx))))
    return out


# The first tick after two years of history were imported catches up on everything at
# once (every lot of points that expired in those years, every tier): a one-off, reported
# without the nightly target. The next night's tick is what a brand runs every night.
CATCH_UP = "nightly tick, first run after the import (catch-up)"


def _next_night(ctx: Ctx) -> Ctx:
    """The context one day later (the tick of the following night)."""
    later = ctx.now() + dt.timedelta(days=1)
    ctx.clock = lambda: later
    return ctx


def _checked(runs: list[Any]) -> int:
    """Fail loudly when a job of the tick failed (the scheduler only reports it)."""
    failed = [f"{r.module}/{r.job}: {r.error}" for r in runs if r.error]
    if failed:
        raise RuntimeError("; ".join(failed))
    return len(runs)


def module_jobs(ctx: Ctx) -> int:
    """What ``directcrm tick`` runs for the modules: every job from ``crm_scheduled_jobs``
    of the brand's enabled modules, in order."""
    jobs = [job for batch in ctx.hooks.crm_scheduled_jobs(ctx=ctx) if batch for job in batch]
    for job in jobs:
        job.run(ctx)
    return len(jobs)


def _optional_steps() -> dict[str, Step]:
    """Silent detection, churn risk and task generation (found by name: they land
    separately from segmentation)."""
    found: dict[str, Step] = {}
    candidates = {
        "silent detection (list)": ("core.services.silent", "silent_customers"),
        "silent detection (mark churned)": ("core.services.silent", "mark_churned"),
        "churn-risk assessment": ("core.services.churn_risk", "at_risk_customers"),
        "task generation": ("core.tasks.rules", "generate_tasks"),
    }
    for label, (module, name) in candidates.items():
        try:
            found[label] = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    return found


def baseline(ctx: Ctx) -> int:
    """Revenue and paid-order count per customer over the whole history."""
    rows = ctx.session.execute(
        select(Order.customer_id, func.sum(OrderLine.amount), func.count(func.distinct(Order.id)))
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.brand_id == ctx.brand_id, Order.status == OrderStatus.PAID)
        .group_by(Order.customer_id)).all()
    return len(rows)


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _database(cfg: Config, spec: data.DataSpec, modules: list[str]) -> str:
    """A SQLite database of ``spec`` with every module enabled and its history imported
    through ``directcrm import orders`` (so that modules saw it: loyalty points, ...): the
    one the import benchmark left when it has the same spec, else a new one."""
    key = b_import.shared_key(spec, modules)
    if key in cfg.shared:
        return cfg.shared[key]
    files = data.generate(spec, data_dir())
    url = db.sqlite_url(cfg.workdir / "db", f"seg{spec.lines}")
    instance = cfg.workdir / "instance"
    rt = db.runtime(url, instance)
    db.prepare(rt, spec, modules)
    rt.engine.dispose()
    cfg.log(f"   importing {spec.lines:,} lines (every module enabled)")
    if b_import.import_available():
        run_child("import_cli", {"url": url, "instance": str(instance),
                                 "csv": str(files["orders"]), "brand": db.BRAND})
    else:
        raw_import(url, str(files["orders"]), db.BRAND)
    cfg.shared[key] = url
    return url


def measure_size(cfg: Config, lines: int, todo: dict[str, Step], errors: dict[str, str],
                 profiles: dict[str, str]) -> dict[str, float]:
    """Seconds of each step at one size; a failing step is timed as NaN, its error kept."""
    spec = data.DataSpec(customers=max(20, lines // 10), lines=lines)
    url = _database(cfg, spec, db.all_modules())
    rt = db.runtime(url, cfg.workdir / "instance")
    times: dict[str, float] = {}
    for name, step in [("baseline", baseline), *todo.items()]:
        ctx = db.ctx(rt)
        try:
            times[name] = _timed(lambda step=step, ctx=ctx: step(ctx))
        except Exception as exc:  # noqa: BLE001 - report it in the row, run the others
            ctx.session.rollback()
            times[name] = math.nan
            errors[name] = f"{type(exc).__name__}: {str(exc)[:300]}"
        finally:
            ctx.session.close()
        cfg.log(f"   {lines:,} lines: {name} {times[name]:.2f} s")
    slow = [n for n in todo if times.get(n, 0) >= TARGET_S]
    if cfg.profile and slow and lines == cfg.sizes.segment_lines[-1]:
        for name in slow:
            profiles[name] = _profile(rt, name, todo[name])
    rt.engine.dispose()
    return times


def _profile(rt: Any, name: str, step: Step) -> str:
    """Run a slow step again under pyinstrument (a second run: stored segments are then
    unchanged, so storing costs less than the first time) and save the text profile."""
    from pyinstrument import Profiler

    slug = re.sub(r"[^a-z0-9]+", "-", name.split(" (")[0].lower()).strip("-")
    target = PROFILE_DIR / f"nightly-{slug}.txt"
    target.parent.mkdir(parents=True, exist_ok=True)
    ctx = db.ctx(rt)
    profiler = Profiler()
    try:
        with profiler:
            step(ctx)
    finally:
        ctx.session.close()
    target.write_text(profiler.output_text(unicode=True, color=False))
    return f"bench/profiles/{target.name}"


def run(cfg: Config) -> list[Result]:
    todo = steps()
    if not todo:
        return [Result(bench="segments", case="segmentation", value=None, unit="s",
                       note="core.segmentation is not in this checkout yet")]
    sizes = cfg.sizes.segment_lines
    errors: dict[str, str] = {}
    profiles: dict[str, str] = {}
    if cfg.sizes.name != "smoke":
        measure_size(cfg, 200, todo, {}, {})  # warm-up: imports, statement compilation
    by_size = {n: measure_size(cfg, n, todo, errors, profiles) for n in sizes}
    big = sizes[-1]
    results = []
    for name in todo:
        t = by_size[big][name]
        base = by_size[big]["baseline"]
        if name in errors:
            results.append(Result(bench="segments", case=f"{name}, SQLite, {big:,} lines",
                                  value=None, unit="s", ok=False, note=f"failed: {errors[name]}"))
            continue
        growth = ""
        if len(sizes) > 1:
            exps = [math.log(max(by_size[b][name], 1e-6) / max(by_size[a][name], 1e-6))
                    / math.log(b / a) for a, b in zip(sizes, sizes[1:], strict=False)]
            growth = "growth exponent " + ", ".join(f"{e:.2f}" for e in exps) + " (1 = linear)"
        at = "; ".join(f"{n:,} lines: {by_size[n][name]:.2f} s" for n in sizes)
        target_applies = big >= 1_000_000 and name != CATCH_UP
        results.append(Result(
            bench="segments", case=f"{name}, SQLite, {big:,} lines / {big // 10:,} customers",
            value=t, unit="s", baseline="one aggregate query", baseline_value=base,
            ratio=t / base if base else None,
            target=f"< {TARGET_S:.0f} s at 1M lines" if target_applies else "",
            ok=(t < TARGET_S) if target_applies else None,
            note=f"{at}; {growth}".strip("; ")
            + (f"; profile: {profiles[name]}" if name in profiles else "")))
    missing = {"silent detection (list)", "task generation"} - set(todo)
    for name in sorted(missing):
        results.append(Result(bench="segments", case=name, value=None, unit="s",
                              note="not in this checkout yet"))
    return results
