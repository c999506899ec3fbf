"""Rep offboarding (to one rep, spread by capacity), handover records, protection period."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.errors import DomainError, RuleViolation, ValidationFailed
from core.events import HandoverMove
from core.handover.models import Handover, HandoverItem
from core.handover.services import offboard_rep, reassign_customers
from core.hookspecs import hookimpl
from core.leads.models import Lead, LeadAssignment, LeadChannel, LeadStatus
from core.models import Customer, Order, Rep, RepStatus, RepStatusChange, Task, TaskStatus
from core.services.modules import enable_modules
from core.services.products import create_product
from core.services.reps import change_rep_status
from core.services.scoping import get_by_ref
from core.services.settings import set_settings
from tests.core.tasks_helpers import customer, order, rep, run_cli_fixture, utc  # noqa: F401
from tests.core.test_modules import registry_with


class OffboardRecorder:
    def __init__(self):
        self.calls = []

    @hookimpl
    def crm_rep_offboarded(self, ctx, rep_id, handover):
        self.calls.append((rep_id, list(handover)))


def add_task(ctx, rep_id, customer_id, status=TaskStatus.OPEN):
    with ctx.write() as session:
        t = Task(brand_id=ctx.brand_id, rep_id=rep_id, customer_id=customer_id, title="t",
                 due_at=utc(2026, 3, 5), status=status, created_at=ctx.now())
        session.add(t)
        session.flush()
        return t.id


def add_lead(ctx, ref, rep_id, status=LeadStatus.NEW):
    with ctx.write() as session:
        lead = Lead(brand_id=ctx.brand_id, lead_ref=ref, name=ref, channel=LeadChannel.ADS,
                    score=0, status=status, rep_id=rep_id, assigned_at=utc(2026, 2, 1),
                    created_at=ctx.now(), updated_at=ctx.now())
        session.add(lead)
        session.flush()
        return lead.id


def ids(ctx, model, refs):
    col = {Customer: Customer.customer_ref, Rep: Rep.rep_ref, Lead: Lead.lead_ref}[model]
    return dict(ctx.session.execute(select(col, model.id).where(model.brand_id == ctx.brand_id,
                                                                col.in_(refs))).all())


@pytest.fixture()
def team(ctx_a):
    """Leaving rep L with customers K1..K5; T1 (capacity 5, holds 3), T2 (capacity 4, holds
    0), T3 (capacity 3, holds 1): spare capacity T1 = 2, T2 = 4, T3 = 2."""
    leaving = rep(ctx_a, "L")
    t1, t2, t3 = rep(ctx_a, "T1", capacity=5), rep(ctx_a, "T2", capacity=4), \
        rep(ctx_a, "T3", capacity=3)
    for ref in ("X1", "X2", "X3"):
        customer(ctx_a, ref, "T1")
    customer(ctx_a, "Y1", "T3")
    ks = {ref: customer(ctx_a, ref, "L").id for ref in ("K1", "K2", "K3", "K4", "K5")}
    create_product(ctx_a, {"sku": "P1", "name": "Cream", "category": "cosmetics",
                           "list_price": "100.00"})
    order(ctx_a, "O1", "K1", "2026-02-01T10:00:00", [("P1", 1, "100.00")])
    tasks = {"k3": add_task(ctx_a, leaving.id, ks["K3"]),
             "k5": add_task(ctx_a, leaving.id, ks["K5"]),
             "k1_done": add_task(ctx_a, leaving.id, ks["K1"], status=TaskStatus.DONE),
             "none": add_task(ctx_a, leaving.id, None)}
    add_lead(ctx_a, "LX", t1.id)  # T1 already works one open lead
    leads = {ref: add_lead(ctx_a, ref, leaving.id) for ref in ("LA", "LB", "LC")}
    leads["LD"] = add_lead(ctx_a, "LD", leaving.id, status=LeadStatus.CONVERTED)
    return {"L": leaving.id, "T1": t1.id, "T2": t2.id, "T3": t3.id}, ks, tasks, leads


def test_offboard_spreads_over_the_team_by_capacity(ctx_a, team):
    reps, ks, tasks, leads = team
    rec = OffboardRecorder()
    ctx_a.registry = registry_with(({"name": "rec", "version": "1"}, rec))
    enable_modules(ctx_a, ["rec"])
    result = offboard_rep(ctx_a, "L", team=["T3", "T1", "T2"],
                          effective_on=dt.date(2026, 3, 1), reason="moved away")
    # Greedy by spare capacity (ties to the lower rep_ref), customers in ref order:
    #   start T1=2 T2=4 T3=2; K1->T2 (3); K2->T2 (2); K3: all 2 -> T1 (1);
    #   K4: T2=2 is most -> T2 (1); K5: T3=2 is most -> T3 (1).
    expected_customers = {"K1": "T2", "K2": "T2", "K3": "T1", "K4": "T2", "K5": "T3"}
    owner = {c.customer_ref: c.rep_id for c in ctx_a.session.scalars(
        select(Customer).where(Customer.customer_ref.in_(list(ks))))}
    assert owner == {k: reps[v] for k, v in expected_customers.items()}
    # Tasks follow their customer; the task without a customer goes to the member with
    # most spare after the spread (all 1 -> T1); the done task stays with L.
    task_owner = dict(ctx_a.session.execute(select(Task.id, Task.rep_id)).all())
    assert task_owner == {tasks["k3"]: reps["T1"], tasks["k5"]: reps["T3"],
                          tasks["k1_done"]: reps["L"], tasks["none"]: reps["T1"]}
    # Open leads by fewest open leads (T1 holds 1): LA->T2, LB->T3, LC: all 1 -> T1;
    # the converted lead LD stays.
    lead_owner = dict(ctx_a.session.execute(select(Lead.lead_ref, Lead.rep_id)).all())
    assert lead_owner == {"LX": reps["T1"], "LA": reps["T2"], "LB": reps["T3"],
                          "LC": reps["T1"], "LD": reps["L"]}
    # history kept: the order still credits L; L is terminated as of 1 March
    assert ctx_a.session.scalar(select(Order.rep_id)) == reps["L"]
    leaving = ctx_a.session.get(Rep, reps["L"])
    ctx_a.session.refresh(leaving)
    assert (leaving.status, leaving.left_on) == (RepStatus.TERMINATED, dt.date(2026, 3, 1))
    change = ctx_a.session.scalars(select(RepStatusChange).where(
        RepStatusChange.rep_id == reps["L"]).order_by(RepStatusChange.id.desc())).first()
    assert (change.new_status, change.reason) == (RepStatus.TERMINATED, "moved away")
    # the handover record and its items
    h = ctx_a.session.scalar(select(Handover))
    assert (h.kind, h.from_rep_id, h.customers_moved, h.tasks_moved, h.leads_moved) == \
        ("offboarding", reps["L"], 5, 3, 3)
    items = ctx_a.session.execute(select(HandoverItem.kind, HandoverItem.record_id,
                                         HandoverItem.to_rep_id)).all()
    assert len(items) == 11
    assert ("customer", ks["K4"], reps["T2"]) in items
    assert [(a.to_rep_id, a.strategy) for a in ctx_a.session.scalars(
        select(LeadAssignment).order_by(LeadAssignment.lead_id))] == [
        (reps["T2"], "offboarding"), (reps["T3"], "offboarding"), (reps["T1"], "offboarding")]
    # the hook got every move, once
    assert len(rec.calls) == 1 and rec.calls[0][0] == reps["L"]
    assert HandoverMove("customer", ks["K5"], reps["T3"]) in rec.calls[0][1]
    assert len(rec.calls[0][1]) == 11
    assert result.count("customer") == 5
    (entry,) = ctx_a.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "handover")).all()
    assert (entry.record_type, entry.record_id) == ("reps", str(reps["L"]))
    assert entry.details == {"rep": "L", "to": ["T1", "T2", "T3"], "handover": h.id,
                             "customers": 5, "tasks": 3, "leads": 3}


def test_offboard_to_one_rep(ctx_a, team):
    reps, ks, _tasks, _leads = team
    offboard_rep(ctx_a, "L", to_rep_ref="T2")
    owners = set(ctx_a.session.scalars(select(Customer.rep_id).where(
        Customer.id.in_(list(ks.values())))))
    assert owners == {reps["T2"]}
    assert set(ctx_a.session.scalars(select(Lead.rep_id).where(
        Lead.status == LeadStatus.NEW, Lead.lead_ref != "LX"))) == {reps["T2"]}


def test_offboard_refusals_change_nothing(ctx_a, team):
    reps, _ks, _tasks, _leads = team
    with pytest.raises(ValidationFailed):
        offboard_rep(ctx_a, "L")
    with pytest.raises(ValidationFailed):
        offboard_rep(ctx_a, "L", to_rep_ref="T1", team=["T2"])
    with pytest.raises(ValidationFailed):
        offboard_rep(ctx_a, "L", team=["T1", "L"])
    change_rep_status(ctx_a, "T3", "suspended")
    with pytest.raises(DomainError) as exc:
        offboard_rep(ctx_a, "L", team=["T1", "T3"])
    assert exc.value.code == "inactive_rep"
    ctx_a.session.rollback()
    assert get_by_ref(ctx_a, Rep, "L").status == RepStatus.ACTIVE
    assert ctx_a.session.scalar(select(Handover.id)) is None


def test_protection_period(ctx_a, clock):
    rep(ctx_a, "R1")
    rep(ctx_a, "R2")
    rep(ctx_a, "R3")
    # created 2026-03-02 02:00 UTC; protection 30 days -> until 2026-04-01 02:00 UTC
    customer(ctx_a, "P1", "R1")
    customer(ctx_a, "P2", "R1")
    with pytest.raises(RuleViolation) as exc:
        reassign_customers(ctx_a, ["P1"], "R2")
    assert exc.value.rule_id == "PROTECTION" and "2026-04-01" in exc.value.message
    # a manager's forced move is allowed (and recorded as a manual handover)
    reassign_customers(ctx_a, ["P2"], "R2", force=True, reason="customer asked")
    # once handed over, the protection is spent: R2 may be relieved of P2 at once
    reassign_customers(ctx_a, ["P2"], "R3")
    clock.value = utc(2026, 4, 1, 2)  # the last protected instant has passed
    reassign_customers(ctx_a, ["P1"], "R2")
    owners = dict(ctx_a.session.execute(select(Customer.customer_ref, Rep.rep_ref)
                                        .join(Rep, Rep.id == Customer.rep_id)).all())
    assert owners == {"P1": "R2", "P2": "R3"}
    kinds = list(ctx_a.session.scalars(select(Handover.kind)))
    assert kinds == ["manual", "manual", "manual"]


def test_offboarding_ignores_protection(ctx_a):
    rep(ctx_a, "R1")
    rep(ctx_a, "R2")
    customer(ctx_a, "P1", "R1")  # brand new, protected for R1
    offboard_rep(ctx_a, "R1", to_rep_ref="R2")
    assert get_by_ref(ctx_a, Customer, "P1").rep.rep_ref == "R2"


def test_cli_offboard_and_reassign(ctx_a, team, run_cli):
    result = run_cli("reps", "offboard", "--brand", "A", "L", "--team", "T1,T2",
                     "--team", "T3", "--effective-on", "2026-03-01")
    assert result.exit_code == 0, result.output
    assert "5" in result.output
    # K1 was handed over: its protection is spent
    result = run_cli("customers", "reassign", "--brand", "A", "--to", "T1", "K1")
    assert result.exit_code == 0, result.output
    # X1 was created by T1 and never handed over; the CLI runs on the real clock, so
    # protect for ten years
    set_settings(ctx_a, {"customers.protection_days": 3650})
    result = run_cli("customers", "reassign", "--brand", "A", "--to", "T2", "X1")
    assert result.exit_code == 1 and "[PROTECTION]" in result.output
    # the history: the manual move of K1 (newest first), then the offboarding
    lines = run_cli("reps", "handovers", "--brand", "A").output.splitlines()
    assert lines[0] == "id,kind,from_rep,effective_on,customers,tasks,leads,reason,by"
    assert [line.split(",")[1:7] for line in lines[1:]] == [  # kinds by their labels
        ["Manual move", "", lines[1].split(",")[3], "1", "0", "0"],
        ["Rep leaving", "L", "2026-03-01", "5", "3", "3"]]
    offboarding_id = lines[2].split(",")[0]
    moves = run_cli("reps", "handovers", "--brand", "A", "--id", offboarding_id,
                    "--format", "json").output
    moves = json.loads(moves)
    # customers K1..K5 by id: greedy over T1, T2 (spare 2, 4) and T3 (spare 2)
    assert [(m["record"], m["to_rep"]) for m in moves if m["kind"] == "customer"] == [
        ("K1", "T2"), ("K2", "T2"), ("K3", "T1"), ("K4", "T2"), ("K5", "T3")]
    assert {m["record"] for m in moves if m["kind"] == "lead"} == {"LA", "LB", "LC"}
    assert run_cli("reps", "handovers", "--brand", "B", "--id", offboarding_id).exit_code == 1
