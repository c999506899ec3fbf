"""Sample data for the web tests: two reps, three products, four customers, orders.

The test clock is 2026-03-02 02:00 UTC (10:00 in Shanghai); orders are placed in
January, February and March 2026.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.context import Ctx
from core.services.customers import create_customer
from core.services.orders import create_order
from core.services.products import create_product
from core.services.reps import create_rep


@dataclass
class Seeded:
    """Ids of the seeded rows."""

    customers: dict[str, int]
    reps: dict[str, int]


def seed_brand(ctx: Ctx) -> Seeded:
    """Reps R1 (王芳) and R2 (李强); customers C1, C2 (R1), C3, C4 (R2); four paid orders."""
    reps = {}
    for ref, name in (("R1", "王芳"), ("R2", "李强")):
        reps[ref] = create_rep(ctx, {"rep_ref": ref, "name": name, "status": "active",
                                     "joined_on": "2025-06-01", "province": "上海"}).id
    for sku, name, cat, price in (("P1", "玫瑰精华液", "护肤", "199.00"),
                                  ("P2", "胶原蛋白饮", "保健", "299.00"),
                                  ("P3", "净水器滤芯", "家电", "599.00")):
        create_product(ctx, {"sku": sku, "name": name, "category": cat, "list_price": price,
                             "replenish_days": 30})
    customers = {}
    for ref, name, rep, phone in (("C1", "张伟", "R1", "13800138001"),
                                  ("C2", "刘洋", "R1", "13800138002"),
                                  ("C3", "陈静", "R2", "13800138003"),
                                  ("C4", "赵敏", "R2", "13800138004")):
        customers[ref] = create_customer(ctx, {"customer_ref": ref, "name": name,
                                               "rep_ref": rep, "phone": phone,
                                               "tags": ["VIP"] if ref == "C1" else []}).id
    # C1: two paid orders (Jan 199.00 + Feb 2 x 299.00 = 598.00); C3: one in March 599.00;
    # C4: one pending order (not counted in sales).
    for ref, cust, at, sku, qty, price, status in (
            ("O1", "C1", "2026-01-10T10:00:00+08:00", "P1", 1, "199.00", "paid"),
            ("O2", "C1", "2026-02-12T10:00:00+08:00", "P2", 2, "299.00", "paid"),
            ("O3", "C3", "2026-03-01T09:00:00+08:00", "P3", 1, "599.00", "paid"),
            ("O4", "C4", "2026-03-01T11:00:00+08:00", "P1", 1, "199.00", "pending")):
        create_order(ctx, {"order_ref": ref, "customer_ref": cust, "ordered_at": at,
                           "status": status,
                           "lines": [{"sku": sku, "quantity": qty, "unit_price": price}]})
    return Seeded(customers=customers, reps=reps)


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("静", "敏", "伟", "芳", "娜", "秀英", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟",
         "涛", "明", "超", "霞", "平", "刚")


def seed_history(ctx: Ctx, clock: object, months: int = 12, per_month: int = 4) -> None:
    """A year of customers and orders for the dashboard screenshots: each month
    ``per_month`` new customers (created that month) who buy once or twice."""
    import datetime as dt

    start = clock.value  # type: ignore[attr-defined]
    n = 0
    for back in range(months - 1, -1, -1):
        y, m = start.year, start.month - back
        while m < 1:
            y, m = y - 1, m + 12
        for i in range(per_month + back % 3):
            n += 1
            day = dt.datetime(y, m, 1 + (i * 5) % 25, 3, 0, tzinfo=dt.UTC)
            if day > start:
                day = start - dt.timedelta(hours=n)
            clock.value = day  # type: ignore[attr-defined]
            ref = f"H{n:03d}"
            name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)]
            create_customer(ctx, {"customer_ref": ref, "name": name,
                                  "rep_ref": "R1" if n % 2 else "R2",
                                  "phone": f"139{n:08d}", "source_channel": "直播"})
            lines = [{"sku": "P1", "quantity": 1 + n % 3, "unit_price": "199.00"}]
            if n % 3 == 0:
                lines.append({"sku": "P3", "quantity": 1, "unit_price": "599.00"})
            create_order(ctx, {"order_ref": f"HO{n:03d}", "customer_ref": ref,
                               "ordered_at": day.isoformat(), "lines": lines})
            if n % 4 == 0:
                create_order(ctx, {"order_ref": f"HP{n:03d}", "customer_ref": ref,
                                   "ordered_at": (day + dt.timedelta(days=3)).isoformat(),
                                   "lines": [{"sku": "P2", "quantity": 2,
                                              "unit_price": "299.00"}]})
    clock.value = start  # type: ignore[attr-defined]
    from core.segmentation.services import recompute
    from core.services.activities import create_task

    for i, (rep, hours) in enumerate((("R1", 30), ("R1", 50), ("R2", 20), ("R1", 80),
                                       ("R2", 5))):
        create_task(ctx, {"title": f"回访客户 H{i + 1:03d}", "customer_ref": f"H{i + 1:03d}",
                          "rep_ref": rep,
                          "due_at": (start - dt.timedelta(hours=hours)).isoformat()})
    recompute(ctx, "abc")
