"""Row loading at import speed, with the row schema's own rules and messages.

Marshmallow spends about 2 µs of framework per field; at a million rows that is most of an
import. ``FastLoader`` reads the schema's fields once and builds a plain converter per
field: strings with ``Length``/``OneOf`` and integers with ``Range`` are checked inline,
every other field calls its own ``deserialize``. Whenever the fast path meets anything it
does not handle exactly (a missing required value, a failed check, a field option it does
not know) the row is loaded by ``schema.load`` itself, so values and error messages are
always the schema's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate
from marshmallow.utils import missing


class _Fallback(Exception):
    """The fast path cannot decide this value: let the schema load the row."""


def _string(field: fields.String) -> Callable[[Any], Any] | None:
    lo = hi = None
    choices: frozenset[str] | None = None
    for v in field.validators:
        if isinstance(v, validate.Length) and v.equal is None:
            lo, hi = v.min, v.max
        elif isinstance(v, validate.OneOf):
            choices = frozenset(v.choices)
        else:
            return None

    def convert(value: Any) -> Any:
        if type(value) is not str:
            raise _Fallback
        n = len(value)
        if (lo is not None and n < lo) or (hi is not None and n > hi) or \
                (choices is not None and value not in choices):
            raise _Fallback
        return value

    return convert


def _integer(field: fields.Integer) -> Callable[[Any], Any] | None:
    lo = hi = None
    if field.strict:
        return None
    for v in field.validators:
        if isinstance(v, validate.Range) and v.min_inclusive and v.max_inclusive:
            lo, hi = v.min, v.max
        else:
            return None

    def convert(value: Any) -> Any:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise _Fallback from None
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            raise _Fallback
        return number

    return convert


def _generic(field: fields.Field, name: str) -> Callable[[Any], Any]:
    if not field.validators and not field.pre_load:
        # A present, non-empty value: ``deserialize`` would only call ``_deserialize``.
        inner = field._deserialize  # noqa: SLF001

        def convert_plain(value: Any) -> Any:
            try:
                return inner(value, name, None)
            except ValidationError:
                raise _Fallback from None

        return convert_plain

    def convert(value: Any) -> Any:
        try:
            return field.deserialize(value, name, None)
        except ValidationError:
            raise _Fallback from None

    return convert


def _plain(field: fields.Field) -> bool:
    """Options the fast path would ignore make it step aside for the whole field."""
    return not (field.pre_load or field.data_key)


NUL_CHECK = "_no_nul"  # BrandScopedSchema's pre_load, mirrored by FastLoader.load


class FastLoader:
    """``load(data)`` gives what ``schema.load(data)`` gives, faster for valid rows."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        hooks = schema._hooks  # noqa: SLF001 - read-only: schema-level hooks disable the fast path
        # The base schema's NUL check is done here too (a row with a NUL falls back to the
        # schema, which names the field); any other schema-level hook disables the fast path.
        self.enabled = not any(name != NUL_CHECK for names in hooks.values()
                               for name in (n if isinstance(n, str) else n[0] for n in names))
        self.plan: list[tuple[str, bool, Any, Callable[[Any], Any]]] = []
        for name, field in schema.load_fields.items():
            convert = None
            if type(field) is fields.String and _plain(field):
                convert = _string(field)
            elif type(field) is fields.Integer and _plain(field):
                convert = _integer(field)
            if convert is None:
                convert = _generic(field, name)
            self.plan.append((name, field.required, field.load_default, convert))

    def load(self, data: dict[str, Any]) -> dict[str, Any]:
        """Validated values of one cleaned row; raises ``ValidationError`` like the schema."""
        if not self.enabled:
            return self.schema.load(data)
        out: dict[str, Any] = {}
        if any("\x00" in v for v in data.values() if isinstance(v, str)):
            return self.schema.load(data)
        try:
            for name, required, default, convert in self.plan:
                value = data.get(name, missing)
                if value is missing:
                    if required:
                        raise _Fallback
                    if default is not missing:
                        out[name] = default() if callable(default) else default
                    continue
                out[name] = convert(value)
        except _Fallback:
            return self.schema.load(data)
        return out
