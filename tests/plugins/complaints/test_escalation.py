"""The escalation job: warnings at 75 % of a target, breaches to managers, the second
level to brand admins, each recorded exactly once, notifications as tasks.

Policy normal (helpers.setup_brand), business clock, Mon-Fri 09:00-18:00 Shanghai; ticket
opened Mon 2 Mar 2026 09:00:
- first response 8 h: warning at 6 h = Mon 15:00, due Mon 17:00;
- escalation 16 h: Mon 9 h + Tue 7 h = Tue 16:00;
- resolution 40 h: warning at 30 h = Mon-Wed 27 h + Thu 3 h = Thu 5 Mar 12:00,
  due Mon-Thu 36 h + Fri 4 h = Fri 6 Mar 13:00.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from core.models import Task
from core.services.modules import disable_modules
from plugins.complaints import escalation, services
from plugins.complaints.models import TicketEntry
from tests.plugins.complaints.helpers import at, open_, setup_brand


def _tick(ctx, clock, text):
    clock.value = at(text).astimezone(dt.UTC)
    return escalation.run(ctx)


def _n(w=0, b=0, e=0):
    return {"warnings": w, "breaches": b, "escalations": e}


def test_warnings_breaches_and_escalations_exactly_once(ctx_a, enable, clock):
    setup_brand(ctx_a, enable)
    clock.value = at("2026-03-02T09:00").astimezone(dt.UTC)
    t = open_(ctx_a, "2026-03-02T09:00:00+08:00")
    assert _tick(ctx_a, clock, "2026-03-02T14:59") == _n()
    assert _tick(ctx_a, clock, "2026-03-02T15:00") == _n(w=1)
    assert _tick(ctx_a, clock, "2026-03-02T15:15") == _n()
    assert _tick(ctx_a, clock, "2026-03-02T17:01") == _n(b=1, e=1)
    assert _tick(ctx_a, clock, "2026-03-02T17:16") == _n()
    assert services.get_ticket(ctx_a, t.ref).escalation_level == 1
    clock.value = at("2026-03-03T09:30").astimezone(dt.UTC)
    services.act(ctx_a, t.ref, "respond", {})                   # late: the breach stays
    assert services.breaches(services.get_ticket(ctx_a, t.ref), ctx_a.now()) == \
        ["first_response"]
    assert _tick(ctx_a, clock, "2026-03-03T15:59") == _n()
    assert _tick(ctx_a, clock, "2026-03-03T16:01") == _n(e=1)   # level 2: brand admins
    assert _tick(ctx_a, clock, "2026-03-05T11:59") == _n()
    assert _tick(ctx_a, clock, "2026-03-05T12:00") == _n(w=1)   # resolution at 75 %
    assert _tick(ctx_a, clock, "2026-03-06T13:01") == _n(b=1)   # resolution missed
    assert _tick(ctx_a, clock, "2026-03-06T13:16") == _n()
    t = services.get_ticket(ctx_a, t.ref)
    assert t.escalation_level == 2
    marks = [(e.kind, e.old, e.new) for e in services.timeline(ctx_a, t)
             if e.kind in ("warning", "breach", "escalation")]
    assert marks == [("warning", "first_response", None), ("breach", "first_response", None),
                     ("escalation", None, "1"), ("escalation", None, "2"),
                     ("warning", "resolution", None), ("breach", "resolution", None)]
    tasks = ctx_a.session.scalars(select(Task.title).where(
        Task.rule_key.like("complaints:%")).order_by(Task.id)).all()
    assert len(tasks) == 6
    # Written in brand A's language (zh_Hans_CN), shown in the reader's.
    assert tasks[2] == f"投诉 {t.ref} 已升级至品牌经理"
    assert tasks[3] == f"投诉 {t.ref} 已升级至品牌管理员"
    from core.i18n import use_locale
    from core.labels import stored_text

    with use_locale("en"):
        assert stored_text(tasks[3]) == f"Complaint {t.ref} escalated to the brand admins"


def test_a_ticket_waiting_on_the_customer_is_not_escalated(ctx_a, enable, clock):
    setup_brand(ctx_a, enable)
    clock.value = at("2026-03-02T09:00").astimezone(dt.UTC)
    t = open_(ctx_a, "2026-03-02T09:00:00+08:00")
    services.act(ctx_a, t.ref, "respond", {})
    services.act(ctx_a, t.ref, "pause", {})
    # A week later, still waiting: no resolution warning, breach or second level.
    assert _tick(ctx_a, clock, "2026-03-09T09:00") == _n()


def test_the_tick_runs_the_job_only_for_brands_with_the_module(ctx_a, ctx_b, enable, clock,
                                                               run_cli):
    setup_brand(ctx_a, enable)
    enable(ctx_b, "complaints")
    clock.value = at("2026-03-02T09:00").astimezone(dt.UTC)
    open_(ctx_a, "2026-03-02T09:00:00+08:00")
    services.open_ticket(ctx_b, {"caller_name": "林小姐", "channel": "phone",
                                 "category": "billing", "summary": "重复扣款",
                                 "opened_at": "2026-03-02T09:00:00+08:00"})
    disable_modules(ctx_b, ["complaints"])
    # Both tickets are past every default target (B: 24 h / 72 h / 7 d calendar) by then.
    r = run_cli("tick", "--now", "2026-03-20T01:00:00Z", "--all", "--json")
    assert r.exit_code == 0, r.output
    jobs = [(x["brand"], x["job"]) for x in json.loads(r.output)
            if x["job"] == "complaints.escalation"]
    assert jobs == [("A", "complaints.escalation")]
    ctx_a.session.rollback()
    brands = {b for (b,) in ctx_a.session.execute(select(TicketEntry.brand_id).where(
        TicketEntry.kind == "breach")).all()}
    assert brands == {ctx_a.brand_id}


def test_a_policy_changed_on_the_settings_screen_applies_at_the_next_tick(ctx_a, enable,
                                                                          clock, make_ctx):
    from core.services.settings import set_settings

    setup_brand(ctx_a, enable)
    clock.value = at("2026-03-02T09:00").astimezone(dt.UTC)
    t = open_(ctx_a, "2026-03-02T09:00:00+08:00")
    assert t.first_response_due == at("2026-03-02T17:00")    # 8 working hours
    other = make_ctx("A")
    set_settings(other, {"complaints.normal_first_response": "2h"})  # not policy set
    other.session.commit()
    # At Mon 11:01 the 2 h target (due 11:00) is missed: recomputed by the tick itself
    # (warning at 75 % = 10:30 and the breach are both raised).
    assert _tick(make_ctx("A"), clock, "2026-03-02T11:01") == _n(w=1, b=1, e=1)
