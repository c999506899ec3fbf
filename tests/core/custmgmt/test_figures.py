"""Figures per brand and per rep, worked out by hand."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from click.testing import CliRunner

from core.analytics.figures import figures
from core.cli import common
from core.cli.common import cli
from core.leads.models import Lead, LeadChannel, LeadStatus
from core.models import Rep, Task, TaskStatus
from core.services.scoping import get_by_ref
from core.services.settings import set_settings
from tests.core.custmgmt.helpers import customers, order, refund, seed_catalogue

AS_OF = dt.date(2026, 2, 28)  # period: the 365 local days 2025-03-01 .. 2026-02-28
SH = dt.timezone(dt.timedelta(hours=8))


def task(ctx, rep, due, status, done=None, key=None):
    rep_id = get_by_ref(ctx, Rep, rep).id
    with ctx.write() as s:
        s.add(Task(brand_id=ctx.brand_id, rep_id=rep_id, title="follow up", due_at=due,
                   status=status, done_at=done, rule_key=key, created_at=ctx.now()))


def lead(ctx, ref, rep, converted_at):
    rep_id = get_by_ref(ctx, Rep, rep).id
    status = LeadStatus.CONVERTED if converted_at else LeadStatus.NEW
    with ctx.write() as s:
        s.add(Lead(brand_id=ctx.brand_id, lead_ref=ref, name=ref, channel=LeadChannel.EVENT,
                   status=status, rep_id=rep_id, converted_at=converted_at,
                   created_at=ctx.now(), updated_at=ctx.now()))


def seed(ctx):
    seed_catalogue(ctx, reps=("R1", "R2"))
    lead(ctx, "L1", "R1", dt.datetime(2025, 7, 1, 2, tzinfo=dt.UTC))    # converted in period
    lead(ctx, "L2", "R2", dt.datetime(2025, 9, 1, 2, tzinfo=dt.UTC))    # converted in period
    # 15:59 UTC on 28 Feb is 23:59 local, the day before the period; L4 is still open
    lead(ctx, "L3", "R1", dt.datetime(2025, 2, 28, 15, 59, tzinfo=dt.UTC))
    lead(ctx, "L4", "R1", None)
    customers(ctx, "F1", "F2", "F4", rep="R1")
    customers(ctx, "F3", "F5", rep="R2")
    order(ctx, "F1", "2025-01-10T10:00:00", "100.00", rep="R1")   # before the period
    order(ctx, "F1", "2025-06-01T10:00:00", "200.00", rep="R1")
    order(ctx, "F1", "2025-08-01T10:00:00", "100.00", rep="R2")
    o2 = order(ctx, "F2", "2025-07-01T10:00:00", "300.00", rep="R1")
    refund(ctx, o2, "100.00", "2025-07-05T10:00:00")
    order(ctx, "F3", "2025-09-01T10:00:00", "400.00", rep="R2")
    order(ctx, "F5", "2025-10-01T10:00:00", "999.00", rep="R2", status="cancelled")
    t = dt.datetime(2025, 6, 1, 10, tzinfo=SH)
    task(ctx, "R1", t, TaskStatus.DONE, t - dt.timedelta(days=1), "t1")        # on time
    task(ctx, "R1", t + dt.timedelta(days=1), TaskStatus.DONE,
         t + dt.timedelta(days=2), "t2")                                        # late
    task(ctx, "R2", t + dt.timedelta(days=2), TaskStatus.OPEN, None, "t3")      # not done
    task(ctx, "R1", t + dt.timedelta(days=3), TaskStatus.CANCELLED, None, "t4")  # ignored
    task(ctx, "R1", dt.datetime(2024, 12, 1, tzinfo=SH), TaskStatus.DONE,
         dt.datetime(2024, 11, 30, tzinfo=SH), "t5")                            # outside


def test_brand_figures(ctx_a):
    seed(ctx_a)
    f = figures(ctx_a, as_of=AS_OF)
    # Period orders: F1 200 + 100, F2 300 − 100 refund, F3 400 → 4 orders, 3 buyers, 900.00
    assert (f.orders, f.buyers, f.revenue) == (4, 3, Decimal("900.00"))
    assert f.aov == Decimal("225.00")                   # 900 / 4
    assert f.repurchase_rate == Decimal("33.33")        # F1 only: 1 / 3
    assert f.purchases_per_year == Decimal("1.33")      # 4 / 3 × 365 / 365
    # First-to-last spans: F1 2025-01-10 .. 2025-08-01 = 203 days; F2 0; F3 0.
    # Mean 203 / 3 days = 203 / 1095 years = 0.1853…, plus one purchase interval
    # 1 / (4/3) = 0.75 year → 0.9353… → 0.94
    assert f.years_retained == Decimal("0.94")
    # LTV = 225 × 4/3 × (203/1095 + 3/4) = 300 × 203 / 1095 + 225 = 55.616… + 225
    #     = 280.616… → 280.62 (at least the AOV: every buyer bought at least once)
    assert f.ltv == Decimal("280.62") and f.ltv >= f.aov
    assert f.new_customers == 2                         # F2, F3 (F1 first bought in Jan 2025)
    # Tasks due in the period, not cancelled: t1 (on time), t2 (late), t3 (open) → 1/3
    assert (f.tasks_due, f.tasks_on_time, f.follow_up_timeliness) == (3, 1, Decimal("33.33"))
    assert f.leads_converted == 2                       # L1, L2


def test_rep_figures_and_fixed_retention(ctx_a, rt, monkeypatch):
    seed(ctx_a)
    f = figures(ctx_a, "R1", as_of=AS_OF)
    # R1's period orders: F1 200, F2 300 − 100 → 2 orders, 2 buyers, 400.00
    assert (f.orders, f.buyers, f.revenue, f.aov) == (2, 2, Decimal("400.00"),
                                                      Decimal("200.00"))
    assert (f.repurchase_rate, f.purchases_per_year) == (Decimal("0.00"), Decimal("1.00"))
    # Spans of R1's orders: F1 2025-01-10 .. 2025-06-01 = 142 days; F2 0. Mean 71 days
    # = 0.1945… years, plus one interval 1 / 1 = 1 year → 1.1945… → 1.19
    # LTV = 200 × 1 × (71/365 + 1) = 38.904… + 200 = 238.904… → 238.90
    assert (f.years_retained, f.ltv) == (Decimal("1.19"), Decimal("238.90"))
    assert f.new_customers == 1                          # F2
    assert f.leads_converted == 1                        # L1 (L3 a minute before the period)
    assert (f.tasks_due, f.tasks_on_time, f.follow_up_timeliness) == (2, 1, Decimal("50.00"))
    set_settings(ctx_a, {"figures.years_retained": "3"})
    # LTV = 225 × 4/3 × 3 = 900.00
    assert figures(ctx_a, as_of=AS_OF).ltv == Decimal("900.00")
    monkeypatch.setattr(common, "_runtime", rt)
    result = CliRunner().invoke(cli, ["figures", "--brand", "A", "--rep", "R1",
                                      "--as-of", "2026-02-28", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["aov"], data["ltv"], data["new_customers"]) == ("200.00", "600.00", 1)
    bad = CliRunner().invoke(cli, ["figures", "--brand", "A", "--rep", "NOPE"])
    assert bad.exit_code == 1 and "NOPE" in bad.output


def test_empty_brand_has_no_ratios(ctx_b):
    f = figures(ctx_b, as_of=AS_OF)
    assert (f.orders, f.aov, f.repurchase_rate, f.ltv, f.follow_up_timeliness,
            f.leads_converted) == (0, None, None, None, None, 0)
