"""Extra data for the customer-management screens, on top of ``seed_brand``.

Clock: 2026-03-02 02:00 UTC = 10:00 in Shanghai (local day 2026-03-02).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from core.context import Ctx
from core.segmentation.services import SegmentRow, store_segments
from core.services.activities import create_interaction, create_task
from core.services.orders import create_order
from tests.web.seed import Seeded


def seed_cm(ctx: Ctx, seeded: Seeded) -> dict[str, int]:
    """Risk, segments and tasks; returns task key (e.g. "T1 overdue C1") → id."""
    # C2: one paid order on 2025-11-01 (Shanghai), 121 days before 2026-03-02: outside the
    # 90 local days 2025-12-03..2026-03-02 → "no_order". Value 199.00.
    create_order(ctx, {"order_ref": "O9", "customer_ref": "C2",
                       "ordered_at": "2025-11-01T10:00:00+08:00",
                       "lines": [{"sku": "P1", "quantity": 1, "unit_price": "199.00"}]})
    # C3: a call on 2026-02-20, inside the 30 days 2026-02-01..2026-03-02 → no "no_contact".
    create_interaction(ctx, {"customer_ref": "C3", "kind": "call",
                             "occurred_at": "2026-02-20T10:00:00+08:00", "summary": "回访"})
    store_segments(ctx, "abc", dt.date(2026, 3, 1), [
        SegmentRow(seeded.customers["C1"], "C1", "A", Decimal("797.00"))])
    store_segments(ctx, "rfm", dt.date(2026, 3, 1), [
        SegmentRow(seeded.customers["C1"], "C1", "champions", Decimal("797.00"))])
    ids = {}
    for key, title, cust, rep, due in (
            ("T1 overdue C1", "回访：胶原蛋白饮复购", "C1", "R1",
             "2026-03-01T02:00:00+00:00"),   # yesterday
            ("T2 later today C2", "电话问候：精华液用完了吗", "C2", "R1",
             "2026-03-02T08:00:00+00:00"),  # 16:00 local
            ("T3 tomorrow C1", "寄送新品试用装", "C1", "R1",
             "2026-03-03T02:00:00+00:00"),  # not today
            ("T4 overdue C3", "滤芯更换提醒", "C3", "R2", "2026-03-01T03:00:00+00:00")):
        ids[key] = create_task(ctx, {"title": title, "customer_ref": cust, "rep_ref": rep,
                                     "due_at": due}).id
    return ids
