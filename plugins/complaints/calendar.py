"""The brand's working calendar and the SLA arithmetic on it.

A day is a working day unless it is one of the brand's closures or a statutory holiday of
its jurisdiction; a weekend day is a working day when the jurisdiction declares it a make-up
working day (调休), with the hours of the first working weekday. CN days come from
``chinesecalendar`` (the State Council's yearly notice), other jurisdictions (TW, US...)
from ``holidays``; outside the years a library knows, only the weekly hours apply.

:class:`WorkingCalendar` is pure (no database): ``add_working_time(start, seconds)`` and
``working_seconds_between(a, b)`` are what every SLA due time is computed with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

from plugins.complaints.settings import Hours, parse_hours

# How far ahead a due time is looked for (a calendar with no working time left is refused).
HORIZON_DAYS = 3 * 366


@dataclass(frozen=True, slots=True)
class DayInfo:
    """What a local date is: ``working``, ``make_up``, ``weekend``, ``holiday`` or
    ``closure``, with the name of the holiday or the closure's reason."""

    day: dt.date
    kind: str
    name: str | None
    periods: tuple[tuple[dt.datetime, dt.datetime], ...]  # aware UTC, in order


@lru_cache(maxsize=64)
def _cn_year(year: int) -> tuple[dict[dt.date, str], frozenset[dt.date]]:
    import chinese_calendar as cc

    holidays: dict[dt.date, str] = {}
    makeups: set[dt.date] = set()
    day = dt.date(year, 1, 1)
    try:
        while day.year == year:
            is_holiday, name = cc.get_holiday_detail(day)
            if is_holiday and name:
                holidays[day] = name
            elif not is_holiday and day.weekday() >= 5:
                makeups.add(day)
            day += dt.timedelta(days=1)
    except NotImplementedError:  # a year the library does not know yet
        return {}, frozenset()
    return holidays, frozenset(makeups)


@lru_cache(maxsize=64)
def _other_year(country: str, year: int) -> tuple[dict[dt.date, str], frozenset[dt.date]]:
    import holidays as hol

    try:
        days = hol.country_holidays(country, years=year)
    except NotImplementedError:  # the library knows no such country
        return {}, frozenset()
    found = {d: str(n) for d, n in days.items() if d.year == year}
    makeups = frozenset(d for d in getattr(days, "weekend_workdays", ()) if d.year == year)
    return found, makeups


def statutory(jurisdiction: str | None, year: int) -> tuple[dict[dt.date, str],
                                                            frozenset[dt.date]]:
    """The jurisdiction's statutory days off (date -> name) and make-up working days."""
    code = (jurisdiction or "").upper()
    if code == "CN":
        return _cn_year(year)
    if code and code != "EU":
        return _other_year(code, year)
    return {}, frozenset()


@dataclass
class WorkingCalendar:
    """Weekly hours in ``tz``, statutory days of ``jurisdiction``, and ``closures``."""

    tz: ZoneInfo
    hours: Hours
    jurisdiction: str | None = None
    closures: Mapping[dt.date, str] = field(default_factory=dict)
    clock: str = "business"  # "calendar": every moment counts (24x7)

    @classmethod
    def from_text(cls, tz: str | ZoneInfo, hours: str = "mon-fri 09:00-18:00",
                  jurisdiction: str | None = None,
                  closures: Mapping[dt.date, str] | None = None) -> WorkingCalendar:
        """A calendar from the settings' text form (tests, the CLI)."""
        zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        return cls(zone, parse_hours(hours), jurisdiction, dict(closures or {}))

    def as_clock(self, clock: str) -> WorkingCalendar:
        """The same calendar counting ``business`` or ``calendar`` time."""
        return WorkingCalendar(self.tz, self.hours, self.jurisdiction, self.closures, clock)

    # -- days ------------------------------------------------------------------------------

    def day(self, day: dt.date) -> DayInfo:
        """What ``day`` (a local date) is, with its working periods in UTC."""
        if day in self.closures:
            return DayInfo(day, "closure", self.closures[day], ())
        holidays, makeups = statutory(self.jurisdiction, day.year)
        if day in holidays:
            return DayInfo(day, "holiday", holidays[day], ())
        if day in makeups:
            spans = next((s for d in range(7) if (s := self.hours[d])), [])
            return DayInfo(day, "make_up", None, self._periods(day, spans))
        spans = self.hours[day.weekday()]
        if not spans:
            return DayInfo(day, "weekend", None, ())
        return DayInfo(day, "working", None, self._periods(day, spans))

    def days(self, first: dt.date, last: dt.date) -> Iterator[DayInfo]:
        """Every local date from ``first`` to ``last`` included."""
        day = first
        while day <= last:
            yield self.day(day)
            day += dt.timedelta(days=1)

    def _periods(self, day: dt.date, spans: Iterable[tuple[dt.time, dt.time]]
                 ) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
        out = []
        for start, end in spans:
            a = dt.datetime.combine(day, start, self.tz).astimezone(dt.UTC)
            if end == dt.time(23, 59, 59, 999999):
                b = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), self.tz)
            else:
                b = dt.datetime.combine(day, end, self.tz)
            out.append((a, b.astimezone(dt.UTC)))
        return tuple(out)

    def _periods_from(self, start: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        day = start.astimezone(self.tz).date() - dt.timedelta(days=1)  # a span past midnight
        for _i in range(HORIZON_DAYS):
            for a, b in self.day(day).periods:
                if b > start:
                    yield max(a, start), b
            day += dt.timedelta(days=1)
        raise ValueError("no working time within the horizon")

    # -- arithmetic ------------------------------------------------------------------------

    def add_working_time(self, start: dt.datetime, seconds: float) -> dt.datetime:
        """The moment when ``seconds`` of working time have passed since ``start``.

        Outside working time the count starts at the next working moment; a target that
        ends exactly at the close of a day is due at that close (not the next opening).
        """
        start = start.astimezone(dt.UTC)
        if self.clock == "calendar":
            return start + dt.timedelta(seconds=seconds)
        left = dt.timedelta(seconds=seconds)
        for a, b in self._periods_from(start):
            if b - a >= left:
                return a + left
            left -= b - a
        raise AssertionError("unreachable")

    def working_seconds_between(self, a: dt.datetime, b: dt.datetime) -> int:
        """Working seconds from ``a`` to ``b`` (0 when ``b`` is not after ``a``)."""
        a, b = a.astimezone(dt.UTC), b.astimezone(dt.UTC)
        if b <= a:
            return 0
        if self.clock == "calendar":
            return int((b - a).total_seconds())
        total = dt.timedelta()
        for p, q in self._periods_from(a):
            if p >= b:
                break
            total += min(q, b) - p
        return int(total.total_seconds())
