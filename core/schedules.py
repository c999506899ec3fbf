"""Job schedules: when a scheduled job is due, as a *slot* in the brand's local time.

A slot names the most recent scheduled moment at or before ``now``: the local date for
``daily HH:MM`` (before HH:MM it is still the previous day's slot), the local hour for
``hourly``, the N-minute step since the epoch for ``every N minutes``. A job is due when
no run has claimed the current slot yet.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

_DAILY = re.compile(r"^daily (\d{1,2}):(\d{2})$")
_EVERY = re.compile(r"^every (\d{1,4}) minutes?$")


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule (see :func:`parse_schedule`)."""

    kind: str  # daily, hourly, every
    at: dt.time | None = None
    minutes: int | None = None

    def slot(self, now: dt.datetime, tz: ZoneInfo) -> str:
        """The slot ``now`` falls in."""
        local = now.astimezone(tz)
        if self.kind == "daily":
            assert self.at is not None
            day = local.date() if local.time() >= self.at else local.date() - dt.timedelta(1)
            return day.isoformat()
        if self.kind == "hourly":
            return local.strftime("%Y-%m-%dT%H")
        assert self.minutes is not None
        step = int(now.timestamp() // 60) // self.minutes
        return f"every{self.minutes}:{step}"


def parse_schedule(text: str) -> Schedule:
    """``"daily 02:00"``, ``"hourly"`` or ``"every 15 minutes"``; ValueError otherwise."""
    text = text.strip().lower()
    if text == "hourly":
        return Schedule("hourly")
    if m := _DAILY.match(text):
        hour, minute = int(m[1]), int(m[2])
        if hour < 24 and minute < 60:
            return Schedule("daily", at=dt.time(hour, minute))
    if (m := _EVERY.match(text)) and 1 <= int(m[1]) <= 1440:
        return Schedule("every", minutes=int(m[1]))
    raise ValueError(f"not a schedule: {text!r} (daily HH:MM, hourly, every N minutes)")
