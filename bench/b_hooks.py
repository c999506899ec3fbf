"""Hook dispatch with per-brand module subsets: µs per event with 0, 1 and 5 modules.

A fresh registry gets five dummy modules implementing ``crm_order_paid``; a brand's hook
caller (``ModuleRegistry.hooks_for``, what ``ctx.hooks`` returns) reaches 0, 1 or all 5 of
them. Baselines, measured in the same run: a plain Python function call doing the same
work as one implementation, and pluggy's own ``pm.hook.crm_order_paid(...)`` reaching
all five modules with no subset.
"""

from __future__ import annotations

import datetime as dt
import timeit
from decimal import Decimal
from typing import Any

from bench.harness import Config, Result
from core.events import OrderPaid
from core.hookspecs import hookimpl
from core.plugins import Manifest, ModuleRegistry

MODULES = 5


class Dummy:
    """A module whose ``crm_order_paid`` just counts the orders it saw."""

    def __init__(self) -> None:
        self.seen = 0

    @hookimpl
    def crm_order_paid(self, ctx: Any, orders: Any) -> None:
        self.seen += len(orders)


def make_registry(n: int = MODULES) -> tuple[ModuleRegistry, list[Dummy]]:
    """A registry holding ``n`` dummy modules named ``m0``..``m{n-1}``."""
    reg = ModuleRegistry()
    # Dispatch to modules is measured: the core's own reactions (core.reactions) would
    # touch a database, which this benchmark has none of.
    reg.pm.unregister(name="core")
    impls = [Dummy() for _ in range(n)]
    reg.register_all([(Manifest(name=f"m{i}", version="1", summary="dummy"), impl)
                      for i, impl in enumerate(impls)])
    return reg, impls


def event() -> list[OrderPaid]:
    at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    return [OrderPaid(order_id=1, order_ref="O1", customer_id=1, rep_id=1, ordered_at=at,
                      paid_at=at, amount=Decimal("99.00"), points_amount=Decimal("0.00"))]


def _per_call_us(stmt: Any, calls: int) -> float:
    """Best of 5 runs of ``calls`` calls, in µs per call."""
    number = max(1, calls // 5)
    return min(timeit.repeat(stmt, number=number, repeat=5)) / number * 1e6


def run(cfg: Config) -> list[Result]:
    reg, impls = make_registry()
    orders = event()
    ctx = object()  # the dummies never look at it
    plain = Dummy()

    def plain_call() -> None:
        plain.crm_order_paid(ctx=ctx, orders=orders)

    full = reg.pm.hook.crm_order_paid
    baseline_plain = _per_call_us(plain_call, cfg.sizes.hook_calls)
    baseline_pluggy = _per_call_us(lambda: full(ctx=ctx, orders=orders), cfg.sizes.hook_calls)
    results = []
    for k in (0, 1, MODULES):
        enabled = [f"m{i}" for i in range(k)]
        before = [i.seen for i in impls]

        def brand_call(enabled: list[str] = enabled) -> None:
            # What a service does: ctx.hooks (cached per module set) then the call.
            reg.hooks_for(enabled).crm_order_paid(ctx=ctx, orders=orders)

        us = _per_call_us(brand_call, cfg.sizes.hook_calls)
        reached = sum(1 for i, imp in enumerate(impls) if imp.seen > before[i])
        assert reached == k, f"{k} modules enabled but {reached} called"
        results.append(Result(
            bench="hooks", case=f"crm_order_paid, {k} of {MODULES} modules enabled", value=us,
            unit="µs/event", baseline="plain function call", baseline_value=baseline_plain,
            ratio=us / baseline_plain,
            note=f"pluggy pm.hook, all {MODULES}, no subset: {baseline_pluggy:.2f} µs "
                 f"(×{us / baseline_pluggy:.2f} of it)",
            extra={"pluggy_all_us": baseline_pluggy}))
    return results
