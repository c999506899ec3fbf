"""Task rules, the today list and lead recycling on a big brand (SQLite by default).

Run by hand: ``PYTHONPATH=. python bench/bench_task_rules.py [--customers 100000]``.
Prints seconds and the ratio to a baseline measured in the same run (paid revenue per
customer: one GROUP BY over the orders), since these machines are noisy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, insert, select

from core.config import Settings
from core.crypto import Keyring, set_keyring
from core.leads.models import Lead, LeadChannel, LeadStatus
from core.leads.pool import recycle
from core.models import Customer, CustomerTag, Order, OrderLine, OrderStatus, Product, Rep
from core.plugins import default_registry
from core.runtime import Runtime, create_schema
from core.services.brands import create_brand
from core.tasks.rules import run_task_rules
from core.tasks.today import today_list

NOW = dt.datetime(2026, 3, 2, 2, tzinfo=dt.UTC)


def seed(rt: Runtime, customers: int) -> None:
    ctx = rt.ctx()
    ctx.clock = lambda: NOW
    create_brand(ctx, {"code": "BIG", "name": "Big", "timezone": "Asia/Shanghai"})
    bid = ctx.session.scalar(select(func.max(Rep.brand_id))) or 1
    rnd = random.Random(7)
    with rt.engine.begin() as conn:
        conn.execute(insert(Rep.__table__), [
            {"brand_id": bid, "rep_ref": f"R{i:03d}", "name": f"R{i}", "status": "active",
             "capacity": customers // 40, "created_at": NOW, "updated_at": NOW}
            for i in range(50)])
        conn.execute(insert(Product.__table__), [
            {"brand_id": bid, "sku": f"P{i}", "name": f"P{i}", "category": "cosmetics",
             "list_price": Decimal("100.00"), "replenish_days": 30 + i * 10 if i < 5 else None,
             "active": True, "created_at": NOW} for i in range(20)])
        rows = []
        for i in range(customers):
            created = NOW - dt.timedelta(days=rnd.randint(0, 700), hours=rnd.randint(0, 23))
            rows.append({"brand_id": bid, "customer_ref": f"C{i:07d}", "name": "x",
                         "birthday": dt.date(1980 + i % 30, 1 + i % 12, 1 + i % 28),
                         "rep_id": 1 + i % 50, "lifecycle_stage": "prospect",
                         "created_at": created, "updated_at": created})
        conn.execute(insert(Customer.__table__), rows)
        conn.execute(insert(CustomerTag.__table__), [
            {"brand_id": bid, "customer_id": 1 + i, "tag": "abc:A"}
            for i in range(0, customers, 10)])
        orders, lines = [], []
        oid = 0
        for c in range(customers):
            for _ in range(3):
                oid += 1
                at = NOW - dt.timedelta(days=rnd.randint(0, 365), minutes=rnd.randint(0, 1440))
                orders.append({"brand_id": bid, "order_ref": f"O{oid}", "customer_id": c + 1,
                               "rep_id": 1 + c % 50, "ordered_at": at, "paid_at": at,
                               "status": OrderStatus.PAID.value,
                               "total_amount": Decimal("200.00"), "created_at": at})
                for ln, sku in enumerate(rnd.sample(range(20), 3)):
                    lines.append({"brand_id": bid, "order_id": oid, "line_no": ln + 1,
                                  "product_id": sku + 1, "quantity": 1,
                                  "unit_price": Decimal("66.67"), "amount": Decimal("66.67")})
            if len(lines) > 200_000:
                conn.execute(insert(Order.__table__), orders)
                conn.execute(insert(OrderLine.__table__), lines)
                orders, lines = [], []
        if orders:
            conn.execute(insert(Order.__table__), orders)
            conn.execute(insert(OrderLine.__table__), lines)
        conn.execute(insert(Lead.__table__), [
            {"brand_id": bid, "lead_ref": f"L{i}", "name": "l", "channel": LeadChannel.ADS.value,
             "score": i % 100, "status": LeadStatus.NEW.value, "rep_id": 1 + i % 50,
             "contacts_count": 0, "assigned_at": NOW - dt.timedelta(days=i % 40),
             "created_at": NOW - dt.timedelta(days=40), "updated_at": NOW}
            for i in range(customers // 10)])
    ctx.session.close()


def timed(label: str, fn, baseline: float | None = None) -> float:
    start = time.perf_counter()
    out = fn()
    took = time.perf_counter() - start
    ratio = f"  ({took / baseline:.1f}x baseline)" if baseline else ""
    print(f"{label:<34} {took:7.2f} s{ratio}  -> {out}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--url", default=None, help="database URL (default: a temp SQLite)")
    args = parser.parse_args()
    set_keyring(Keyring.generate())
    tmp = Path(tempfile.mkdtemp())
    url = args.url or f"sqlite:///{tmp / 'bench.db'}"
    rt = Runtime(settings=Settings(instance_path=tmp, database_url=url),
                 registry=default_registry())
    create_schema(rt.engine)
    t0 = time.perf_counter()
    seed(rt, args.customers)
    print(f"seeded {args.customers} customers, {3 * args.customers} orders, "
          f"{9 * args.customers} lines in {time.perf_counter() - t0:.1f} s")
    ctx = rt.ctx("BIG")
    ctx.clock = lambda: NOW

    def baseline_query() -> int:
        return len(ctx.session.execute(select(Order.customer_id, func.sum(Order.total_amount))
                                       .group_by(Order.customer_id)).all())

    base = timed("baseline: revenue per customer", baseline_query)
    timed("tick: all task rules (first run)", lambda: run_task_rules(ctx), base)
    timed("tick: all task rules (re-run)", lambda: run_task_rules(ctx), base)
    timed("today list of one rep", lambda: len(today_list(ctx, "R007")), base)
    timed("lead pool recycle", lambda: recycle(ctx), base)


if __name__ == "__main__":
    main()
