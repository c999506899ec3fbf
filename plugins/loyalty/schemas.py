"""Marshmallow schemas for every loyalty input (CLI options, API bodies, forms) and output.

Load them with :func:`core.schemas.load_or_raise`: errors become translated field messages.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from core.api import BrandScopedSchema, MoneyField, _
from plugins.loyalty.models import RewardKind


class _Input(BrandScopedSchema):
    class Meta:
        unknown = EXCLUDE


def _ref(required: bool = True) -> fields.String:
    return fields.String(required=required, validate=validate.Length(min=1, max=64))


class RatioField(fields.Decimal):
    """A positive decimal with at most four places, read from a string or a number."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(places=None, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Any:
        if isinstance(value, float):
            value = repr(value)
        result = super()._deserialize(value, attr, data, **kw)
        if result <= 0:
            raise ValidationError(_("Must be greater than zero."))
        if result != result.quantize(type(result)("0.0001")):
            raise ValidationError(_("At most four decimal places."))
        return result


class TierSchema(_Input):
    """A tier's definition (create or change by ``code``)."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    rank = fields.Integer(required=True, validate=validate.Range(min=0, max=100))
    min_value = MoneyField(required=True)
    retain_value = MoneyField()
    multiplier = RatioField(load_default=None)
    benefits = fields.String(validate=validate.Length(max=2000))

    @validates_schema
    def _retain_not_above_min(self, data: dict[str, Any], **kw: Any) -> None:
        retain = data.get("retain_value")
        if retain is not None and "min_value" in data and retain > data["min_value"]:
            raise ValidationError(_("The value to keep a tier cannot be above the value to "
                                    "reach it."), "retain_value")


class AdjustSchema(_Input):
    """A manual adjustment by a named user, with a reason."""

    customer_ref = _ref()
    points = fields.Integer(required=True, validate=validate.Range(min=-10_000_000,
                                                                    max=10_000_000))
    reason = fields.String(required=True, validate=validate.Length(min=3, max=2000))
    adjustment_ref = fields.String(validate=validate.Length(min=1, max=100))

    @validates_schema(skip_on_field_errors=False)
    def _not_zero(self, data: dict[str, Any], **kw: Any) -> None:
        if data.get("points") == 0:
            raise ValidationError(_("An adjustment of 0 points changes nothing."), "points")


class RedeemPointsSchema(_Input):
    """Spend points (API, counter redemption); ``redemption_ref`` makes a retry harmless."""

    customer_ref = _ref()
    points = fields.Integer(required=True, validate=validate.Range(min=1, max=10_000_000))
    redemption_ref = fields.String(required=True, validate=validate.Length(min=1, max=100))
    reason = fields.String(validate=validate.Length(max=2000))


class RewardSchema(_Input):
    """A catalogue reward."""

    code = _ref()
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in RewardKind]))
    points_cost = fields.Integer(required=True, validate=validate.Range(min=1, max=10_000_000))
    stock = fields.Integer(validate=validate.Range(min=0), allow_none=True)
    active = fields.Boolean(load_default=True)


class RedeemRewardSchema(_Input):
    """Give a customer a reward for points."""

    customer_ref = _ref()
    reward_code = _ref()
    redemption_ref = fields.String(required=True, validate=validate.Length(min=1, max=100))


class EntryOut(Schema):
    """A ledger entry as shown by the API and the customer page."""

    id = fields.Integer(required=True)
    kind = fields.Function(lambda e: e.kind.value, required=True,
                           metadata={"type": "string"})
    points = fields.Integer(required=True)
    source_kind = fields.Function(lambda e: e.source_kind.value, required=True,
                                  metadata={"type": "string"})
    source_ref = fields.String(required=True)
    effective_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)
    created_by = fields.String(required=True)
