"""The module's settings per brand, declared once: working hours, reopen window, warning
share and the SLA policy of each severity (targets and clock)."""

from __future__ import annotations

import datetime as dt
import re

from core.api import N_, Kind, Setting, SettingError, _

AREA = "complaints"
SEVERITIES = ("critical", "high", "normal", "low")
CLOCKS = ("business", "calendar")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# S1: first response 24 h, escalation at 72 h, resolution within 7 days.
DEFAULT_TARGETS = {"first_response": "24h", "escalation": "72h", "resolution": "7d"}
TARGETS = ("first_response", "escalation", "resolution")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([hd])\s*$", re.IGNORECASE)
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")

Hours = dict[int, list[tuple[dt.time, dt.time]]]


def parse_duration(text: str) -> int:
    """``"8h"`` -> 28800, ``"7d"`` -> 604800 seconds (a day is 24 hours on either clock)."""
    m = _DURATION.match(str(text))
    if not m:
        raise SettingError(_("Write a duration in hours or days, e.g. 8h or 7d."))
    seconds = round(float(m.group(1)) * (86400 if m.group(2).lower() == "d" else 3600))
    if not 0 < seconds <= 366 * 86400:
        raise SettingError(_("A duration is more than zero and at most 366 days."))
    return seconds


def _days(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        ends = part.strip().lower().split("-")
        if len(ends) > 2 or any(e not in DAY_NAMES for e in ends):
            raise SettingError(_("Unknown day %(day)s: use mon, tue, wed, thu, fri, sat, sun.",
                                 day=part.strip()))
        a, b = DAY_NAMES.index(ends[0]), DAY_NAMES.index(ends[-1])
        if b < a:
            raise SettingError(_("A range of days runs forwards, e.g. mon-fri."))
        out.extend(range(a, b + 1))
    return out


def parse_hours(text: str) -> Hours:
    """``"mon-fri 09:00-18:00; sat 09:00-12:00"`` -> weekday (0 = Monday) -> spans."""
    hours: Hours = {d: [] for d in range(7)}
    for entry in str(text).split(";"):
        if not entry.strip():
            continue
        try:
            days, spans = entry.strip().split(None, 1)
        except ValueError:
            raise SettingError(_("Write working hours as DAYS HH:MM-HH:MM, e.g. "
                                 "mon-fri 09:00-18:00; sat 09:00-12:00.")) from None
        for span in spans.split(","):
            m = _SPAN.match(span.strip())
            if not m:
                raise SettingError(_("Write working hours as DAYS HH:MM-HH:MM, e.g. "
                                     "mon-fri 09:00-18:00; sat 09:00-12:00."))
            h1, m1, h2, m2 = (int(x) for x in m.groups())
            if not (h1 < 24 and h2 <= 24 and m1 < 60 and m2 < 60 and (h2, m2) <= (24, 0)
                    and (h1, m1) < (h2, m2)):
                raise SettingError(_("A working period ends after it starts, within the day."))
            end = dt.time(23, 59, 59, 999999) if h2 == 24 else dt.time(h2, m2)
            for d in _days(days):
                hours[d].append((dt.time(h1, m1), end))
    for d in hours:
        hours[d].sort()
        for (_s1, e1), (s2, _e2) in zip(hours[d], hours[d][1:], strict=False):
            if s2 < e1:
                raise SettingError(_("Working periods of one day must not overlap."))
    if not any(hours.values()):
        raise SettingError(_("At least one working period is needed."))
    return hours


def _check_hours(value: str) -> None:
    parse_hours(value)


def _check_duration(value: str) -> None:
    parse_duration(value)


def _policy_settings() -> list[Setting]:
    out = []
    labels = {"first_response": N_("First-response target"),
              "escalation": N_("Escalation to brand admins after"),
              "resolution": N_("Resolution target")}
    help_ = N_("Hours (h) or days of 24 hours (d) from the opening, on the severity's clock.")
    for sev in SEVERITIES:
        for target in TARGETS:
            out.append(Setting(AREA, f"{sev}_{target}", Kind.TEXT, DEFAULT_TARGETS[target],
                               labels[target], help_, check=_check_duration))
        out.append(Setting(AREA, f"{sev}_clock", Kind.CHOICE, "calendar",
                           N_("SLA clock"),
                           N_("`business`: the brand's working time; `calendar`: 24x7."),
                           choices=CLOCKS, choice_labels="complaints.clock"))
    return out


SETTINGS = (
    Setting(AREA, "working_hours", Kind.TEXT, "mon-fri 09:00-18:00",
            N_("Weekly working hours"),
            N_("In the brand's timezone, e.g. `mon-fri 09:00-18:00; sat 09:00-12:00`. "
               "Statutory holidays and make-up working days come from the jurisdiction's "
               "calendar."), check=_check_hours),
    Setting(AREA, "reopen_days", Kind.INT, 14,
            N_("Days after resolution a ticket may be reopened"), min=0, max=365),
    Setting(AREA, "warning_share", Kind.INT, 75,
            N_("Warn at this share of a target (%)"), min=1, max=99),
    Setting(AREA, "public_link_version", Kind.INT, 1,
            N_("Version of the public complaint link"),
            N_("Raise it to retire every complaint link handed out before."), min=1,
            max=1_000_000),
    Setting(AREA, "survey_days", Kind.INT, 14,
            N_("Days a survey link stays valid"), min=1, max=90),
    Setting(AREA, "nps_sample_size", Kind.INT, 100,
            N_("Customers asked for NPS each month"), min=1, max=100_000),
    *_policy_settings(),
)
