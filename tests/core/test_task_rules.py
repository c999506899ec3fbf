"""Task rules: each rule with hand-computed keys and due times, and re-running the tick.

Brand A is in Asia/Shanghai (UTC+8, no DST). The default clock is 2026-03-02 02:00 UTC,
i.e. 10:00 on 2 March local.
"""

from __future__ import annotations

import datetime as dt

from core.services.customers import update_customer
from core.services.products import create_product
from core.services.settings import set_settings
from core.tasks.rules import (
    a_monthly_rule,
    birthday_rule,
    followup_rule,
    profile_rule,
    replenish_rule,
    run_task_rules,
)
from tests.core.tasks_helpers import (  # noqa: F401
    customer,
    interaction,
    order,
    rep,
    run_cli_fixture,
    tasks,
    utc,
)


def test_profile_rule_for_new_incomplete_customers(ctx_a, clock):
    r1 = rep(ctx_a, "R1")
    clock.value = utc(2026, 2, 20, 2)  # 10 days before "now": outside the 7-day lookback
    customer(ctx_a, "OLD", "R1")  # incomplete, but not new
    clock.value = utc(2026, 3, 2, 2)
    c1 = customer(ctx_a, "C1", "R1", phone="13800000001")  # no birthday, no source
    customer(ctx_a, "C2", "R1", phone="13800000002", birthday="1990-05-01",
             source_channel="event")  # complete: no task
    assert profile_rule(ctx_a) == 1
    # created 2026-03-02 02:00 UTC + 24 h
    assert tasks(ctx_a) == {f"profile:{c1.id}": ("C1", r1.id, utc(2026, 3, 3, 2))}
    assert profile_rule(ctx_a) == 0  # same key: nothing new


def test_followup_rule_skips_customers_already_contacted(ctx_a, clock):
    r1 = rep(ctx_a, "R1")
    c1 = customer(ctx_a, "C1", "R1")
    c2 = customer(ctx_a, "C2", "R1")
    create_product(ctx_a, {"sku": "P1", "name": "Cream", "category": "cosmetics",
                           "list_price": "100.00"})
    o1 = order(ctx_a, "O1", "C1", "2026-03-01T10:00:00", [("P1", 1, "100.00")])
    order(ctx_a, "O2", "C2", "2026-03-01T10:00:00", [("P1", 1, "100.00")])
    order(ctx_a, "O3", "C1", "2026-02-10T10:00:00", [("P1", 1, "100.00")])  # > 7 days ago
    order(ctx_a, "O4", "C1", "2026-03-01T12:00:00", [("P1", 1, "100.00")], status="pending")
    # C2 was called one hour after paying (2026-03-01 02:00 UTC + 1 h)
    interaction(ctx_a, c2.id, utc(2026, 3, 1, 3))
    # C1 was called before paying: that does not count as the follow-up
    interaction(ctx_a, c1.id, utc(2026, 3, 1, 1))
    assert followup_rule(ctx_a) == 1
    # paid 2026-03-01 10:00 local = 02:00 UTC, + 48 h = 2026-03-03 02:00 UTC
    assert tasks(ctx_a) == {f"followup48:{o1.id}": ("C1", r1.id, utc(2026, 3, 3, 2))}
    assert followup_rule(ctx_a) == 0


def test_a_monthly_rule_uses_the_local_month(ctx_a, clock):
    r1 = rep(ctx_a, "R1")
    c1 = customer(ctx_a, "C1", "R1", tags=["abc:A"])
    c2 = customer(ctx_a, "C2", "R1", tags=["abc:A"])
    c3 = customer(ctx_a, "C3", "R1", tags=["abc:A"])
    customer(ctx_a, "C4", "R1", tags=["abc:B"])
    # 2026-02-28 17:00 UTC = 1 March 01:00 local: a contact this month, no task for C2
    interaction(ctx_a, c2.id, utc(2026, 2, 28, 17))
    # 2026-02-28 15:00 UTC = 28 February 23:00 local: last month, C3 still needs one
    interaction(ctx_a, c3.id, utc(2026, 2, 28, 15))
    assert a_monthly_rule(ctx_a) == 2
    # due 31 March 23:59:59 local = 15:59:59 UTC
    due = utc(2026, 3, 31, 15, 59, 59)
    assert tasks(ctx_a) == {f"a_monthly:{c1.id}:2026-03": ("C1", r1.id, due),
                            f"a_monthly:{c3.id}:2026-03": ("C3", r1.id, due)}
    assert a_monthly_rule(ctx_a) == 0
    # April: a new key per customer (none of them was contacted in April)
    clock.value = utc(2026, 4, 1, 1)  # 09:00 on 1 April local
    assert a_monthly_rule(ctx_a) == 3


def test_a_class_tag_is_a_brand_setting(ctx_a):
    rep(ctx_a, "R1")
    customer(ctx_a, "C1", "R1", tags=["VIP"])
    set_settings(ctx_a, {"tasks.a_class_tag": "VIP"})
    assert a_monthly_rule(ctx_a) == 1


def test_a_class_from_stored_abc_segments(ctx_a, clock):
    from core.segmentation.models import CustomerSegment

    rep(ctx_a, "R1")
    c1 = customer(ctx_a, "C1", "R1")
    c2 = customer(ctx_a, "C2", "R1")
    c3 = customer(ctx_a, "C3", "R1", tags=["abc:A"])  # tagged by hand: also A
    with ctx_a.write() as session:
        for cid, scheme, seg in ((c1.id, "abc", "A"), (c2.id, "abc", "B"),
                                 (c2.id, "grid", "A")):  # grid A = no purchase: not ABC A
            session.add(CustomerSegment(brand_id=ctx_a.brand_id, customer_id=cid,
                                        scheme=scheme, segment=seg, as_of=dt.date(2026, 3, 1),
                                        updated_at=ctx_a.now()))
    assert a_monthly_rule(ctx_a) == 2
    assert set(tasks(ctx_a)) == {f"a_monthly:{c1.id}:2026-03", f"a_monthly:{c3.id}:2026-03"}


def test_birthday_rule_across_the_timezone_boundary(ctx_a, clock):
    r1 = rep(ctx_a, "R1")
    b5 = customer(ctx_a, "B5", "R1", birthday="1990-03-05")
    customer(ctx_a, "B6", "R1", birthday="1985-03-06")
    b2 = customer(ctx_a, "B2", "R1", birthday="2000-03-02")
    b1 = customer(ctx_a, "B1", "R1", birthday="1970-03-01")
    # 2026-03-01 15:30 UTC is 23:30 on 1 March local: window 1..4 March
    clock.value = utc(2026, 3, 1, 15, 30)
    assert birthday_rule(ctx_a) == 2
    due_1st = utc(2026, 3, 1, 15, 59, 59)  # 1 March 23:59:59 local
    assert tasks(ctx_a) == {f"birthday:{b1.id}:2026": ("B1", r1.id, due_1st),
                            f"birthday:{b2.id}:2026": ("B2", r1.id, due_1st)}
    # One hour later it is 00:30 on 2 March local (still 1 March in UTC): window 2..5 March,
    # so B5's birthday (5 March) is now 3 days ahead. A UTC computation would miss it.
    clock.value = utc(2026, 3, 1, 16, 30)
    assert birthday_rule(ctx_a) == 1  # B2 already has its 2026 task
    assert tasks(ctx_a)[f"birthday:{b5.id}:2026"] == ("B5", r1.id, utc(2026, 3, 2, 15, 59, 59))
    assert birthday_rule(ctx_a) == 0


def test_birthday_rule_leap_day_and_new_year(ctx_a, clock):
    rep(ctx_a, "R1")
    leap = customer(ctx_a, "L", "R1", birthday="2000-02-29")
    ny = customer(ctx_a, "NY", "R1", birthday="1999-01-01")
    clock.value = utc(2027, 2, 25, 2)  # 25 Feb 2027 local; 2027 has no 29 February
    assert birthday_rule(ctx_a) == 1
    assert f"birthday:{leap.id}:2027" in tasks(ctx_a)
    clock.value = utc(2026, 12, 30, 2)  # 30 Dec local: 1 January 2027 is 2 days ahead
    assert birthday_rule(ctx_a) == 1
    assert f"birthday:{ny.id}:2027" in tasks(ctx_a)


def test_replenish_rule_from_the_last_purchase(ctx_a, clock):
    r1 = rep(ctx_a, "R1")
    c1 = customer(ctx_a, "C1", "R1")
    c2 = customer(ctx_a, "C2", "R1")
    customer(ctx_a, "C3", "R1")
    create_product(ctx_a, {"sku": "P1", "name": "Cream", "category": "cosmetics",
                           "list_price": "100.00", "replenish_days": 30})
    create_product(ctx_a, {"sku": "P2", "name": "Soap", "category": "cosmetics",
                           "list_price": "10.00"})
    order(ctx_a, "O1", "C1", "2026-01-20T10:00:00", [("P1", 1, "100.00"), ("P2", 1, "10.00")])
    o2 = order(ctx_a, "O2", "C1", "2026-02-01T10:00:00", [("P1", 1, "100.00")])
    o3 = order(ctx_a, "O3", "C2", "2026-02-10T10:00:00", [("P1", 1, "100.00")])
    order(ctx_a, "O4", "C3", "2025-12-01T10:00:00", [("P1", 1, "100.00")])
    order(ctx_a, "O5", "C2", "2026-02-01T10:00:00", [("P1", 1, "100.00")], status="pending")
    # Now 2026-03-02 02:00 UTC; 3 days ahead and 30 days overdue at most, so the last
    # purchase must lie in (2026-01-01 02:00, 2026-02-04 02:00] UTC:
    #   C1 last bought P1 on 1 Feb (O2): cycle ends 2026-03-03 02:00 UTC -> task
    #   C2 last paid P1 on 10 Feb: ends 12 March -> not yet (the pending O5 does not count)
    #   C3 bought on 1 Dec 2025: ended 31 Dec, more than 30 days ago -> no task
    assert replenish_rule(ctx_a) == 1
    assert tasks(ctx_a) == {f"replenish:{c1.id}:P1:{o2.id}": ("C1", r1.id, utc(2026, 3, 3, 2))}
    clock.advance(days=10)  # 12 March 02:00 UTC: C2's cycle (ends 12 March 02:00) is due
    assert replenish_rule(ctx_a) == 1
    assert tasks(ctx_a)[f"replenish:{c2.id}:P1:{o3.id}"] == ("C2", r1.id, utc(2026, 3, 12, 2))
    assert replenish_rule(ctx_a) == 0


def test_rerunning_the_tick_creates_nothing_twice(ctx_a, ctx_b, clock):
    rep(ctx_a, "R1")
    customer(ctx_a, "C1", "R1", birthday="1990-03-03", tags=["abc:A"])
    update_customer(ctx_a, "C1", {"source_channel": "event"})
    first = run_task_rules(ctx_a)
    # C1: no phone -> profile; A-class, not contacted -> monthly; birthday tomorrow
    assert first == {"profile": 1, "followup48": 0, "a_monthly": 1, "birthday": 1,
                     "replenish": 0, "certificate": 0}
    assert run_task_rules(ctx_a) == dict.fromkeys(first, 0)
    assert len(tasks(ctx_a)) == 3
    assert run_task_rules(ctx_b) == dict.fromkeys(first, 0)  # brand B has nothing


def test_tick_command_runs_the_rules_once(ctx_a, clock, run_cli):
    clock.value = utc(2026, 3, 1, 2)
    rep(ctx_a, "R1")
    customer(ctx_a, "C1", "R1", phone="13800000001", birthday="1990-03-05",
             source_channel="event")  # complete profile: only the birthday rule applies
    # 2026-03-01 15:30 UTC = 23:30 on 1 March local: 5 March is 4 days ahead
    result = run_cli("tick", "--brand", "A", "--now", "2026-03-01T15:30:00Z")
    assert result.output.splitlines()[2] == "A core/task_rules: 0 tasks created"
    # an hour later it is 2 March local: 3 days ahead. The daily jobs (02:00 local) are
    # not due again before 02:00, so the run is forced with --all.
    result = run_cli("tick", "--brand", "A", "--now", "2026-03-01T16:30:00Z")
    assert result.output.splitlines() == ["No job is due."]
    result = run_cli("tick", "--brand", "A", "--all", "--now", "2026-03-01T16:30:00Z")
    assert result.output.splitlines()[2] == "A core/task_rules: 1 tasks created"
    result = run_cli("tick", "--brand", "A", "--all", "--now", "2026-03-01T16:30:00Z")
    assert result.output.splitlines()[2] == "A core/task_rules: 0 tasks created"
    assert list(tasks(ctx_a)) == [f"birthday:{customer_id(ctx_a, 'C1')}:2026"]


def customer_id(ctx, ref):
    from core.models import Customer
    from core.services.scoping import get_by_ref

    return get_by_ref(ctx, Customer, ref).id


def test_audit_counts_the_tasks_created_and_a_rerun_adds_no_entry(ctx_a, clock):
    from sqlalchemy import select

    from core.audit.models import AuditEntry

    rep(ctx_a, "R1")
    clock.value = utc(2026, 3, 2, 2)
    customer(ctx_a, "C1", "R1", phone="13800000001")  # incomplete: one profile task
    customer(ctx_a, "C2", "R1", phone="13800000002")  # incomplete: one profile task

    def task_entries():
        return [e.details for e in ctx_a.session.scalars(
            select(AuditEntry).where(AuditEntry.record_type == "tasks",
                                     AuditEntry.action == "create"))]

    assert profile_rule(ctx_a) == 2
    assert [d["count"] for d in task_entries()] == [2]
    assert profile_rule(ctx_a) == 0
    assert [d["count"] for d in task_entries()] == [2]  # the re-run wrote nothing
