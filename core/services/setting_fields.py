"""Validation of a brand's per-area settings (segmentation, churn risk, ...).

An area declares its defaults and one check per key; :func:`validate_settings` runs them
and raises one :class:`ValidationFailed` naming every bad key, so nothing is stored unless
all of it is valid. A check returns the value to store or raises :class:`SettingError`
with the translated reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from core.errors import ValidationFailed
from core.i18n import _

Check = Callable[[Any], Any]


class SettingError(ValueError):
    """A setting value refused, with the reason shown next to the field."""


def validate_settings(values: Mapping[str, Any], checks: Mapping[str, Check]
                      ) -> dict[str, Any]:
    """The values to store, each through its key's check; unknown keys are errors."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for key, value in values.items():
        check = checks.get(key)
        if check is None:
            errors[key] = [_("Unknown field.")]
            continue
        try:
            clean[key] = check(value)
        except SettingError as exc:
            errors[key] = [str(exc)]
    if errors:
        raise ValidationFailed(errors)
    return clean


def optional(check: Check) -> Check:
    """``check``, or None kept as None (the setting's "automatic" value)."""
    return lambda value: None if value is None else check(value)


def whole_number(value: Any) -> int:
    """An int of at least 1 (a bool is not a number here)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise SettingError(_("Must be a whole number of at least 1."))
    return value


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal("NaN")


def amount(value: Any) -> str:
    """A non-negative amount with at most two decimals, stored as text ("199.00")."""
    number = _decimal(value)
    if not number.is_finite() or number < 0 or number != number.quantize(Decimal("0.01")):
        raise SettingError(_("Not a valid amount, e.g. 199.00."))
    return str(number.quantize(Decimal("0.01")))


def percentage(value: Any) -> str:
    """A number greater than 0 and at most 100, stored as text."""
    number = _decimal(value)
    if not number.is_finite() or not 0 < number <= 100:
        raise SettingError(_("Must be greater than 0 and at most 100."))
    return str(number)


def subset_of(choices: Sequence[str]) -> Check:
    """A list of some of ``choices`` (duplicates dropped, order kept)."""
    def check(value: Any) -> list[str]:
        if not isinstance(value, list) or any(v not in choices for v in value):
            raise SettingError(_("Must be one of: %(choices)s.", choices=", ".join(choices)))
        return list(dict.fromkeys(value))
    return check
