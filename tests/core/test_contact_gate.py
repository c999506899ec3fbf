"""The contact gate: with a module refusing contact, the nightly tick creates no outreach
task, records each refusal once, and ``customers blocked-outreach`` lists them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest

from core.api import ContactRequest, hookimpl
from core.context import Ctx
from core.runtime import Runtime
from core.services.contact import blocked_outreach, may_contact
from core.services.products import create_product
from core.tasks.rules import run_task_rules
from tests.core.tasks_helpers import (  # noqa: F401
    customer,
    interaction,
    order,
    rep,
    run_cli_fixture,
    tasks,
    utc,
)


class Gate:
    """A test module: refuses ``refuse`` purposes for every customer, records requests."""

    def __init__(self, refuse: set[str]) -> None:
        self.refuse = refuse
        self.requests: list[ContactRequest] = []

    @hookimpl
    def crm_can_contact(self, ctx: Ctx, request: ContactRequest) -> dict[int, str] | None:
        self.requests.append(request)
        if request.purpose not in self.refuse:
            return None
        return {cid: f"no {request.purpose} consent" for cid in request.customer_ids}


@pytest.fixture()
def gate(rt: Runtime) -> Iterator[Gate]:
    g = Gate({"care", "marketing", "service"})
    rt.registry.pm.register(g, name="test-contact-gate")
    yield g
    rt.registry.pm.unregister(g)


def _seed(ctx: Ctx, clock: Any) -> None:
    """One customer due for each kind of outreach on 2 March 2026 (local)."""
    rep(ctx, "R1")
    customer(ctx, "BDAY", "R1", phone="13800000001", birthday="1990-03-03",
             source_channel="event")
    customer(ctx, "ACLS", "R1", phone="13800000002", birthday="1990-07-01",
             source_channel="event", tags=["abc:A"])
    create_product(ctx, {"sku": "P1", "name": "Cream", "category": "cosmetics",
                         "list_price": "100.00", "replenish_days": 30})
    customer(ctx, "REPL", "R1", phone="13800000003", birthday="1990-07-02",
             source_channel="event")
    clock.value = utc(2026, 2, 1, 2)
    order(ctx, "O1", "REPL", "2026-02-01T10:00:00", [("P1", 1, "100.00")])
    clock.value = utc(2026, 3, 2, 2)
    customer(ctx, "NEW", "R1")  # incomplete profile: a profile task
    order(ctx, "O2", "BDAY", "2026-03-01T10:00:00", [("P1", 1, "100.00")])  # a follow-up


def test_without_a_gate_module_every_outreach_is_created(ctx_a: Ctx, clock: Any) -> None:
    _seed(ctx_a, clock)
    run_task_rules(ctx_a)
    kinds = sorted(key.split(":")[0] for key in tasks(ctx_a))
    assert kinds == ["a_monthly", "birthday", "followup48", "profile", "replenish"]
    assert blocked_outreach(ctx_a) == []


def test_a_refusing_module_stops_every_outreach_task(ctx_a: Ctx, clock: Any, gate: Gate,
                                                     run_cli) -> None:  # noqa: F811
    _seed(ctx_a, clock)
    counts = run_task_rules(ctx_a)
    assert sum(counts.values()) == 0 and tasks(ctx_a) == {}
    asked = {(r.purpose, r.kind) for r in gate.requests}
    assert asked == {("care", "birthday"), ("care", "a_monthly"), ("marketing", "replenish"),
                     ("service", "followup"), ("service", "profile")}
    blocked = blocked_outreach(ctx_a)
    assert sorted((b.customer_ref, b.kind, b.purpose) for b in blocked) == [
        ("ACLS", "a_monthly", "care"), ("BDAY", "birthday", "care"),
        ("BDAY", "followup", "service"), ("NEW", "profile", "service"),
        ("REPL", "replenish", "marketing")]
    assert {b.reason for b in blocked} == {"no care consent", "no marketing consent",
                                           "no service consent"}
    # The next tick asks again, still creates nothing and records nothing twice.
    run_task_rules(ctx_a)
    assert tasks(ctx_a) == {} and len(blocked_outreach(ctx_a)) == 5
    out = run_cli("customers", "blocked-outreach", "--brand", "A")
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.output)))
    assert len(rows) == 5 and {r["customer_ref"] for r in rows} == {
        "ACLS", "BDAY", "NEW", "REPL"}
    assert rows[0].keys() == {"refused_at", "customer_ref", "purpose", "channel", "kind",
                              "reason"}


def test_only_the_refused_purpose_is_stopped(ctx_a: Ctx, clock: Any, gate: Gate) -> None:
    gate.refuse = {"marketing"}
    _seed(ctx_a, clock)
    run_task_rules(ctx_a)
    kinds = sorted(key.split(":")[0] for key in tasks(ctx_a))
    assert kinds == ["a_monthly", "birthday", "followup48", "profile"]
    assert [(b.customer_ref, b.kind) for b in blocked_outreach(ctx_a)] == [
        ("REPL", "replenish")]


def test_a_module_message_asks_the_gate(ctx_a: Ctx, gate: Gate) -> None:
    rep(ctx_a, "R1")
    c = customer(ctx_a, "C1", "R1")
    gate.refuse = {"marketing"}
    assert may_contact(ctx_a, c.id, purpose="service", kind="survey", source_key="s:1",
                       channel="sms")
    assert not may_contact(ctx_a, c.id, purpose="marketing", kind="offer",
                           source_key="offer:1", channel="wechat")
    assert [(b.kind, b.channel) for b in blocked_outreach(ctx_a)] == [("offer", "wechat")]
