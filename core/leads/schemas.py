"""Input schemas for leads (API bodies, CSV rows, CLI options)."""

from __future__ import annotations

from marshmallow import fields, validate

from core.leads.models import LeadChannel
from core.schemas import AwareDateTime, BrandScopedSchema

CHANNELS = [c.value for c in LeadChannel]
CONTACT_KINDS = ["visit", "call", "message", "event", "other"]


class LeadSchema(BrandScopedSchema):
    lead_ref = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    phone = fields.String(validate=validate.Length(min=5, max=32))
    province = fields.String(validate=validate.Length(max=64))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    score = fields.Integer(validate=validate.Range(min=0, max=100))
    referrer_customer_ref = fields.String(validate=validate.Length(min=1, max=64))
    note = fields.String(validate=validate.Length(max=2000))


class LeadContactSchema(BrandScopedSchema):
    kind = fields.String(load_default="call", validate=validate.OneOf(CONTACT_KINDS))
    occurred_at = AwareDateTime()
    summary = fields.String(validate=validate.Length(max=2000))
    rep_ref = fields.String(validate=validate.Length(min=1, max=64))
