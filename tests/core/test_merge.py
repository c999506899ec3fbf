"""Duplicate detection and merging: history union, refs, the hook, all-or-nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.errors import DomainError, NotFound, ValidationFailed
from core.hookspecs import hookimpl
from core.leads.models import Lead, LeadChannel, LeadStatus
from core.models import (
    Customer,
    CustomerTag,
    Interaction,
    LifecycleStage,
    Order,
    Task,
    TaskStatus,
)
from core.services.merge import DuplicateGroup, duplicate_groups, merge_customers
from core.services.modules import enable_modules
from core.services.products import create_product
from core.services.scoping import get_by_ref
from tests.core.tasks_helpers import (  # noqa: F401
    customer,
    interaction,
    order,
    rep,
    run_cli_fixture,
    utc,
)
from tests.core.test_modules import registry_with


class MergeRecorder:
    def __init__(self):
        self.calls = []

    @hookimpl
    def crm_customers_merged(self, ctx, survivor_id, merged_ids):
        self.calls.append((ctx.brand.code, survivor_id, list(merged_ids)))


def add_lead(ctx, ref, **kw):
    with ctx.write() as session:
        lead = Lead(brand_id=ctx.brand_id, lead_ref=ref, name=ref, channel=LeadChannel.REFERRAL,
                    score=0, status=LeadStatus.NEW, created_at=ctx.now(),
                    updated_at=ctx.now(), **kw)
        session.add(lead)
        session.flush()
        return lead.id


@pytest.fixture()
def dupes(ctx_a):
    rep(ctx_a, "R1")
    rep(ctx_a, "R2")
    c1 = customer(ctx_a, "C1", "R1", phone="13800000001", wechat_id="wx_li",
                  tags=["vip", "abc:A"])
    c2 = customer(ctx_a, "C2", "R2", phone="+86 138-0000-0001", birthday="1990-01-01",
                  email="li@example.com", tags=["vip", "event"])
    c3 = customer(ctx_a, "C3", "R2", wechat_id=" WX_LI ")
    customer(ctx_a, "C4", "R1", phone="13900000009")
    create_product(ctx_a, {"sku": "P1", "name": "Cream", "category": "cosmetics",
                           "list_price": "100.00"})
    for ref, cref in (("O1", "C1"), ("O2", "C2"), ("O3", "C3")):
        order(ctx_a, ref, cref, "2026-02-01T10:00:00", [("P1", 1, "100.00")])
    interaction(ctx_a, c2.id, utc(2026, 2, 2, 2))
    with ctx_a.write() as session:
        for cid, key in ((c2.id, "profile:x2"), (c3.id, "profile:x3")):
            session.add(Task(brand_id=ctx_a.brand_id, customer_id=cid, title="t", kind="profile",
                             due_at=utc(2026, 3, 3), rule_key=key, created_at=ctx_a.now()))
    referred = add_lead(ctx_a, "L1", referrer_customer_id=c2.id)
    converted = add_lead(ctx_a, "L2", customer_id=c3.id)
    return c1, c2, c3, referred, converted


def test_duplicate_groups_by_phone_and_wechat(ctx_a, dupes):
    # C1 and C2 share 13800000001 (any formatting); C1 and C3 share wx_li (any case)
    assert duplicate_groups(ctx_a) == [DuplicateGroup("phone", ("C1", "C2")),
                                       DuplicateGroup("wechat", ("C1", "C3"))]


def test_merge_moves_history_to_the_survivor(ctx_a, dupes):
    c1, c2, c3, referred, converted = dupes
    rec = MergeRecorder()
    ctx_a.registry = registry_with(({"name": "rec", "version": "1"}, rec))
    enable_modules(ctx_a, ["rec"])
    survivor = merge_customers(ctx_a, "C1", ["C2", "C3"])
    assert survivor.id == c1.id
    s = ctx_a.session
    assert s.scalar(select(func.count()).where(Order.customer_id == c1.id)) == 3
    assert s.scalar(select(func.count()).where(Interaction.customer_id == c1.id)) == 1
    # both "complete the profile" tasks moved; one is enough: the older stays open
    assert s.execute(select(Task.rule_key, Task.status).where(Task.customer_id == c1.id)
                     .order_by(Task.id)).all() == [("profile:x2", TaskStatus.OPEN),
                                                   ("profile:x3", TaskStatus.CANCELLED)]
    assert s.get(Lead, referred).referrer_customer_id == c1.id
    assert s.get(Lead, converted).customer_id == c1.id
    # tags: {vip, abc:A} ∪ {vip, event} ∪ {} — one row each, all on the survivor
    assert sorted(s.scalars(select(CustomerTag.tag).where(CustomerTag.customer_id == c1.id))) \
        == ["abc:A", "event", "vip"]
    assert s.scalar(select(func.count()).where(CustomerTag.customer_id.in_([c2.id, c3.id]))) == 0
    # blank fields filled from C2; C1's own values and rep kept
    assert survivor.birthday == dt.date(1990, 1, 1)
    assert survivor.email == "li@example.com"
    assert survivor.rep.rep_ref == "R1"
    # 3 paid orders now: a repeat buyer
    assert survivor.lifecycle_stage == LifecycleStage.REPEAT
    # merged rows kept, marked, still found by their ref
    for c in (c2, c3):
        s.refresh(c)
        assert c.merged_into_id == c1.id
        assert get_by_ref(ctx_a, Customer, c.customer_ref).merged_into_id == c1.id
    assert rec.calls == [("A", c1.id, [c2.id, c3.id])]
    assert duplicate_groups(ctx_a) == []
    (entry,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "merge")).all()
    assert (entry.record_type, entry.record_id, entry.actor) == ("customers", str(c1.id),
                                                                 "tester")
    assert entry.details["merged"] == ["C2", "C3"]
    assert entry.details["moved"] == {"orders": 2, "interactions": 1, "tasks": 2, "leads": 1}


def test_merge_chain_points_at_the_final_survivor(ctx_a, dupes):
    c1, c2, _c3, _r, _c = dupes
    c5 = customer(ctx_a, "C5", "R1")
    merge_customers(ctx_a, "C2", ["C5"])
    merge_customers(ctx_a, "C1", ["C2"])
    ctx_a.session.refresh(c5)
    assert c5.merged_into_id == c1.id


def test_merge_refusals_change_nothing(ctx_a, ctx_b, dupes):
    c1, c2, _c3, _r, _c = dupes
    with pytest.raises(ValidationFailed) as exc:
        merge_customers(ctx_a, "C1", ["C1"])
    assert set(exc.value.errors) == {"merged"}
    with pytest.raises(NotFound):
        merge_customers(ctx_a, "C1", ["C2", "NOPE"])
    with pytest.raises(NotFound):
        merge_customers(ctx_b, "C1", ["C2"])  # brand B cannot see brand A's customers
    ctx_a.session.rollback()
    assert ctx_a.session.scalar(select(Order.customer_id).where(Order.order_ref == "O2")) \
        == c2.id
    merge_customers(ctx_a, "C1", ["C2"])
    with pytest.raises(DomainError) as exc:
        merge_customers(ctx_a, "C4", ["C2"])
    assert exc.value.code == "already_merged"


def test_cli_duplicates_and_merge(ctx_a, dupes, run_cli):
    result = run_cli("customers", "duplicates", "--brand", "A")
    assert result.output.splitlines() == ["group,match,customer_refs", "1,phone,C1 C2",
                                          "2,wechat,C1 C3"]
    result = run_cli("customers", "merge", "--brand", "A", "C1", "C2", "C3")
    assert result.exit_code == 0, result.output
    assert run_cli("customers", "duplicates", "--brand", "A").output.splitlines() == [
        "group,match,customer_refs"]
