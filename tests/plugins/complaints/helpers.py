"""Shared set-up of the complaints tests."""

from __future__ import annotations

import datetime as dt

from core.services.customers import create_customer
from core.services.reps import create_rep
from plugins.complaints import services

CST = dt.timezone(dt.timedelta(hours=8))


def at(text: str) -> dt.datetime:
    """A Shanghai wall-clock time as an aware datetime."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=CST)


def setup_brand(ctx, enable, *, business: bool = True) -> None:
    """Brand A with the module, reps R1 and R2, customers C1 (R1) and C2 (R2); the normal
    and high policies on the business clock (normal 8h/16h/40h, high 4h/8h/16h)."""
    enable(ctx, "complaints")
    for i, ref in enumerate(("R1", "R2")):
        create_rep(ctx, {"rep_ref": ref, "name": f"代表{ref}", "status": "active",
                         "joined_on": "2025-01-01", "phone": f"1390000000{i}"})
    for i, (ref, rep) in enumerate((("C1", "R1"), ("C2", "R2"))):
        create_customer(ctx, {"customer_ref": ref, "name": f"客户{ref}", "rep_ref": rep,
                              "phone": f"1380000000{i}"}, allow_duplicate=True)
    if business:
        services.set_policy(ctx, "normal", {"first_response": "8h", "escalation": "16h",
                                            "resolution": "40h", "clock": "business"})
        services.set_policy(ctx, "high", {"first_response": "4h", "escalation": "8h",
                                          "resolution": "16h", "clock": "business"})


def open_(ctx, opened: str, **extra):
    data = {"customer_ref": "C1", "channel": "phone", "category": "product_quality",
            "severity": "normal", "summary": "面霜过敏", "opened_at": opened, **extra}
    return services.open_ticket(ctx, data)
