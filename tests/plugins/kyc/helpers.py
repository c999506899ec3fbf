"""Builders for the kyc tests: a brand with the module, a published notice, customers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.api import Ctx
from core.services.customers import create_customer
from core.services.reps import create_rep
from plugins.kyc import consent
from plugins.kyc.models import ConsentSource


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def setup_brand(ctx: Ctx, enable: Any, customers: tuple[str, ...] = ("C1",),
                **customer_fields: Any) -> None:
    """kyc on; rep R1; the customers (owned by R1); a v1 notice for every purpose used."""
    enable(ctx, "kyc")
    create_rep(ctx, {"rep_ref": "R1", "name": "王芳", "status": "active",
                     "joined_on": "2025-01-01"})
    for i, ref in enumerate(customers):
        create_customer(ctx, {"customer_ref": ref, "name": f"客户{i}", "rep_ref": "R1",
                              "phone": f"1380000{i:04d}", **customer_fields},
                        allow_duplicate=True)
    for purpose in ("marketing", "care", "service", "sensitive_data"):
        notice(ctx, purpose, "v1", "2026-01-01")


def notice(ctx: Ctx, purpose: str, version: str, effective: str, material: bool = True,
           locale: str = "zh_Hans_CN") -> None:
    consent.add_notice(ctx, {"purpose": purpose, "version": version, "locale": locale,
                             "text": f"{purpose} notice {version}",
                             "effective_on": effective, "material": material})


def give(ctx: Ctx, customer: str, purpose: str, channel: str, at: str | None = None,
         **extra: str) -> int:
    data = {"customer_ref": customer, "purpose": purpose, "channel": channel, **extra}
    if at:
        data["at"] = at
    return consent.give(ctx, data, ConsentSource.REP)


def withdraw(ctx: Ctx, customer: str, purpose: str, channel: str | None = None,
             at: str | None = None) -> int:
    data = {"customer_ref": customer, "purpose": purpose}
    if channel:
        data["channel"] = channel
    if at:
        data["at"] = at
    return consent.withdraw(ctx, data, ConsentSource.API)
