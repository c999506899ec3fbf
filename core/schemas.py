"""Marshmallow schemas for every core input: API bodies, CSV rows and CLI options.

Errors are translated by :func:`load_or_raise`, which turns marshmallow's messages into
field-level messages in the current locale.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from core.errors import ValidationFailed
from core.i18n import N_, _

# Marshmallow's stock messages, listed so that pybabel extracts them for translation.
STOCK_MESSAGES = [
    N_("Missing data for required field."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid string."),
    N_("Not a valid email address."),
    N_("Not a valid boolean."),
    N_("Unknown field."),
    N_("Field may not be null."),
    N_("Invalid input type."),
    N_("Shorter than minimum length %(min)s."),
    N_("Longer than maximum length %(max)s."),
    N_("Must be greater than or equal to %(min)s."),
    N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
    N_("Must be one of: %(choices)s."),
    N_("Length must be between %(min)s and %(max)s."),
    N_("Length must be %(equal)s."),
    N_("Must be less than or equal to %(max)s."),
    N_("Must be greater than %(min)s."),
    N_("Must be less than %(max)s."),
    N_("Must be greater than %(min)s and less than %(max)s."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Not a valid time."),
    N_("Not a valid UUID."),
    N_("Not a valid decimal."),
]

# A parametrised stock message arrives formatted ("Length must be between 1 and 64."): each
# template becomes a pattern whose groups are its parameters.
_PATTERNS = [
    (re.compile("^" + re.sub(r"%\\\((\w+)\\\)s", r"(?P<\1>.+?)", re.escape(m)) + "$"), m)
    # the longest first: "at least 1 and at most 9" before "at least 1"
    for m in sorted((m for m in STOCK_MESSAGES if "%(" in m), key=len, reverse=True)
]


def _translate(message: str) -> str:
    """A marshmallow message in the current locale: the stock ones, parametrised or not
    (a message of our own is already translated where it was raised)."""
    if message in STOCK_MESSAGES:
        return _(message)
    for pattern, template in _PATTERNS:
        found = pattern.match(message)
        if found:
            return _(template, **found.groupdict())
    return message


def flatten_errors(messages: Any, prefix: str = "",
                   translate: Callable[[str], str] | None = None) -> dict[str, list[str]]:
    """Marshmallow's nested error dict → ``{"lines.0.sku": [msg, ...]}``, each message
    translated (``translate``, default: marshmallow's stock messages by the core)."""
    tr = translate or _translate
    out: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                name = prefix or "_schema"
            for k, v in flatten_errors(value, name, tr).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(messages, list):
        out[prefix or "_schema"] = [tr(str(m)) for m in messages
                                    if not isinstance(m, (dict, list))]
        for m in messages:
            if isinstance(m, (dict, list)):
                for k, v in flatten_errors(m, prefix, tr).items():
                    out.setdefault(k, []).extend(v)
    else:
        out[prefix or "_schema"] = [tr(str(messages))]
    return out


#: Inside :func:`strict_input` (an API request), a field no schema declares is an error
#: ("Unknown field.") instead of being dropped: a misspelt ``phon`` must not be lost
#: silently. CSV imports and forms stay lenient (extra columns, extra form keys).
STRICT_INPUT: ContextVar[bool] = ContextVar("directcrm_strict_input", default=False)


@contextmanager
def strict_input() -> Iterator[None]:
    """Refuse unknown fields in every :func:`load_or_raise` of this block."""
    token = STRICT_INPUT.set(True)
    try:
        yield
    finally:
        STRICT_INPUT.reset(token)


def unknown_fields(schema: Schema, data: Any, prefix: str = "") -> dict[str, list[str]]:
    """``{"path": ["Unknown field."]}`` for every key of ``data`` (and of its nested
    objects and lists of objects) that ``schema`` does not declare."""
    if not isinstance(data, Mapping):
        return {}
    known = {(f.data_key or name): f for name, f in schema.fields.items() if not f.dump_only}
    out: dict[str, list[str]] = {}
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        declared = known.get(key)
        if declared is None:
            out[path] = [_("Unknown field.")]
        elif isinstance(declared, fields.Nested) and isinstance(declared.schema, Schema):
            items = value if declared.many and isinstance(value, list) else [value]
            for i, item in enumerate(items):
                sub = f"{path}.{i}" if declared.many else path
                out.update(unknown_fields(declared.schema, item, sub))
        elif (isinstance(declared, fields.List) and isinstance(declared.inner, fields.Nested)
              and isinstance(value, list)):
            for i, item in enumerate(value):
                out.update(unknown_fields(declared.inner.schema, item, f"{path}.{i}"))
    return out


def load_or_raise(schema: Schema, data: Mapping[str, Any], *,
                  gettext: Callable[[str], str] | None = None) -> dict[str, Any]:
    """Validate ``data``; raise :class:`ValidationFailed` with translated field errors
    (every field's, unknown fields included inside :func:`strict_input`).

    ``gettext`` (a module's own ``_``) translates the module's messages given at import
    time (``validate.OneOf(..., error=N_("..."))``); marshmallow's stock messages are
    translated by the core either way.
    """
    unknown = unknown_fields(schema, data) if STRICT_INPUT.get() else {}
    try:
        loaded = schema.load(data)
    except ValidationError as exc:
        translate = None if gettext is None else _either(gettext)
        raise ValidationFailed({**flatten_errors(exc.messages, translate=translate),
                                **unknown}) from None
    if unknown:
        raise ValidationFailed(unknown)
    return loaded


def _either(gettext: Callable[[str], str]) -> Callable[[str], str]:
    def translate(message: str) -> str:
        text = gettext(message)
        return text if text != message else _translate(message)
    return translate


# Bounds of every input, declared once (the database would refuse beyond them, or each
# database differently).
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199
MAX_TAGS = 50

# The largest amount any single money input may carry. Lines multiply it by at most
# 100,000 units, which still fits the Numeric(18, 2) columns on every database.
MAX_MONEY = Decimal("999999999.99")


class MoneyField(fields.Field):
    """A Decimal amount with at most two decimal places, never a float.

    Bounded by :data:`MAX_MONEY`; ``positive=True`` also refuses zero (payments).
    """

    def __init__(self, *args: Any, positive: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.positive = positive

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> Decimal:
        if isinstance(value, float):
            value = repr(value)
        try:
            amount = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise ValidationError(_("Not a valid amount, e.g. 199.00.")) from None
        if not amount.is_finite():
            raise ValidationError(_("Not a valid amount, e.g. 199.00."))
        if amount > MAX_MONEY:  # checked first: quantizing 1e400 would raise
            raise ValidationError(_("Must be at most %(max)s.", max=MAX_MONEY))
        if amount < 0:
            raise ValidationError(_("Must not be negative."))
        if amount != amount.quantize(Decimal("0.01")):
            raise ValidationError(_("At most two decimal places."))
        if self.positive and amount == 0:
            raise ValidationError(_("Must be more than zero."))
        return amount.quantize(Decimal("0.01"))

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kw: Any) -> str | None:
        return None if value is None else str(value)


class AwareDateTime(fields.Field):
    """An ISO date-time; a value without offset is read in the brand's timezone.

    The schema's context must carry ``tz`` (a ZoneInfo) for naive values.
    """

    def __init__(self, *args: Any, tz: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz = tz

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> dt.datetime:
        if isinstance(value, dt.datetime):
            parsed = value
        else:
            text = str(value).strip()
            try:
                parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise ValidationError(_("Not a valid date-time, e.g. 2026-03-01T10:30:00+08:00."))\
                    from None
        if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:  # before astimezone: it overflows
            raise ValidationError(_("Must be between the years %(first)s and %(last)s.",
                                    first=EARLIEST_YEAR, last=LATEST_YEAR))
        if parsed.tzinfo is None:
            tz = getattr(self.parent, "tz", None) or self.tz or dt.UTC
            parsed = parsed.replace(tzinfo=tz)
        return parsed.astimezone(dt.UTC)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kw: Any) -> str | None:
        return None if value is None else value.isoformat()


class Day(fields.Date):
    """A calendar date (``YYYY-MM-DD``) between the years 1900 and 2199."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any) -> dt.date:
        day = super()._deserialize(value, attr, data, **kw)
        if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise ValidationError(_("Must be between the years %(first)s and %(last)s.",
                                    first=EARLIEST_YEAR, last=LATEST_YEAR))
        return day


def nul_paths(value: Any, path: str = "") -> list[str]:
    """Paths (``lines.0.sku``) of the texts in an input that contain a NUL character."""
    if isinstance(value, str):
        return [path or "_schema"] if "\x00" in value else []
    if isinstance(value, Mapping):
        return [p for k, v in value.items()
                for p in nul_paths(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, (list, tuple)):
        return [p for i, v in enumerate(value)
                for p in nul_paths(v, f"{path}.{i}" if path else str(i))]
    return []


def _ref(required: bool = True) -> fields.String:
    return fields.String(required=required, validate=validate.Length(min=1, max=64))


class BrandScopedSchema(Schema):
    """The base of every input schema: naive date-times are read in the brand's
    timezone, and a text with a NUL character (which PostgreSQL cannot store, and SQLite
    would) is refused naming its field, so that both databases give the same answer."""

    class Meta:
        unknown = EXCLUDE

    def __init__(self, *args: Any, tz: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz = tz

    @pre_load
    def _no_nul(self, data: Any, **kw: Any) -> Any:
        if isinstance(data, Mapping) and all(
                isinstance(v, str) and "\x00" not in v for v in data.values()):
            return data  # the common case (a CSV row): flat texts, nothing to walk
        bad = nul_paths(data) if isinstance(data, Mapping) else []
        if bad:
            raise ValidationError({p: [_("Must not contain NUL characters.")] for p in bad})
        return data


def _blank_to_none(data: Mapping[str, Any]) -> dict[str, Any]:
    """CSV cells are strings: an empty cell means 'not given'."""
    return {k: (None if isinstance(v, str) and v.strip() == "" else
                v.strip() if isinstance(v, str) else v) for k, v in data.items()
            if v is not None and not (isinstance(v, str) and v.strip() == "")}


REP_STATUSES = ["applicant", "active", "suspended", "terminated"]
ORDER_STATUSES = ["pending", "paid", "cancelled"]


class RepSchema(BrandScopedSchema):
    rep_ref = _ref()
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    phone = fields.String(validate=validate.Length(min=5, max=32))
    birth_date = Day()
    occupation = fields.String(validate=validate.Length(max=64))
    province = fields.String(validate=validate.Length(max=64))
    territory = fields.String(validate=validate.Length(max=64))
    status = fields.String(validate=validate.OneOf(REP_STATUSES), load_default="applicant")
    joined_on = Day()
    left_on = Day()
    certificate_no = fields.String(validate=validate.Length(max=64))
    certificate_valid_from = Day()
    certificate_valid_until = Day()
    sponsor_ref = fields.String(validate=validate.Length(max=64))
    capacity = fields.Integer(validate=validate.Range(min=0, max=1_000_000))

    @validates_schema
    def _dates_in_order(self, data: dict[str, Any], **kw: Any) -> None:
        errors = rep_date_errors(data)
        if errors:
            raise ValidationError(errors)


#: Pairs of rep dates where the second may not come before the first.
REP_DATE_PAIRS = (("certificate_valid_from", "certificate_valid_until"),
                  ("joined_on", "left_on"))


def rep_date_errors(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """``{field: [reason]}`` for rep dates out of order (a certificate valid until a day
    before it is valid from, a rep leaving before joining)."""
    return {late: [_("Must not be before %(field)s (%(date)s).", field=early,
                     date=values[early].isoformat())]
            for early, late in REP_DATE_PAIRS
            if values.get(early) is not None and values.get(late) is not None
            and values[late] < values[early]}


class CustomerSchema(BrandScopedSchema):
    customer_ref = _ref()
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    phone = fields.String(validate=validate.Length(min=5, max=32))
    email = fields.Email()
    wechat_id = fields.String(validate=validate.Length(min=1, max=64))
    birthday = Day()
    source_channel = fields.String(validate=validate.Length(max=32))
    rep_ref = fields.String(validate=validate.Length(max=64))
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                       validate=validate.Length(max=MAX_TAGS))


class CustomerUpdateSchema(CustomerSchema):
    customer_ref = _ref(required=False)
    name = fields.String(validate=validate.Length(min=1, max=200))


class ProductSchema(BrandScopedSchema):
    sku = _ref()
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = fields.String(required=True, validate=validate.Length(min=1, max=64))
    list_price = MoneyField(required=True)
    replenish_days = fields.Integer(validate=validate.Range(min=1, max=3650))
    active = fields.Boolean(load_default=True)


class OrderLineSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    sku = _ref()
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=100_000))
    unit_price = MoneyField(required=True)


class PaymentSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    method = fields.String(required=True, validate=validate.Length(min=1, max=32))
    amount = MoneyField(required=True, positive=True)
    reference = fields.String(validate=validate.Length(max=120))


class PayOrderSchema(BrandScopedSchema):
    """The body of "pay this order": its payments (one of the whole total if none)."""

    payments = fields.List(fields.Nested(PaymentSchema), validate=validate.Length(min=1))


class RecordPaymentSchema(BrandScopedSchema):
    """The body of "record a payment": money received for a pending order (a deposit, an
    instalment or the balance), at most what is left to pay."""

    payments = fields.List(fields.Nested(PaymentSchema), required=True,
                           validate=validate.Length(min=1))
    paid_at = AwareDateTime(load_default=None)


class RefundDepositSchema(BrandScopedSchema):
    """The body of "the deposit was given back" (optional): when, and a reference."""

    refunded_at = AwareDateTime(load_default=None)
    reference = fields.String(validate=validate.Length(max=120), load_default=None)


class OrderSchema(BrandScopedSchema):
    # Optional: without one the brand's pattern numbers the order (orders.number_pattern).
    order_ref = fields.String(validate=validate.Length(min=1, max=64), load_default=None)
    customer_ref = _ref()
    rep_ref = fields.String(validate=validate.Length(max=64))
    ordered_at = AwareDateTime(required=True)
    channel = fields.String(validate=validate.Length(max=32))
    region = fields.String(validate=validate.Length(max=64))
    status = fields.String(validate=validate.OneOf(ORDER_STATUSES), load_default="paid")
    lines = fields.List(fields.Nested(OrderLineSchema), required=True,
                        validate=validate.Length(min=1))
    payments = fields.List(fields.Nested(PaymentSchema))

    @validates_schema
    def _one_line_per_sku(self, data: dict[str, Any], **kw: Any) -> None:
        skus = [line["sku"] for line in data.get("lines", [])]
        dupes = sorted({s for s in skus if skus.count(s) > 1})
        if dupes:
            raise ValidationError(_("The same sku appears on several lines: %(skus)s.",
                                    skus=", ".join(dupes)), "lines")


class OrderLineRowSchema(BrandScopedSchema):
    """One CSV row of the orders import (one order line)."""

    order_ref = _ref()
    customer_ref = _ref()
    rep_ref = fields.String(validate=validate.Length(max=64))
    ordered_at = AwareDateTime(required=True)
    sku = _ref()
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=100_000))
    unit_price = MoneyField(required=True)
    status = fields.String(validate=validate.OneOf(ORDER_STATUSES), load_default="paid")
    channel = fields.String(validate=validate.Length(max=32))
    region = fields.String(validate=validate.Length(max=64))


class ReturnLineSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    sku = _ref()
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=100_000))
    amount = MoneyField(required=True)


class ReturnSchema(BrandScopedSchema):
    return_ref = _ref()
    order_ref = _ref()
    requested_at = AwareDateTime(required=True)
    refunded_at = AwareDateTime()
    reason = fields.String(validate=validate.Length(max=2000))
    lines = fields.List(fields.Nested(ReturnLineSchema), required=True,
                        validate=validate.Length(min=1))


class ReturnRowSchema(BrandScopedSchema):
    """One CSV row of the returns import (one returned line)."""

    return_ref = _ref()
    order_ref = _ref()
    sku = _ref()
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=100_000))
    amount = MoneyField(required=True)
    requested_at = AwareDateTime(required=True)
    refunded_at = AwareDateTime()


class InteractionSchema(BrandScopedSchema):
    customer_ref = _ref()
    kind = fields.String(required=True,
                         validate=validate.OneOf(["visit", "call", "message", "note"]))
    occurred_at = AwareDateTime(required=True)
    summary = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    rep_ref = fields.String(validate=validate.Length(max=64))


class TaskSchema(BrandScopedSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    due_at = AwareDateTime(required=True)
    customer_ref = fields.String(validate=validate.Length(max=64))
    rep_ref = fields.String(validate=validate.Length(max=64))
    kind = fields.String(load_default="follow_up", validate=validate.Length(max=32))


def clean_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """Prepare a CSV row for a schema: trimmed strings, empty cells dropped."""
    return _blank_to_none(row)
