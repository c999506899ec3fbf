"""Babel formatting of report values, by type (the ComplianceResult convention):
Decimal = money in the brand's currency, float = ratio shown as a percentage,
int = count, date / datetime = in the brand's timezone, None = a dash."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent

from core.api import _


class Formatter:
    """Formats values for one report (locale, currency, timezone)."""

    def __init__(self, locale: str, currency: str, tz: ZoneInfo) -> None:
        self.locale = Locale.parse(locale)
        self.currency = currency
        self.tz = tz

    def __call__(self, value: object) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, Decimal):
            return format_currency(value, self.currency, locale=self.locale)
        if isinstance(value, float):
            return format_percent(value, "#,##0.0%", locale=self.locale)
        if isinstance(value, int):
            return format_decimal(value, locale=self.locale)
        if isinstance(value, dt.datetime):
            return format_datetime(value.astimezone(self.tz), "medium", tzinfo=self.tz,
                                   locale=self.locale)
        if isinstance(value, dt.date):
            return format_date(value, "medium", locale=self.locale)
        return str(value)

    def number(self, value: int) -> str:
        """A plain count."""
        return format_decimal(value, locale=self.locale)

    def is_numeric(self, value: object) -> bool:
        """Right-align numbers and money in tables."""
        return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
