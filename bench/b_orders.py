"""The live order path: orders created one at a time through the service layer, each with
a fresh context and session (as one API request does), modules off versus on.

Two brands in one database: one with no module enabled (the baseline), one with every
installed module enabled. Blocks of orders alternate between them so that both see the
same background load; the figure is orders per second, the ratio is on/off time.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from typing import Any

from bench import data, db
from bench.harness import Config, Result, throughput_ratio
from core.services.orders import create_order

BLOCKS = 4


def order_payloads(spec: data.DataSpec, prefix: str, n: int, seed: int) -> Iterator[dict[str, Any]]:
    """``n`` paid orders of 1–3 lines for random customers of ``spec``."""
    rng = random.Random(seed)
    prices = data.product_prices(spec)
    for i in range(n):
        c = rng.randrange(spec.customers)
        skus = rng.sample(range(spec.products), rng.choice((1, 1, 2, 3)))
        yield {"order_ref": f"{prefix}{i:07d}", "customer_ref": data.customer_ref(c),
               "rep_ref": data.rep_ref(data.customer_rep(spec, c)),
               "ordered_at": "2026-02-28 15:30:00", "channel": "app", "status": "paid",
               "lines": [{"sku": data.sku(p), "quantity": rng.choice((1, 2)),
                          "unit_price": str(prices[p])} for p in skus]}


def _time_block(rt: Any, brand: str, payloads: list[dict[str, Any]]) -> tuple[float, float]:
    """Wall and CPU seconds to create ``payloads`` one by one."""
    start, cpu = time.perf_counter(), time.process_time()
    for payload in payloads:
        ctx = db.ctx(rt, brand)
        try:
            create_order(ctx, payload)
        finally:
            ctx.session.close()
    return time.perf_counter() - start, time.process_time() - cpu


def measure(cfg: Config, backend: str) -> list[Result]:
    spec = data.DataSpec(customers=1000, lines=0)
    modules = db.all_modules()
    n = cfg.sizes.orders
    per_block = max(1, n // BLOCKS)
    with db.database(backend, cfg.workdir, "orders", cfg.pg_admin_url) as url:
        rt = db.runtime(url, cfg.workdir / "instance")
        db.prepare(rt, spec, [], brand="OFF")
        db.prepare(rt, spec, modules, brand="ON")
        # Warm up both paths (first-call imports, statement caches).
        for brand in ("OFF", "ON"):
            _time_block(rt, brand, list(order_payloads(spec, f"W{brand}", 3, 1)))
        off_t = on_t = off_cpu = on_cpu = 0.0
        off_n = on_n = 0
        for b in range(BLOCKS):
            off = list(order_payloads(spec, f"F{b}-", per_block, 100 + b))
            on = list(order_payloads(spec, f"N{b}-", per_block, 100 + b))
            wall, cpu = _time_block(rt, "OFF", off)
            off_t, off_cpu, off_n = off_t + wall, off_cpu + cpu, off_n + len(off)
            wall, cpu = _time_block(rt, "ON", on)
            on_t, on_cpu, on_n = on_t + wall, on_cpu + cpu, on_n + len(on)
        rt.engine.dispose()
    off_rate, on_rate = off_n / off_t, on_n / on_t
    return [Result(bench="orders", case=f"create_order one by one, {backend}, modules on "
                                        f"({', '.join(modules) or 'none installed'})",
                   value=on_rate, unit="orders/s", baseline="same, modules off",
                   baseline_value=off_rate, ratio=throughput_ratio(on_rate, off_rate),
                   note=f"{on_n} + {off_n} orders, fresh context and session per order; "
                        f"{1000 / on_rate:.1f} ms vs {1000 / off_rate:.1f} ms per order; "
                        f"CPU {1000 * on_cpu / on_n:.1f} ms vs {1000 * off_cpu / off_n:.1f} ms "
                        f"per order (×{(on_cpu / on_n) / (off_cpu / off_n):.2f})")]


def run(cfg: Config) -> list[Result]:
    results = []
    if cfg.backend in (None, "sqlite"):
        results += measure(cfg, "sqlite")
    if (cfg.backend in (None, "postgresql") and cfg.sizes.name != "smoke"
            and db.pg_available(cfg.pg_admin_url)):
        results += measure(cfg, "postgresql")
    return results
