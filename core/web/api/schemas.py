"""The shapes of the REST API's answers, as marshmallow schemas for the OpenAPI document.

Request bodies are described by the services' own input schemas (``core.schemas``); the
answers by the ``...Out`` schemas below, which follow :mod:`core.web.api.serializers`
field for field. The fuzz test (``tests/web/test_api_fuzz.py``) checks every answer
against them, so a serializer that drifts from its schema fails the suite.

Conventions: every key is always present (``required``); a value that may be empty is
``nullable``; money and ratios are strings (exact decimals, ``"199.00"``); times are ISO
8601 with their offset; records are named by their refs, never by internal ids (tasks and
interactions keep their ``id``: it is how the API names them).
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from core.models import InteractionKind, LifecycleStage, OrderStatus, RepStatus, TaskStatus
from core.schemas import CustomerSchema
from core.services.payments import PAYMENT_STATES


def _values(enum: Any) -> list[str]:
    return [e.value for e in enum]


def text(nullable: bool = False, **kw: Any) -> fields.String:
    """A text that is always present (``nullable``: may be null)."""
    return fields.String(required=True, allow_none=nullable, **kw)


def one_of(choices: list[str], nullable: bool = False) -> fields.String:
    """A code among ``choices``."""
    return fields.String(required=True, allow_none=nullable,
                         validate=validate.OneOf(choices))


def money(nullable: bool = False) -> fields.String:
    """An exact decimal amount as a string (``"199.00"``)."""
    return fields.String(required=True, allow_none=nullable,
                         metadata={"format": "decimal", "example": "199.00"})


def when(nullable: bool = False) -> fields.DateTime:
    """An ISO 8601 date-time with its offset."""
    return fields.DateTime(required=True, allow_none=nullable)


def day(nullable: bool = False) -> fields.Date:
    """An ISO 8601 date (``YYYY-MM-DD``)."""
    return fields.Date(required=True, allow_none=nullable)


def integer(nullable: bool = False, **kw: Any) -> fields.Integer:
    """A whole number."""
    return fields.Integer(required=True, allow_none=nullable, **kw)


def boolean() -> fields.Boolean:
    """true or false."""
    return fields.Boolean(required=True)


class ErrorOut(Schema):
    """The API's one error body, in the caller's language."""

    error = text(metadata={"description": "A stable code for scripts (validation_failed, "
                                          "not_found, unauthorized, duplicate...)"})
    message = text(metadata={"description": "A sentence in the caller's language"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         required=True, metadata={
                             "description": "Field errors by field path, e.g. "
                                            "lines.0.quantity ({} when none)"})
    rule = fields.String(metadata={"description": "The compliance rule that refused it"})


class CustomerBody(CustomerSchema):
    """A new customer; ``allow_duplicate`` records it even when it looks like another."""

    allow_duplicate = fields.Boolean()


class CustomerOut(Schema):
    id = integer()
    customer_ref = text()
    name = text()
    phone = text(nullable=True, metadata={"description": "Masked"})
    email = text(nullable=True)
    birthday = day(nullable=True)
    source_channel = text(nullable=True)
    rep_ref = text(nullable=True)
    lifecycle_stage = one_of(_values(LifecycleStage))
    tags = fields.List(fields.String(), required=True)
    created_at = when()
    updated_at = when()


class RepOut(Schema):
    id = integer()
    rep_ref = text()
    name = text()
    phone = text(nullable=True, metadata={"description": "Masked"})
    status = one_of(_values(RepStatus))
    province = text(nullable=True)
    territory = text(nullable=True)
    joined_on = day(nullable=True)
    left_on = day(nullable=True)
    certificate_no = text(nullable=True)
    certificate_valid_until = day(nullable=True)
    capacity = integer(nullable=True)


class RepStatusChangeOut(Schema):
    effective_on = day()
    old_status = one_of(_values(RepStatus), nullable=True)
    new_status = one_of(_values(RepStatus))
    reason = text(nullable=True)
    changed_at = when()
    changed_by = text()


class ProductOut(Schema):
    id = integer()
    sku = text()
    name = text()
    category = text()
    list_price = money()
    replenish_days = integer(nullable=True)
    active = boolean()


class OrderLineOut(Schema):
    line_no = integer()
    sku = text()
    quantity = integer()
    unit_price = money()
    amount = money()


class PaymentOut(Schema):
    method = text()
    amount = money()
    paid_at = when()
    reference = text(nullable=True)


class OrderOut(Schema):
    id = integer()
    order_ref = text()
    customer_ref = text()
    rep_ref = text(nullable=True)
    ordered_at = when()
    status = one_of(_values(OrderStatus))
    channel = text(nullable=True)
    region = text(nullable=True)
    total_amount = money()
    paid_at = when(nullable=True)
    cancelled_at = when(nullable=True)
    # Derived from the payments (a deposit leaves the status pending).
    paid_amount = money()
    balance_due = money()
    refund_due = money()
    payment_state = one_of(list(PAYMENT_STATES))
    lines = fields.List(fields.Nested(OrderLineOut), required=True)
    payments = fields.List(fields.Nested(PaymentOut), required=True)


class ReturnLineOut(Schema):
    sku = text()
    quantity = integer()
    amount = money()


class ReturnOut(Schema):
    id = integer()
    return_ref = text()
    order_ref = text()
    amount = money()
    requested_at = when()
    refunded_at = when(nullable=True)
    reason = text(nullable=True)
    lines = fields.List(fields.Nested(ReturnLineOut), required=True)


class InteractionOut(Schema):
    id = integer()
    customer_ref = text()
    kind = one_of(_values(InteractionKind))
    occurred_at = when()
    summary = text()
    rep_ref = text(nullable=True)
    created_by = text()


class TaskOut(Schema):
    id = integer(metadata={"description": "Names the task in /tasks/{pk}/complete"})
    title = text()
    kind = text()
    customer_ref = text(nullable=True)
    rep_ref = text(nullable=True)
    due_at = when()
    status = one_of(_values(TaskStatus))
    done_at = when(nullable=True)


class LeadOut(Schema):
    lead_ref = text()
    name = text()
    phone = text(nullable=True, metadata={"description": "Masked"})
    province = text(nullable=True)
    channel = text()
    status = text()
    score = integer(nullable=True)
    rep_ref = text(nullable=True)
    contacts_count = integer()
    created_at = when()
    converted_at = when(nullable=True)


class FiguresOut(Schema):
    """Customer figures over a period; modules may add keys (``additionalProperties``)."""

    class Meta:
        unknown = "include"

    rep_ref = text(nullable=True)
    first_day = day()
    last_day = day()
    orders = integer()
    buyers = integer()
    revenue = money()
    aov = money(nullable=True)
    repurchase_rate = money(nullable=True)
    purchases_per_year = money(nullable=True)
    years_retained = money(nullable=True)
    ltv = money(nullable=True)
    new_customers = integer()
    tasks_due = integer()
    tasks_on_time = integer()
    follow_up_timeliness = money(nullable=True)
    leads_converted = integer()


class RiskFlagOut(Schema):
    rule = text()
    message = text(metadata={"description": "In the caller's language"})


class AtRiskOut(Schema):
    customer_ref = text()
    last_order_at = when(nullable=True)
    last_contact_at = when(nullable=True)
    flags = fields.List(fields.Nested(RiskFlagOut), required=True)


class CustomerRiskOut(Schema):
    customer_ref = text()
    flags = fields.List(fields.Nested(RiskFlagOut), required=True)
    segments = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                           metadata={"description": "Scheme → current segment"})


class SegmentMoveOut(Schema):
    customer_ref = text()
    old = text(nullable=True)
    new = text()
    as_of = day()


class TodayTaskOut(Schema):
    task_id = integer()
    due_at = when()
    overdue = boolean()
    kind = text()
    title = text()
    customer_ref = text(nullable=True)
    customer_value = money()


class RepOverdueOut(Schema):
    rep_ref = text(nullable=True)
    rep_name = text(nullable=True)
    overdue = integer()
    oldest_due_at = when()
