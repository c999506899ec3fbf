"""Silent customers across a timezone boundary, reactivation, churned and advocate stages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from click.testing import CliRunner

from core.cli import common
from core.cli.common import cli
from core.errors import NotFound, ValidationFailed
from core.hookspecs import hookimpl
from core.models import Customer, LifecycleStage
from core.services.lifecycle import mark_advocate
from core.services.modules import enable_modules
from core.services.scoping import get_by_ref
from core.services.settings import set_settings
from core.services.silent import mark_churned, reactivation_report, silent_customers
from tests.core.custmgmt.helpers import customers, order, refund, seed_catalogue
from tests.core.test_modules import registry_with

AS_OF = dt.date(2026, 2, 28)
# 180 days ending 2026-02-28 = local days 2025-09-02 .. 2026-02-28: silent when the last
# paid order is on 2025-09-01 (local) or earlier.


def seed(ctx):
    seed_catalogue(ctx)
    customers(ctx, "S1", "S2", "S3", "S4", "S5", "S6")
    order(ctx, "S1", "2025-09-01T23:30:00", "60.00")   # 15:30 UTC on 1 Sep: silent
    order(ctx, "S2", "2025-09-02T00:30:00", "70.00")   # 16:30 UTC on 1 Sep, but 2 Sep local
    order(ctx, "S3", "2025-01-01T10:00:00", "100.00")
    o3 = order(ctx, "S3", "2025-06-01T10:00:00", "50.00")
    refund(ctx, o3, "20.00", "2025-06-03T10:00:00")    # lifetime 100 + 50 − 20 = 130.00
    order(ctx, "S5", "2025-03-01T10:00:00", "40.00", status="pending")
    order(ctx, "S6", "2025-05-01T10:00:00", "80.00")
    order(ctx, "S6", "2026-03-01T10:00:00", "500.00")  # after the as-of date: ignored


def test_silent_customers_in_local_days(ctx_a):
    seed(ctx_a)
    rows = silent_customers(ctx_a, AS_OF)
    # longest silent first; S2 is not silent (its order is on 2 Sep in Shanghai)
    assert [(r.customer_ref, r.last_order_at, r.lifetime_revenue) for r in rows] == [
        ("S6", dt.datetime(2025, 5, 1, 2, 0, tzinfo=dt.UTC), Decimal("80.00")),
        ("S3", dt.datetime(2025, 6, 1, 2, 0, tzinfo=dt.UTC), Decimal("130.00")),
        ("S1", dt.datetime(2025, 9, 1, 15, 30, tzinfo=dt.UTC), Decimal("60.00")),
    ]
    # One day later (1 Mar) the last 180 days start on 3 Sep: S2 is silent; S6's
    # order of 1 Mar now counts: not silent
    assert [r.customer_ref for r in silent_customers(ctx_a, AS_OF + dt.timedelta(days=1))] \
        == ["S3", "S1", "S2"]
    # --days 30 as of 2025-10-01: last 30 days = 2 Sep .. 1 Oct → S1 silent, S2 not
    assert [r.customer_ref for r in silent_customers(ctx_a, dt.date(2025, 10, 1), 30)] == \
        ["S6", "S3", "S1"]
    with pytest.raises(ValidationFailed) as exc:
        silent_customers(ctx_a, AS_OF, 0)
    assert set(exc.value.errors) == {"days"}


def test_silent_cli_prints_local_times(ctx_a, rt, monkeypatch):
    seed(ctx_a)
    monkeypatch.setattr(common, "_runtime", rt)
    result = CliRunner().invoke(cli, ["customers", "silent", "--brand", "A",
                                      "--as-of", "2026-02-28"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "customer_ref,last_order_at,lifetime_revenue",
        "S6,2025-05-01T10:00:00+08:00,80.00",
        "S3,2025-06-01T10:00:00+08:00,130.00",
        "S1,2025-09-01T23:30:00+08:00,60.00",
    ]


def test_reactivation_counts_local_days(ctx_a, clock, rt, monkeypatch):
    seed(ctx_a)
    clock.advance(days=40)
    order(ctx_a, "S1", "2026-03-31T23:59:00", "10.00")   # last minute of the 'by' day
    order(ctx_a, "S3", "2026-04-01T00:00:30", "10.00")   # 16:00:30 UTC on 31 Mar: too late
    order(ctx_a, "S2", "2026-03-05T10:00:00", "10.00")   # S2 was not silent
    # Silent at 2026-02-28: S6, S3, S1. By 2026-03-31: S6 (1 Mar) and S1 (31 Mar) → 2 of 3.
    r = reactivation_report(ctx_a, AS_OF, dt.date(2026, 3, 31))
    assert (r.silent, r.reactivated, r.rate, r.reactivated_refs) == (
        3, 2, Decimal("66.67"), ("S1", "S6"))
    with pytest.raises(ValidationFailed) as exc:
        reactivation_report(ctx_a, AS_OF, dt.date(2026, 2, 1))
    assert set(exc.value.errors) == {"by"}
    monkeypatch.setattr(common, "_runtime", rt)
    result = CliRunner().invoke(cli, ["customers", "reactivation", "--brand", "A",
                                      "--silent-at", "2026-02-28", "--by", "2026-03-31"])
    assert result.output.splitlines() == ["silent_at,by,days,silent,reactivated,rate",
                                          "2026-02-28,2026-03-31,180,3,2,66.67"]


class UpdateRecorder:
    def __init__(self):
        self.changes = []

    @hookimpl
    def crm_customer_updated(self, ctx, customers):
        self.changes.extend((c.customer_ref, c.changes) for c in customers)


def stage(ctx, ref):
    customer = get_by_ref(ctx, Customer, ref)
    ctx.session.refresh(customer)
    return customer.lifecycle_stage


def test_churned_stage_job_and_advocates(ctx_a, ctx_b):
    rec = UpdateRecorder()
    ctx_a.registry = registry_with(({"name": "rec", "version": "1"}, rec))
    enable_modules(ctx_a, ["rec"])
    seed_catalogue(ctx_a)
    customers(ctx_a, "L1", "L2", "L3", "L4", "L5")
    order(ctx_a, "L1", "2025-01-10T10:00:00", "10.00")
    order(ctx_a, "L2", "2025-01-10T10:00:00", "10.00")
    order(ctx_a, "L2", "2025-02-10T10:00:00", "10.00")
    order(ctx_a, "L3", "2026-01-01T10:00:00", "10.00")
    order(ctx_a, "L5", "2025-01-10T10:00:00", "10.00")
    l5 = get_by_ref(ctx_a, Customer, "L5")
    mark_advocate(ctx_a, l5.id)
    mark_advocate(ctx_a, l5.id)  # idempotent: one event
    assert rec.changes == [("L5", {"lifecycle_stage": ("first_purchase", "advocate")})]
    with pytest.raises(NotFound):
        mark_advocate(ctx_b, l5.id)
    # Today (Shanghai) is 2026-03-02; 180 days back reaches 2025-09-04: L1, L2, L5 silent.
    assert mark_churned(ctx_a) == {"churned": 2, "restored": 0}
    assert [stage(ctx_a, r) for r in ("L1", "L2", "L3", "L4", "L5")] == [
        LifecycleStage.CHURNED, LifecycleStage.CHURNED, LifecycleStage.FIRST_PURCHASE,
        LifecycleStage.PROSPECT, LifecycleStage.ADVOCATE]
    assert mark_churned(ctx_a) == {"churned": 0, "restored": 0}
    order(ctx_a, "L1", "2026-03-01T10:00:00", "10.00")   # L1 comes back: repeat buyer
    assert stage(ctx_a, "L1") == LifecycleStage.REPEAT
    assert mark_churned(ctx_a) == {"churned": 0, "restored": 0}
    set_settings(ctx_a, {"lifecycle.silent_days": 500})
    # 500 days back from 2026-03-02 reaches 2024-10-19: L2 (Feb 2025) is no longer silent
    assert mark_churned(ctx_a) == {"churned": 0, "restored": 1}
    assert stage(ctx_a, "L2") == LifecycleStage.REPEAT
