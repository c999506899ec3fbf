"""The demo brand: built through the import and services, coherent, and idempotent.

The clock is 2026-03-20 02:00 UTC (10:00 local in Asia/Shanghai): "this month" has twenty
days of orders.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from core.analytics.figures import figures
from core.demo import DEMO_FINDINGS, PRODUCTS, build_demo
from core.leads.models import Lead, LeadStatus
from core.models import (
    Customer,
    Interaction,
    LifecycleStage,
    Order,
    OrderStatus,
    Product,
    Rep,
    Return,
    Task,
    TaskStatus,
)
from core.services.churn_risk import assess, at_risk_customers
from core.services.figures import dashboard_figures
from core.services.merge import duplicate_groups
from core.services.reps import expiring_certificates

N = 120


def _counts(ctx):
    out = {m.__name__: ctx.session.scalar(select(func.count()).select_from(m))
           for m in (Rep, Customer, Product, Order, Return, Interaction, Task, Lead)}
    ctx.session.rollback()
    return out


def test_demo_is_coherent_and_builds_once(make_ctx, clock):
    clock.value = dt.datetime(2026, 3, 20, 2, tzinfo=dt.UTC)
    first = build_demo(make_ctx, customers=N)
    assert first.created_brand and sorted(first.enabled) == [
        "complaints", "compliance", "kyc", "loyalty", "referral"]
    ctx = make_ctx("DEMO")
    counts = _counts(ctx)
    # N customers (those who came in as leads were made from their lead) + 3 entered twice
    assert counts["Rep"] == 8 and counts["Customer"] == N + 3 == N + first.duplicates
    assert counts["Product"] == len(PRODUCTS)
    assert {p.category for p in ctx.session.scalars(select(Product))} == {
        "cosmetics", "cleaning", "health_food", "health_equipment", "kitchenware", "appliances"}
    # The CLI's "orders: N imported" counts orders, not the file's line rows.
    orders = first.imports["orders"]
    assert orders.units["orders"] == counts["Order"] < orders.imported

    # Customers joined before their first order, over many months (not all "now").
    firsts = dict(ctx.session.execute(select(Order.customer_id, func.min(Order.ordered_at))
                                      .group_by(Order.customer_id)).all())
    joined = dict(ctx.session.execute(select(Customer.id, Customer.created_at)).all())
    assert firsts and all(joined[cid] < at for cid, at in firsts.items())
    now = ctx.now()
    assert all(j <= now for j in joined.values())
    assert len({(j.year, j.month) for j in joined.values()}) >= 6

    # Interactions: by the customer's rep (named), never before the customer existed.
    rows = ctx.session.execute(select(Interaction.occurred_at, Interaction.created_by,
                                      Interaction.rep_id, Customer.created_at, Customer.rep_id)
                               .join(Customer, Customer.id == Interaction.customer_id)).all()
    rep_names = set(ctx.session.scalars(select(Rep.name)))
    assert rows and all(at >= created and at <= now for at, _b, _r, created, _c in rows)
    assert {by for _a, by, _r, _c, _o in rows} <= rep_names
    assert all(rep_id == owner for _a, _b, rep_id, _c, owner in rows)

    # Leads: converted ones (their customer's first paid order), open ones and lost ones.
    statuses = dict(ctx.session.execute(select(Lead.status, func.count())
                                        .group_by(Lead.status)).all())
    assert statuses[LeadStatus.CONVERTED] >= 1 and statuses[LeadStatus.LOST] >= 1
    assert statuses.get(LeadStatus.NEW, 0) + statuses.get(LeadStatus.CONTACTED, 0) >= 1

    # Reactivation tasks only for churned customers, none who ordered in the last 180 days.
    reactivation = ctx.session.execute(
        select(Customer.lifecycle_stage, func.max(Order.ordered_at))
        .join(Task, Task.customer_id == Customer.id)
        .join(Order, Order.customer_id == Customer.id)
        .where(Task.kind == "reactivation", Task.status == TaskStatus.OPEN,
               Order.status == OrderStatus.PAID)
        .group_by(Customer.id, Customer.lifecycle_stage)).all()
    assert reactivation and all(stage == LifecycleStage.CHURNED
                                and last < now - dt.timedelta(days=180)
                                for stage, last in reactivation)
    # Past follow-ups: most done on time, some late, each with the call that did it.
    done = ctx.session.execute(select(Task.due_at, Task.done_at).where(
        Task.kind == "followup", Task.status == TaskStatus.DONE)).all()
    late = sum(1 for due, at in done if at > due)
    assert 0 < late < len(done) / 2

    # Duplicates to merge, a certificate about to expire (R003, in 30 days).
    assert len(duplicate_groups(ctx)) >= first.duplicates == 3
    assert "R003" in [r.rep_ref for r in expiring_certificates(ctx)]
    assert ctx.session.scalar(select(func.count()).where(Task.kind == "certificate")) >= 1

    # Every dashboard tile the demo should fill is filled, and LTV >= AOV.
    fig = dashboard_figures(ctx)
    assert fig.sales_this_month > 0 and fig.orders_this_month > 0
    assert fig.customers_total == N + 3 and fig.overdue_total > 0
    stages = dict(fig.stages)
    for stage in ("prospect", "first_purchase", "repeat", "advocate", "churned"):
        assert stages[stage] > 0, stage
    assert fig.segments and all(seg != "-" for seg, _n in fig.segments)
    f = figures(ctx)
    for name in ("orders", "buyers", "revenue", "aov", "repurchase_rate", "ltv",
                 "new_customers", "follow_up_timeliness", "leads_converted"):
        assert getattr(f, name), name
    assert f.ltv >= f.aov
    # "At risk" is a short list, not most buyers.
    assert 0 < len(at_risk_customers(ctx)) <= len(assess(ctx)) * 0.4

    # Three pending orders carry a deposit (about 30%, less than the total): the orders
    # list shows them partly paid with their balance (#18).
    from core.services.browse import search_orders
    from core.services.payments import balance_due, paid_amount

    partly = search_orders(ctx, payment_state="partly_paid").items
    assert len(partly) == 3
    assert all(0 < paid_amount(o) < o.total_amount and balance_due(o) > 0 for o in partly)
    deposits = sorted(paid_amount(o) for o in partly)
    ctx.session.rollback()

    # A second run adds nothing.
    ctx.session.rollback()
    second = build_demo(make_ctx, customers=N)
    assert second.backdated == 0 and set(second.segment_changes.values()) == {0}
    assert not second.created_brand and second.enabled == []
    assert all(r.imported == 0 for r in second.imports.values())
    assert second.interactions == 0 and second.leads == 0 and second.duplicates == 0
    assert second.tasks == 0
    assert _counts(ctx) == counts
    assert sorted(paid_amount(o) for o in search_orders(
        ctx, payment_state="partly_paid").items) == deposits  # no second deposit


def test_demo_compliance_findings_are_only_the_deliberate_ones(make_ctx, clock):
    clock.value = dt.datetime(2026, 3, 20, 2, tzinfo=dt.UTC)
    build_demo(make_ctx, customers=N)
    ctx = make_ctx("DEMO")
    from plugins.compliance.services import parse_period, run_checks

    month = ctx.local_today().strftime("%Y-%m")
    results = {r.rule_id: r for r in run_checks(ctx, parse_period(ctx, month))}
    ds10 = results["DS10"]  # the demo's categories are the CN pack's
    assert (ds10.status, ds10.checked, ds10.failed) == ("pass", len(PRODUCTS), 0)
    findings = {rule for rule, r in results.items() if r.status in ("fail", "warn")}
    assert findings and findings <= set(DEMO_FINDINGS)
    # The consents, referrals, tickets and rewards of the modules are there.
    from plugins.complaints.models import Ticket
    from plugins.kyc.models import ConsentRecord
    from plugins.loyalty.models import LoyaltyRewardRedemption
    from plugins.referral.models import Referral

    for model in (Ticket, ConsentRecord, LoyaltyRewardRedemption, Referral):
        assert ctx.session.scalar(select(func.count()).select_from(model)), model


def test_login_page_speaks_the_only_brands_language(rt, make_ctx, clock):
    """Signed out on an installation with one brand (the demo's), the login page is in
    that brand's language, as the app will be after signing in; a browser asking for
    English does not make the two differ."""
    from core.services.brands import create_brand
    from core.web.app import create_app

    ctx = make_ctx(None)
    create_brand(ctx, {"code": "ONE", "name": "美悦", "currency": "CNY",
                       "timezone": "Asia/Shanghai", "jurisdiction": "CN",
                       "locale": "zh_Hans_CN"})
    app = create_app(rt, {"TESTING": True, "DIRECTCRM_CLOCK": clock})
    page = app.test_client().get("/login/", headers={"Accept-Language": "en-US,en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'lang="zh' in html and "登录" in html
    create_brand(ctx, {"code": "TWO", "name": "Two", "currency": "TWD",
                       "timezone": "Asia/Taipei", "jurisdiction": "TW",
                       "locale": "zh_Hant_TW"})
    html = app.test_client().get("/login/", headers={"Accept-Language": "en-US,en"}
                                 ).get_data(as_text=True)
    assert 'lang="en' in html  # several brands: the browser's language
