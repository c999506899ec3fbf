"""Churn-risk rules: thresholds in local days, hook-provided satisfaction and complaints."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.errors import NotFound, ValidationFailed
from core.hookspecs import hookimpl
from core.models import Customer, Interaction, InteractionKind
from core.services.churn_risk import at_risk_customers, configure, customer_risk_flags
from core.services.modules import enable_modules
from core.services.scoping import get_by_ref
from tests.core.custmgmt.helpers import customers, order, seed_catalogue
from tests.core.test_modules import registry_with

AS_OF = dt.date(2026, 2, 28)
SH = dt.timezone(dt.timedelta(hours=8))
# Last 90 days: 2025-12-01 .. 2026-02-28 (Dec 31 + Jan 31 + Feb 28 = 90 days).
# Last 30 days: 2026-01-30 .. 2026-02-28. Previous 90-day period: 2025-09-02 .. 2025-11-30.
CURRENT = dt.datetime(2025, 12, 1, tzinfo=SH).astimezone(dt.UTC)
PREVIOUS = dt.datetime(2025, 9, 2, tzinfo=SH).astimezone(dt.UTC)


class Complaints:
    """Stands in for the complaints module: fixed answers per period."""

    def __init__(self):
        self.calls = []

    @hookimpl
    def crm_customer_satisfaction(self, ctx, customer_ids, since, until):
        self.calls.append(("satisfaction", since, until, sorted(customer_ids)))
        ids = _ids(ctx)
        if since == CURRENT:
            return {ids["K1"]: Decimal("3.9"), ids["K2"]: Decimal("4.0")}
        assert since == PREVIOUS and until == CURRENT
        return {ids["K1"]: Decimal("5.0"), ids["K2"]: Decimal("5.0")}

    @hookimpl
    def crm_customer_complaint_counts(self, ctx, customer_ids, since, until):
        ids = _ids(ctx)
        return {ids["K3"]: 2} if since == CURRENT else {ids["K3"]: 1, ids["K2"]: 1}


def _ids(ctx):
    return {c.customer_ref: c.id for c in ctx.session.query(Customer)}


def contact(ctx, ref, when):
    customer = get_by_ref(ctx, Customer, ref)
    with ctx.write() as s:
        s.add(Interaction(brand_id=ctx.brand_id, customer_id=customer.id,
                          kind=InteractionKind.CALL, occurred_at=when.astimezone(dt.UTC),
                          summary="call", created_by="t"))


def seed(ctx):
    seed_catalogue(ctx)
    customers(ctx, "K1", "K2", "K3", "K4")
    order(ctx, "K1", "2025-12-01T23:30:00", "10.00")   # first of the last 90 days
    order(ctx, "K2", "2025-11-30T23:30:00", "10.00")   # the day before: no order in 90 days
    order(ctx, "K3", "2026-02-01T10:00:00", "10.00")
    contact(ctx, "K1", dt.datetime(2026, 1, 30, 0, 10, tzinfo=SH))   # in the last 30 days
    contact(ctx, "K2", dt.datetime(2026, 1, 29, 23, 50, tzinfo=SH))  # just before
    # K3 was never contacted; K4 never bought (not a churn candidate)


def flags(rows):
    return {r.customer_ref: [f.rule for f in r.flags] for r in rows}


def test_rules_without_the_complaints_module(ctx_a, ctx_b):
    seed(ctx_a)
    assert flags(at_risk_customers(ctx_a, AS_OF)) == {
        "K2": ["no_order", "no_contact"], "K3": ["no_contact"]}
    assert [f.rule for f in customer_risk_flags(ctx_a, "K2", AS_OF)] == [
        "no_order", "no_contact"]
    assert customer_risk_flags(ctx_a, "K4", AS_OF) == []
    k3 = _ids(ctx_a)["K3"]
    assert [f.rule for f in customer_risk_flags(ctx_a, k3, AS_OF)] == ["no_contact"]
    with pytest.raises(NotFound):
        customer_risk_flags(ctx_b, k3, AS_OF)


def test_hook_signals_and_thresholds(ctx_a, ctx_b):
    module = Complaints()
    ctx_a.registry = ctx_b.registry = registry_with(({"name": "complaints", "version": "1"},
                                                     module))
    enable_modules(ctx_a, ["complaints"])
    seed(ctx_a)
    # K1: 5.0 → 3.9 is a 22% drop: (5.0 − 3.9) × 100 = 110 > 5.0 × 20 = 100 → flagged.
    # K2: 5.0 → 4.0 is exactly 20%: 100 > 100 is false → not flagged.
    # K3: complaints 1 → 2 (rise of 1 ≥ 1) → flagged; K2: 1 → 0 → not.
    assert flags(at_risk_customers(ctx_a, AS_OF)) == {
        "K1": ["satisfaction_down"], "K2": ["no_order", "no_contact"],
        "K3": ["no_contact", "complaints_rising"]}
    # once per period for the whole batch of purchasing customers (K1, K2, K3)
    k = _ids(ctx_a)
    assert [c[3] for c in module.calls] == [sorted([k["K1"], k["K2"], k["K3"]])] * 2
    configure(ctx_a, {"satisfaction_drop_pct": "25", "no_contact_days": 31,
                      "complaints_rise": 2})
    # 31 days reach 2026-01-29: K2's contact counts; 22% < 25%; a rise of 1 < 2.
    assert flags(at_risk_customers(ctx_a, AS_OF)) == {"K2": ["no_order"],
                                                      "K3": ["no_contact"]}
    # brand B did not enable the module and has no customers
    assert at_risk_customers(ctx_b, AS_OF) == []


def test_rules_can_be_switched_off_and_bad_settings_are_named(ctx_a):
    seed(ctx_a)
    configure(ctx_a, {"rules": ["no_order"]})
    assert flags(at_risk_customers(ctx_a, AS_OF)) == {"K2": ["no_order"]}
    with pytest.raises(ValidationFailed) as exc:
        configure(ctx_a, {"rules": ["sunspots"], "no_order_days": 0,
                          "satisfaction_drop_pct": "x", "colour": "red"})
    assert set(exc.value.errors) == {"rules", "no_order_days", "satisfaction_drop_pct",
                                     "colour"}
