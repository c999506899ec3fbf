"""The demo brand: built through the import and services, and idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from core.demo import PRODUCTS, build_demo
from core.models import Customer, Interaction, Order, Product, Rep, Return, Task


def test_demo_builds_once(make_ctx):
    first = build_demo(make_ctx, customers=40)
    assert first.created_brand and sorted(first.enabled) == ["compliance", "loyalty"]
    ctx = make_ctx("DEMO")
    counts = {m.__name__: ctx.session.scalar(select(func.count()).select_from(m))
              for m in (Rep, Customer, Product, Order, Return, Interaction, Task)}
    assert counts["Rep"] == 8 and counts["Customer"] == 40
    assert counts["Product"] == len(PRODUCTS)
    assert {p.category for p in ctx.session.scalars(select(Product))} == {
        "cosmetics", "cleaning", "health_food", "health_equipment", "kitchenware", "appliances"}
    assert counts["Order"] > 40 and counts["Interaction"] > 0
    assert counts["Task"] == 10  # one task for every fourth of 40 customers
    assert first.imports["orders"].imported > 0
    # Customers joined before their first order, over many months (not all "now").
    firsts = dict(ctx.session.execute(select(Order.customer_id, func.min(Order.ordered_at))
                                      .group_by(Order.customer_id)).all())
    joined = dict(ctx.session.execute(select(Customer.id, Customer.created_at)).all())
    assert first.backdated == 40
    assert firsts and all(joined[cid] < at for cid, at in firsts.items())
    now = ctx.now()
    assert all(j <= now for j in joined.values())
    assert len({(j.year, j.month) for j in joined.values()}) >= 6
    # Segments are computed at the end (the nightly job's schemes): every customer has
    # an ABC segment, so the dashboard's segment chart is not empty.
    from core.segmentation.models import CustomerSegment

    abc = ctx.session.scalar(select(func.count()).where(CustomerSegment.scheme == "abc"))
    assert first.segment_changes["abc"] == abc == 40
    # The demo passes its own DS10 check (its categories are the CN pack's).
    from plugins.compliance.services import parse_period, run_checks

    month = ctx.local_today().strftime("%Y-%m")
    [ds10] = [r for r in run_checks(ctx, parse_period(ctx, month)) if r.rule_id == "DS10"]
    assert (ds10.status, ds10.checked, ds10.failed) == ("pass", len(PRODUCTS), 0)
    ctx.session.rollback()
    second = build_demo(make_ctx, customers=40)
    assert second.backdated == 0 and set(second.segment_changes.values()) == {0}
    assert not second.created_brand and second.enabled == []
    assert all(r.imported == 0 for r in second.imports.values())
    assert second.interactions == 0
    again = {m.__name__: ctx.session.scalar(select(func.count()).select_from(m))
             for m in (Rep, Customer, Product, Order, Return, Interaction, Task)}
    assert again == counts
