"""What every check shares: the period in the brand's timezone and the result builder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.api import ComplianceResult, Ctx, _
from plugins.compliance.rules import Rule, rule_mode

PASS, FAIL, WARN, NOT_APPLICABLE = "pass", "fail", "warn", "not_applicable"
MODULE = "compliance"


@dataclass(frozen=True)
class Period:
    """A calendar month in the brand's timezone, with its UTC bounds (end exclusive)."""

    label: str
    start: dt.date
    end: dt.date
    start_utc: dt.datetime
    end_utc: dt.datetime

    @property
    def previous_label(self) -> str:
        """``YYYY-MM`` of the month before."""
        prev = self.start - dt.timedelta(days=1)
        return f"{prev.year:04d}-{prev.month:02d}"


def month_period(ctx: Ctx, year: int, month: int) -> Period:
    """The month ``year-month`` for the acting brand."""
    start = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    tz = ctx.tz
    return Period(label=f"{year:04d}-{month:02d}", start=start,
                  end=nxt - dt.timedelta(days=1),
                  start_utc=dt.datetime.combine(start, dt.time.min, tz).astimezone(dt.UTC),
                  end_utc=dt.datetime.combine(nxt, dt.time.min, tz).astimezone(dt.UTC))


Check = Callable[[Ctx, Rule, Period], ComplianceResult]


def outcome(ctx: Ctx, rule: Rule, *, checked: int, columns: Sequence[str] = (),
            records: Sequence[tuple[object, ...]] = (),
            figures: Sequence[tuple[str, object]] = (), failed: int | None = None,
            ) -> ComplianceResult:
    """A result: pass without offending records, else fail (rule in block mode) or warn."""
    failed = len(records) if failed is None else failed
    status = PASS if not failed else FAIL if rule_mode(ctx, rule) == "block" else WARN
    return ComplianceResult(rule_id=rule.id, status=status, title=_(rule.title),
                            checked=checked, failed=failed, columns=tuple(columns),
                            records=tuple(records), figures=tuple(figures),
                            source=rule.source, module=MODULE)


def not_applicable(rule_id: str, title: str, source: str, reason: str,
                   module: str = MODULE) -> ComplianceResult:
    """A rule that does not run for this brand or period; ``reason`` says why."""
    return ComplianceResult(rule_id=rule_id, status=NOT_APPLICABLE, title=title,
                            source=source, figures=((_("Reason"), reason),), module=module)


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def local_date(ctx: Ctx, moment: dt.datetime) -> dt.date:
    """The brand-local calendar date of a UTC moment."""
    return moment.astimezone(ctx.tz).date()
