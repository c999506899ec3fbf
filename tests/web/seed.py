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
