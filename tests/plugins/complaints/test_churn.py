"""Complaint counts feed the core's churn-risk flag "complaints rising"; only for brands
that enabled the module."""

from __future__ import annotations

from core.services.churn_risk import assess
from core.services.modules import enable_modules
from plugins.complaints import services
from tests.web.seed import seed_brand


def _open(ctx, customer, opened):
    services.open_ticket(ctx, {"customer_ref": customer, "channel": "phone",
                               "category": "delivery", "summary": "迟到",
                               "opened_at": opened})


def test_complaints_rising_flags_the_customer(ctx_a):
    seed_brand(ctx_a)  # C1 and C3 have paid orders (assessed); the clock: 2 Mar 2026
    before = {r.customer_ref: [f.rule for f in r.flags] for r in assess(ctx_a)}
    assert not any("complaints_rising" in f for f in before.values())  # nobody answers yet
    enable_modules(ctx_a, ["complaints"])
    ctx_a.refresh_modules()
    # Periods of 90 local days: current = 3 Dec 2025 .. 2 Mar 2026, previous = the 90 days
    # before. C1: none before, two now (0 -> 2: rising by 2 >= 1). C3: one before, one now
    # (1 -> 1: not rising).
    _open(ctx_a, "C1", "2026-02-01T10:00:00+08:00")
    _open(ctx_a, "C1", "2026-02-20T10:00:00+08:00")
    _open(ctx_a, "C3", "2025-11-15T10:00:00+08:00")
    _open(ctx_a, "C3", "2026-02-10T10:00:00+08:00")
    flags = {r.customer_ref: [(f.rule, f.message) for f in r.flags
                              if f.rule == "complaints_rising"] for r in assess(ctx_a)}
    assert flags["C1"] == [("complaints_rising", "Complaints rose from 0 to 2.")]
    assert flags["C3"] == []
