"""The row policy, model by model: a rep user reaches exactly their own rows, through the
lookups and through every listing that asks the policy; brand-wide users reach all."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.errors import NotFound
from core.leads.models import Lead
from core.leads.services import create_lead
from core.models import Customer, Interaction, Order, Rep, Return, Task
from core.services.activities import create_interaction, create_task
from core.services.customers import create_customer
from core.services.orders import create_order, create_return
from core.services.products import create_product
from core.services.reps import create_rep
from core.services.scoping import get_by_id, policy, scoped

MODELS = (Customer, Order, Return, Interaction, Task, Lead, Rep)


def _two_reps(ctx):
    """R1 and R2, each with a customer, a paid order, a return, an interaction (recorded
    by the owner) and a task; R2's customer also has an interaction recorded by R1."""
    create_product(ctx, {"sku": "P1", "name": "面霜", "category": "cosmetics",
                         "list_price": "100.00"})
    for i, rep in enumerate(("R1", "R2"), start=1):
        create_rep(ctx, {"rep_ref": rep, "name": f"代表{i}", "status": "active",
                         "joined_on": "2025-01-01"})
        create_customer(ctx, {"customer_ref": f"C{i}", "name": f"客户{i}", "rep_ref": rep})
        create_order(ctx, {"order_ref": f"O{i}", "customer_ref": f"C{i}", "status": "paid",
                           "ordered_at": "2026-03-01T10:00:00",
                           "lines": [{"sku": "P1", "quantity": 2, "unit_price": "100.00"}]})
        create_return(ctx, {"return_ref": f"RT{i}", "order_ref": f"O{i}",
                            "requested_at": "2026-03-01T12:00:00",
                            "lines": [{"sku": "P1", "quantity": 1, "amount": "100.00"}]})
        create_interaction(ctx, {"customer_ref": f"C{i}", "rep_ref": rep, "kind": "call",
                                 "occurred_at": "2026-03-01T09:00:00", "summary": rep})
        create_task(ctx, {"title": f"回访{i}", "customer_ref": f"C{i}", "rep_ref": rep,
                          "due_at": "2026-03-03T10:00:00"})
        create_lead(ctx, {"lead_ref": f"L{i}", "name": f"线索{i}", "phone": f"1390000000{i}",
                          "channel": "event"}, assign=False)
    create_interaction(ctx, {"customer_ref": "C2", "rep_ref": "R1", "kind": "visit",
                             "occurred_at": "2026-03-01T11:00:00", "summary": "R1 on C2"})
    reps = dict(ctx.session.execute(select(Rep.rep_ref, Rep.id)).all())
    with ctx.write() as session:  # hand each rep one lead
        for i, rep in enumerate(("R1", "R2"), start=1):
            session.get(Lead, ctx.session.scalar(select(Lead.id).where(
                Lead.lead_ref == f"L{i}"))).rep_id = reps[rep]
    return reps


def test_a_rep_reaches_exactly_their_own_rows(ctx_a):
    reps = _two_reps(ctx_a)
    everything = {m: set(ctx_a.session.scalars(scoped(ctx_a, m).with_only_columns(m.id)))
                  for m in MODELS}
    ctx_a.rep_scope_id = reps["R1"]
    mine = {m: set(ctx_a.session.scalars(scoped(ctx_a, m).with_only_columns(m.id)))
            for m in MODELS}
    c1 = ctx_a.session.scalar(select(Customer.id).where(Customer.customer_ref == "C1"))
    o1 = ctx_a.session.scalar(select(Order.id).where(Order.order_ref == "O1"))
    # Worked out from the seed: R1's customer C1, its order and return, the interaction
    # with C1 (not the one R1 recorded on C2), R1's task and lead, R1's own profile.
    assert mine[Customer] == {c1}
    assert mine[Order] == {o1}
    assert mine[Return] == set(ctx_a.session.scalars(select(Return.id).where(
        Return.order_id == o1)))
    assert mine[Interaction] == set(ctx_a.session.scalars(select(Interaction.id).where(
        Interaction.customer_id == c1)))
    assert len(mine[Task]) == len(mine[Lead]) == len(mine[Rep]) == 1
    assert mine[Rep] == {reps["R1"]}
    for model in MODELS:
        assert mine[model] < everything[model], model
        for other in everything[model] - mine[model]:
            with pytest.raises(NotFound):
                get_by_id(ctx_a, model, other)


def test_writing_interactions_needs_authorship(ctx_a):
    reps = _two_reps(ctx_a)
    ctx_a.rep_scope_id = reps["R2"]
    on_c2 = set(ctx_a.session.scalars(select(Interaction.id).where(
        *policy(ctx_a, Interaction))))
    writable = set(ctx_a.session.scalars(select(Interaction.id).where(
        *policy(ctx_a, Interaction, write=True))))
    # R2 reads both interactions with C2, and may change only the one they recorded.
    assert len(on_c2) == 2 and len(writable) == 1 and writable < on_c2
