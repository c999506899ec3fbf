"""Marshmallow schemas for the few form inputs that have no service schema of their own."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from core.schemas import REP_STATUSES, Day


class StatusChangeSchema(Schema):
    """A rep status change from the admin form or the API."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(required=True, validate=validate.OneOf(REP_STATUSES))
    effective_on = Day()
    reason = fields.String(validate=validate.Length(max=2000))


class IdSchema(Schema):
    """A positive record id."""

    id = fields.Integer(required=True, validate=validate.Range(min=1))
