"""Dates, numbers and money formatted by Babel for a locale and a brand's currency."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.numbers import format_currency, format_decimal

from core.i18n import current_locale


def _loc(locale: str | None) -> Locale:
    return Locale.parse(locale or current_locale())


def money(amount: Decimal | int | None, currency: str, locale: str | None = None) -> str:
    """``Decimal('1234.5'), 'CNY', 'zh_Hans_CN'`` → ``¥1,234.50``; None → ``—``."""
    if amount is None:
        return "—"
    return format_currency(Decimal(amount), currency, locale=_loc(locale))


def number(value: int | Decimal | None, locale: str | None = None) -> str:
    """A grouped number for the locale (``12,345``)."""
    if value is None:
        return "—"
    return format_decimal(value, locale=_loc(locale))


def date(value: dt.date | None, locale: str | None = None, fmt: str = "medium") -> str:
    """A date in the locale's style (``2026年3月2日``, ``Mar 2, 2026``)."""
    if value is None:
        return "—"
    return _format_date(value, format=fmt, locale=_loc(locale))


def datetime(value: dt.datetime | None, tz: ZoneInfo | str | None = None,
             locale: str | None = None, fmt: str = "medium") -> str:
    """An aware time shown in the brand's timezone and the user's locale."""
    if value is None:
        return "—"
    zone = ZoneInfo(tz) if isinstance(tz, str) else (tz or ZoneInfo("UTC"))
    return _format_datetime(value.astimezone(zone), format=fmt, tzinfo=zone,
                            locale=_loc(locale))
