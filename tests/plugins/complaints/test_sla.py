"""SLA due times worked out by hand on brand A's calendar (Asia/Shanghai, CN, Mon-Fri
09:00-18:00 = 9 working hours a day). Policies (helpers.setup_brand), business clock:
normal = first response 8 h, escalation 16 h, resolution 40 h; high = 4 h, 8 h, 16 h."""

from __future__ import annotations

import datetime as dt
import json

from plugins.complaints import services
from tests.plugins.complaints.helpers import at, open_, setup_brand


def _clock(clock, text):
    clock.value = at(text).astimezone(dt.UTC)


def test_opened_on_the_last_working_afternoon_before_national_day(ctx_a, enable, clock):
    setup_brand(ctx_a, enable)
    services.set_policy(ctx_a, "normal", {"first_response": "24h"})
    _clock(clock, "2026-10-20T09:00")
    t = open_(ctx_a, "2026-09-30T16:00:00+08:00")
    # First response 24 h: Wed 30 Sep 16-18 (2 h), 1-7 Oct holiday, Thu 8 (9 h, 11),
    # Fri 9 (9 h, 20), Sat 10 Oct make-up day 09:00 + 4 h = 13:00.
    assert t.first_response_due == at("2026-10-10T13:00")
    # Resolution 40 h: 2 + 9 + 9 + 9 (Sat 10) = 29 by Sat 18:00; Sun 11 off; Mon 12 Oct
    # 9 h = 38; Tue 13 Oct 09:00 + 2 h = 11:00.
    assert t.resolution_due == at("2026-10-13T11:00")


def test_opened_on_a_weekend_before_a_sunday_make_up_day(ctx_a, enable, clock):
    setup_brand(ctx_a, enable)
    _clock(clock, "2026-09-25T09:00")
    t = open_(ctx_a, "2026-09-19T10:00:00+08:00")
    # Sat 19 Sep is off; Sun 20 Sep works: 09:00 + 8 h = 17:00.
    assert t.first_response_due == at("2026-09-20T17:00")


def test_opened_at_night_starts_at_the_next_working_moment(ctx_a, enable, clock):
    setup_brand(ctx_a, enable)
    _clock(clock, "2026-03-03T09:00")
    t = open_(ctx_a, "2026-03-02T20:00:00+08:00")
    # Mon 20:00 counts from Tue 09:00: + 8 h = Tue 17:00.
    assert t.first_response_due == at("2026-03-03T17:00")


def test_a_pause_over_a_night_adds_back_only_working_time(ctx_a, enable, clock, run_cli):
    setup_brand(ctx_a, enable)
    _clock(clock, "2026-03-02T17:00")
    t = open_(ctx_a, "2026-03-02T09:00:00+08:00")
    # Resolution 40 h from Mon 2 Mar 09:00: Mon-Thu 36 h, Fri 6 Mar 09:00 + 4 h = 13:00.
    assert t.resolution_due == at("2026-03-06T13:00")
    services.act(ctx_a, t.ref, "respond", {"at": "2026-03-02T09:30:00+08:00", "note": "您好"})
    services.act(ctx_a, t.ref, "pause", {"at": "2026-03-02T17:00:00+08:00"})
    _clock(clock, "2026-03-03T10:00")
    services.act(ctx_a, t.ref, "resume", {"at": "2026-03-03T10:00:00+08:00"})
    # Paused Mon 17:00 - Tue 10:00: 17-18 and 09-10 = 2 working hours (not 17):
    # Fri 13:00 + 2 h = Fri 15:00.
    assert t.paused_seconds == 2 * 3600
    assert t.resolution_due == at("2026-03-06T15:00")
    shown = json.loads(run_cli("complaints", "show", "--brand", "A", t.ref, "--format",
                               "json").output)
    assert shown["paused_working_seconds"] == 7200
    assert shown["resolution_due"] == "2026-03-06T15:00:00+08:00"
    assert shown["opened_at"] == "2026-03-02T09:00:00+08:00"
    assert shown["first_response_at"] == "2026-03-02T09:30:00+08:00"
    assert shown["status"] == "in_progress"
    assert services.breaches(t, ctx_a.now()) == []  # (the CLI reads the wall clock)

    # A severity change after the pause: recomputed from the opening with the high policy,
    # keeping the 2 h paused: first response Mon 09:00 + 4 h = 13:00; resolution 16 h + 2 h
    # = 18 h = Mon 9 h + Tue 9 h = Tue 3 Mar 18:00.
    t = services.act(ctx_a, t.ref, "severity", {"severity": "high"})  # (the CLI closed t's session)
    assert t.first_response_due == at("2026-03-02T13:00")
    assert t.resolution_due == at("2026-03-03T18:00")
    assert t.paused_seconds == 7200


def test_a_closure_added_later_moves_open_tickets(ctx_a, enable, clock, run_cli):
    setup_brand(ctx_a, enable)
    _clock(clock, "2026-03-02T10:00")
    t = open_(ctx_a, "2026-03-02T09:00:00+08:00")
    done = open_(ctx_a, "2026-03-02T09:00:00+08:00")
    services.act(ctx_a, done.ref, "respond", {})
    services.act(ctx_a, done.ref, "resolve", {"resolution": "apology"})
    before = done.resolution_due
    r = run_cli("calendar", "closure", "add", "--brand", "A", "2026-03-04", "--reason", "盘点")
    assert r.exit_code == 0, r.output
    t, done = (services.get_ticket(ctx_a, x.ref) for x in (t, done))
    # Without Wed 4 Mar: Mon, Tue, Thu, Fri 36 h, Mon 9 Mar 09:00 + 4 h = 13:00.
    assert t.resolution_due == at("2026-03-09T13:00")
    assert t.first_response_due == at("2026-03-02T17:00")  # Mon 09:00 + 8 h, unchanged
    assert done.resolution_due == before  # a resolved ticket keeps its times


def test_the_calendar_clock_counts_every_hour_and_the_whole_pause(ctx_a, enable, clock):
    setup_brand(ctx_a, enable, business=False)  # defaults: 24h, 72h, 7d on the calendar
    _clock(clock, "2026-03-02T17:00")
    t = open_(ctx_a, "2026-03-02T10:00:00+08:00")
    assert t.first_response_due == at("2026-03-03T10:00")   # + 24 h
    assert t.escalation_due == at("2026-03-05T10:00")       # + 72 h
    assert t.resolution_due == at("2026-03-09T10:00")       # + 7 days
    services.act(ctx_a, t.ref, "respond", {})
    services.act(ctx_a, t.ref, "pause", {"at": "2026-03-02T17:00:00+08:00"})
    _clock(clock, "2026-03-03T10:00")
    services.act(ctx_a, t.ref, "resume", {})
    assert t.resolution_due == at("2026-03-09T10:00") + dt.timedelta(hours=17)


def test_policy_set_through_the_cli_and_the_settings(ctx_a, enable, run_cli, make_ctx):
    setup_brand(ctx_a, enable, business=False)
    r = run_cli("complaints", "policy", "set", "--brand", "A", "--severity", "low",
                "--first-response", "2d", "--resolution", "10d", "--clock", "business")
    assert r.exit_code == 0, r.output
    assert r.output == "low: first response 2d, escalation 3d, resolution 10d, business clock.\n"
    pol = services.policy(make_ctx("A"), "low")
    assert (pol.first_response, pol.resolution, pol.clock) == (172800, 864000, "business")
    r = run_cli("complaints", "policy", "set", "--brand", "A", "--severity", "low",
                "--first-response", "soon")
    assert r.exit_code == 1 and "complaints.low_first_response" in r.output
    r = run_cli("settings", "set", "--brand", "A", "complaints.low_clock", "calendar")
    assert r.exit_code == 0, r.output
    assert services.policy(make_ctx("A"), "low").clock == "calendar"
