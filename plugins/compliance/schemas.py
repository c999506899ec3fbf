"""Input schemas of the compliance module (pay import rows, CLI options)."""

from __future__ import annotations

from marshmallow import fields, validate

from core.api import BrandScopedSchema, MoneyField, _

PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
KIND_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"


def period_field(**kwargs: object) -> fields.String:
    """A ``YYYY-MM`` month."""
    return fields.String(required=True, validate=validate.Regexp(
        PERIOD_PATTERN, error=_("Use a month as YYYY-MM, e.g. 2026-02.")), **kwargs)


class RepPayRowSchema(BrandScopedSchema):
    """One row of ``import rep_pay``: ``rep_ref,period,kind,amount``."""

    rep_ref = fields.String(required=True, validate=validate.Length(min=1, max=64))
    period = period_field()
    kind = fields.String(required=True, validate=validate.Regexp(
        KIND_PATTERN, error=_("Use lower-case letters, digits and '_' (e.g. commission, "
                              "bonus, tax), at most 32.")))
    amount = MoneyField(required=True)


class PeriodSchema(BrandScopedSchema):
    """A report period option."""

    period = period_field()
