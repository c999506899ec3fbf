"""The working calendar and the SLA arithmetic, with times worked out by hand.

Brand A: Asia/Shanghai (UTC+8), CN. The 2026 State Council notice: National Day and the
holiday after it run Thu 1 Oct - Wed 7 Oct; Sun 20 Sep and Sat 10 Oct are make-up working
days (调休); Mid-Autumn Fri 25 Sep - Sun 27 Sep. Default hours Mon-Fri 09:00-18:00 (9 h).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core.api import SettingError
from plugins.complaints.calendar import WorkingCalendar
from plugins.complaints.settings import parse_duration, parse_hours

CST = dt.timezone(dt.timedelta(hours=8))
H = 3600


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=CST)


@pytest.fixture()
def cn() -> WorkingCalendar:
    return WorkingCalendar.from_text("Asia/Shanghai", jurisdiction="CN")


def test_last_afternoon_before_national_day(cn):
    # Wed 30 Sep 16:00 + 24 working hours: 30 Sep 16-18 = 2 h (22 left); 1-7 Oct holiday;
    # Thu 8 Oct 9 h (13 left); Fri 9 Oct 9 h (4 left); Sat 10 Oct is a make-up working day:
    # 09:00 + 4 h = 13:00.
    assert cn.add_working_time(at("2026-09-30T16:00"), 24 * H) == at("2026-10-10T13:00")
    # 30 Sep 9 h + 8, 9 and 10 Oct 9 h each = 36 h.
    assert cn.working_seconds_between(at("2026-09-30T09:00"), at("2026-10-10T18:00")) == 36 * H


def test_weekend_before_a_sunday_make_up_day(cn):
    # Sat 19 Sep is a plain weekend day; Sun 20 Sep is a make-up working day.
    assert cn.day(dt.date(2026, 9, 19)).kind == "weekend"
    assert cn.day(dt.date(2026, 9, 20)).kind == "make_up"
    # Opened Sat 10:00: the count starts Sun 09:00; 1 h later = Sun 10:00.
    assert cn.add_working_time(at("2026-09-19T10:00"), 0) == at("2026-09-20T09:00")
    assert cn.add_working_time(at("2026-09-19T10:00"), H) == at("2026-09-20T10:00")
    # 10 h: Sun 9 h, then Mon 21 Sep 09:00 + 1 h.
    assert cn.add_working_time(at("2026-09-19T10:00"), 10 * H) == at("2026-09-21T10:00")


def test_a_night_counts_only_working_hours(cn):
    # Mon 2 Mar 17:00 to Tue 3 Mar 10:00: 17-18 and 09-10 = 2 h, not 17.
    assert cn.working_seconds_between(at("2026-03-02T17:00"), at("2026-03-03T10:00")) == 2 * H
    # A target ending exactly at the close is due at the close.
    assert cn.add_working_time(at("2026-03-02T17:00"), H) == at("2026-03-02T18:00")


def test_a_closure_is_not_working_time():
    cal = WorkingCalendar.from_text("Asia/Shanghai", jurisdiction="CN",
                                    closures={dt.date(2026, 3, 3): "office move"})
    # Mon 17:00 + 2 h: Mon 1 h, Tue closed, Wed 09:00 + 1 h = Wed 10:00.
    assert cal.add_working_time(at("2026-03-02T17:00"), 2 * H) == at("2026-03-04T10:00")
    assert cal.day(dt.date(2026, 3, 3)).name == "office move"


def test_taiwan_national_day_and_the_calendar_clock():
    tw = WorkingCalendar.from_text("Asia/Taipei", jurisdiction="TW")
    # Fri 9 Oct 2026 is National Day (observed), Sat 10 Oct National Day: Thu 8 Oct 17:00
    # + 2 h = Thu 1 h, then Mon 12 Oct 09:00 + 1 h.
    assert tw.day(dt.date(2026, 10, 9)).kind == "holiday"
    assert tw.add_working_time(at("2026-10-08T17:00"), 2 * H) == at("2026-10-12T10:00")
    # The calendar clock counts every hour: Sat 10:00 + 30 h = Sun 16:00.
    assert tw.as_clock("calendar").add_working_time(at("2026-10-10T10:00"), 30 * H) == \
        at("2026-10-11T16:00")


def test_weekly_hours_with_a_saturday_morning_and_a_lunch_break():
    cal = WorkingCalendar.from_text("Asia/Shanghai", "mon-fri 09:00-12:00,13:00-18:00; "
                                    "sat 09:00-12:00")
    # Fri 6 Mar 17:00 + 3 h: Fri 1 h, Sat 7 Mar 09:00-11:00.
    assert cal.add_working_time(at("2026-03-06T17:00"), 3 * H) == at("2026-03-07T11:00")
    # Mon 11:00 + 2 h: 11-12 is 1 h, lunch, 13:00 + 1 h = 14:00.
    assert cal.add_working_time(at("2026-03-09T11:00"), 2 * H) == at("2026-03-09T14:00")


@pytest.mark.parametrize("text", ["", "mon-fri", "mon-fri 18:00-09:00", "xyz 09:00-10:00",
                                  "fri-mon 09:00-18:00", "mon 09:00-12:00,11:00-13:00",
                                  "mon 25:00-26:00"])
def test_bad_working_hours_are_refused(text):
    with pytest.raises(SettingError):
        parse_hours(text)


def test_durations():
    assert parse_duration("8h") == 8 * H
    assert parse_duration("7d") == 7 * 24 * H
    assert parse_duration("1.5h") == 5400
    for bad in ("8", "0h", "h", "3w", "400d"):
        with pytest.raises(SettingError):
            parse_duration(bad)


def test_calendar_commands(ctx_a, ctx_b, enable, run_cli):
    enable(ctx_a, "complaints")
    r = run_cli("calendar", "show", "--brand", "A", "--from", "2026-09-30", "--to",
                "2026-10-10", "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert rows[0] == {"date": "2026-09-30", "kind": "working",
                       "start": "2026-09-30T09:00:00+08:00", "end": "2026-09-30T18:00:00+08:00",
                       "name": ""}
    assert rows[1]["kind"] == "holiday" and rows[1]["name"] == "National Day"
    assert rows[-1]["date"] == "2026-10-10" and rows[-1]["kind"] == "make_up"
    r = run_cli("calendar", "closure", "add", "--brand", "A", "2026-10-08", "--to",
                "2026-10-09", "--reason", "stocktaking")
    assert r.exit_code == 0, r.output
    assert r.output.startswith("2 ")
    rows = json.loads(run_cli("calendar", "show", "--brand", "A", "--from", "2026-10-08",
                              "--to", "2026-10-09", "--format", "json").output)
    assert [(x["kind"], x["name"]) for x in rows] == [("closure", "stocktaking")] * 2
    # the same days again add nothing; bad input names the field and writes nothing
    assert run_cli("calendar", "closure", "add", "--brand", "A", "2026-10-08",
                   "--reason", "again").output.startswith("0 ")
    r = run_cli("calendar", "closure", "add", "--brand", "A", "2026-10-08", "--to",
                "2026-10-01", "--reason", "x")
    assert r.exit_code == 1 and "to" in r.output
    r = run_cli("calendar", "closure", "add", "--brand", "A", "2026-13-01", "--reason", "x")
    assert r.exit_code == 1 and "date" in r.output
    # brand B has not enabled the module
    r = run_cli("calendar", "show", "--brand", "B", "--from", "2026-10-01", "--to",
                "2026-10-02")
    assert r.exit_code == 1
