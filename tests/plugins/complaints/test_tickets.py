"""Tickets: statuses and transitions, first-responder ownership, adverse reactions, root
causes, the reopen window, bad input, brands without the module, the rep scope."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from core.api import DomainError, ModuleError, NotFound, ValidationFailed
from core.models import Rep, Task
from plugins.complaints import services
from plugins.complaints.models import Ticket
from tests.plugins.complaints.helpers import at, open_, setup_brand


@pytest.fixture()
def brand(ctx_a, enable, clock):
    setup_brand(ctx_a, enable)
    clock.value = at("2026-03-02T10:00").astimezone(dt.UTC)
    return ctx_a


def test_first_responder_owns_the_ticket_through_reassignment(brand, make_ctx):
    t = open_(brand, "2026-03-02T09:00:00+08:00")
    assert (t.status, t.owner, t.assignee) == ("new", None, None)
    li = make_ctx("A", user="li.na")
    services.act(li, t.ref, "respond", {"note": "您好，我们已收到"})
    services.act(li, t.ref, "assign", {"assignee": "wang.fang"})
    wang = make_ctx("A", user="wang.fang")
    t = services.act(wang, t.ref, "respond", {"note": "请提供批号"})
    assert (t.owner, t.assignee, t.status) == ("li.na", "wang.fang", "responded")
    assert t.first_response_at == at("2026-03-02T10:00")
    kinds = [(e.kind, e.actor, e.old, e.new) for e in services.timeline(wang, t)]
    assert kinds == [("opened", "tester", None, "normal"),
                     ("reply", "li.na", None, None),
                     ("owner", "li.na", None, "li.na"),
                     ("assignee", "li.na", None, "li.na"),
                     ("status", "li.na", "new", "responded"),
                     ("assignee", "li.na", "li.na", "wang.fang"),
                     ("reply", "wang.fang", None, None)]


def test_the_whole_life_of_a_ticket_and_refused_transitions(brand):
    t = open_(brand, "2026-03-02T09:00:00+08:00")
    with pytest.raises(DomainError) as e:
        services.act(brand, t.ref, "close", {})
    assert e.value.code == "bad_status"
    with pytest.raises(DomainError):
        services.act(brand, t.ref, "pause", {})  # respond first
    for action in ("respond", "start", "pause", "resume"):
        services.act(brand, t.ref, action, {})
    assert t.status == "in_progress"
    with pytest.raises(ValidationFailed) as e:
        services.act(brand, t.ref, "resolve", {})
    assert "resolution" in e.value.errors
    services.act(brand, t.ref, "resolve", {"resolution": "replacement"})
    t = services.act(brand, t.ref, "close", {})  # normal: no root cause needed
    assert (t.status, t.resolution, t.closed_at) == ("closed", "replacement",
                                                     at("2026-03-02T10:00"))


def test_adverse_reaction_is_at_least_high_and_tells_compliance(brand):
    t = open_(brand, "2026-03-02T09:00:00+08:00", category="adverse_reaction",
              severity="low")
    assert t.severity == "high"
    tasks = brand.session.scalars(select(Task).where(Task.rule_key.like("complaints:%"))).all()
    assert [(x.rule_key, x.kind) for x in tasks] == [(f"complaints:adverse:{t.id}",
                                                      "complaint")]
    assert t.ref in tasks[0].title
    with pytest.raises(ValidationFailed) as e:
        services.act(brand, t.ref, "severity", {"severity": "normal"})
    assert "severity" in e.value.errors
    # critical stays critical
    assert open_(brand, "2026-03-02T09:00:00+08:00", category="adverse_reaction",
                 severity="critical").severity == "critical"


def test_high_cannot_close_without_a_root_cause(brand):
    t = open_(brand, "2026-03-02T09:00:00+08:00", severity="high")
    services.act(brand, t.ref, "respond", {})
    services.act(brand, t.ref, "resolve", {"resolution": "refund"})
    with pytest.raises(ValidationFailed) as e:
        services.act(brand, t.ref, "close", {})
    assert list(e.value.errors) == ["root_cause"]
    assert services.get_ticket(brand, t.ref).status == "resolved"
    t = services.act(brand, t.ref, "close", {"root_cause": "批次 2026-02 灌装污染"})
    assert t.status == "closed" and t.root_cause == "批次 2026-02 灌装污染"


def test_reopen_within_the_window_only(brand, clock):
    t = open_(brand, "2026-03-02T09:00:00+08:00")
    services.act(brand, t.ref, "respond", {})
    services.act(brand, t.ref, "resolve", {"resolution": "apology"})   # 2 Mar 10:00
    services.act(brand, t.ref, "close", {})
    clock.value = at("2026-03-16T10:00").astimezone(dt.UTC)               # + 14 days: in
    t = services.act(brand, t.ref, "reopen", {"note": "客户仍不满意"})
    assert (t.status, t.resolved_at, t.closed_at) == ("in_progress", None, None)
    services.act(brand, t.ref, "resolve", {"resolution": "compensation"})  # 16 Mar 10:00
    clock.value = at("2026-03-30T10:01").astimezone(dt.UTC)               # 14 days + 1 min
    with pytest.raises(ValidationFailed) as e:
        services.act(brand, t.ref, "reopen", {})
    assert "at" in e.value.errors


def test_bad_input_names_fields_and_writes_nothing(brand):
    with pytest.raises(ValidationFailed) as e:
        services.open_ticket(brand, {"customer_ref": "NOPE", "channel": "fax",
                                     "category": "product_quality", "summary": ""})
    assert set(e.value.errors) == {"channel", "summary"}
    with pytest.raises(ValidationFailed) as e:
        services.open_ticket(brand, {"customer_ref": "NOPE", "channel": "phone",
                                     "category": "billing", "summary": "x",
                                     "order_ref": "O-404",
                                     "opened_at": "2027-01-01T00:00:00+08:00"})
    assert set(e.value.errors) == {"customer_ref", "order_ref", "opened_at"}
    with pytest.raises(ValidationFailed) as e:
        services.open_ticket(brand, {"channel": "phone", "category": "billing", "summary": "x",
                                     "caller_phone": "call me"})
    assert set(e.value.errors) == {"customer_ref", "caller_phone"}
    assert brand.session.scalar(select(func.count()).select_from(Ticket)) == 0
    t = services.open_ticket(brand, {"channel": "phone", "category": "billing",
                                     "summary": "来电", "caller_name": "张先生",
                                     "caller_phone": "13800001111"})
    assert t.customer_id is None and t.caller_phone == "13800001111"
    with pytest.raises(ValidationFailed) as e:
        services.act(brand, t.ref, "respond", {"at": "2026-03-01T10:00:00+08:00"})
    assert "at" in e.value.errors
    with pytest.raises(NotFound):
        services.act(brand, "CPL-999999", "respond", {})
    # a pause cannot end before it began
    t = open_(brand, "2026-03-02T09:00:00+08:00")
    services.act(brand, t.ref, "respond", {"at": "2026-03-02T09:30:00+08:00"})
    services.act(brand, t.ref, "pause", {"at": "2026-03-02T09:50:00+08:00"})
    with pytest.raises(ValidationFailed) as e:
        services.act(brand, t.ref, "resume", {"at": "2026-03-02T09:40:00+08:00"})
    assert e.value.errors["at"] == ["Must not be before the ticket's last change of status."]


def test_a_brand_without_the_module_is_refused(brand, ctx_b, run_cli):
    with pytest.raises(ModuleError):
        services.open_ticket(ctx_b, {"channel": "phone", "category": "billing",
                                     "summary": "x", "caller_name": "x"})
    r = run_cli("complaints", "list", "--brand", "B")
    assert r.exit_code == 1


def test_a_rep_sees_only_tickets_about_their_customers(brand):
    mine = open_(brand, "2026-03-02T09:00:00+08:00")                    # C1 is R1's
    other = open_(brand, "2026-03-02T09:00:00+08:00", customer_ref="C2")  # C2 is R2's
    brand.rep_scope_id = brand.session.scalar(select(Rep.id).where(Rep.rep_ref == "R1"))
    assert [t.ref for t in services.list_tickets(brand)] == [mine.ref]
    with pytest.raises(NotFound):
        services.get_ticket(brand, other.ref)


def test_cli_open_respond_list(brand, run_cli):
    r = run_cli("complaints", "open", "--brand", "A", "--customer", "C1", "--channel", "wechat",
                "--category", "delivery", "--severity", "low", "--summary", "快递破损",
                "--opened-at", "2026-03-02T09:00:00", "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["ref"] == "CPL-000001" and data["opened_at"] == "2026-03-02T09:00:00+08:00"
    # low keeps the default calendar clock: + 24 h
    assert data["first_response_due"] == "2026-03-03T09:00:00+08:00"
    r = run_cli("complaints", "respond", "--brand", "A", "CPL-000001", "--at",
                "2026-03-02T09:30:00+08:00", "--note", "已安排补发", "--user", "li.na")
    assert r.exit_code == 0, r.output
    rows = json.loads(run_cli("complaints", "list", "--brand", "A", "--format", "json").output)
    assert [(x["ref"], x["status"], x["owner"]) for x in rows] == [
        ("CPL-000001", "responded", "li.na")]
    r = run_cli("complaints", "open", "--brand", "A", "--customer", "C9", "--channel", "phone",
                "--category", "delivery", "--summary", "x")
    assert r.exit_code == 1 and "customer_ref" in r.output
    r = run_cli("complaints", "close", "--brand", "A", "CPL-000001")
    assert r.exit_code == 1


def test_cli_list_csv_breached_show_text_and_translated_errors(brand, run_cli):
    # opened Mon 2 Mar 09:00; the CLI judges breaches at the wall clock (after March 2026):
    # the first response (8 working hours) is long overdue
    open_(brand, "2026-03-02T09:00:00+08:00")
    r = run_cli("complaints", "list", "--brand", "A", "--breached", "--format", "csv")
    lines = r.output.strip().splitlines()
    assert lines[0].startswith("ref,status,severity,category,customer_ref")
    assert lines[1].startswith("CPL-000001,New,Normal,Product quality,C1,")
    assert ",First-response target and Resolution target," in lines[1]  # both missed
    text = run_cli("complaints", "show", "--brand", "A", "CPL-000001", "--format",
                   "text").output
    assert "first_response_due: 2026-03-02T17:00:00+08:00" in text
    r = run_cli("--locale", "zh_Hans_CN", "complaints", "resolve", "--brand", "A",
                "CPL-000001")
    assert r.exit_code == 1 and "状态为 新建 的工单不能执行操作 resolve" in r.output
