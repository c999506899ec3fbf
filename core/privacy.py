"""Showing personal data: masked by default, revealed only through a logged call.

The web UI, the API and the CLI use these helpers whenever they show a record:

- ``masked(value)``: ``13800138000`` → ``138****8000`` (None and "" unchanged).
- ``sensitive_fields(model)``: the ``EncryptedText`` columns of a model (core or module).
- ``masked_dict(obj)``: a record's columns as a dict with every sensitive field masked
  and the keyed lookup hashes (``*_hash``) left out: the safe default for lists,
  detail pages and API responses.

To show a plaintext value, check the user's permission, then call
``core.audit.reveal(ctx, obj, field)``, which writes the ``reveal`` audit entry.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect

from core.audit.listener import jsonable
from core.crypto import EncryptedText, mask


def masked(value: str | None) -> str | None:
    """A sensitive value masked for display (the one masking rule of the product)."""
    return mask(value)


def sensitive_fields(model: type[Any]) -> list[str]:
    """Attribute names of ``model``'s encrypted (sensitive) columns."""
    return [prop.key for prop in inspect(model).column_attrs
            if isinstance(prop.columns[0].type, EncryptedText)]


def masked_dict(obj: Any, *, json_safe: bool = False) -> dict[str, Any]:
    """``obj``'s column values with sensitive ones masked and ``*_hash`` columns omitted.

    ``json_safe`` turns Decimals, dates and enums into strings (API responses).
    """
    out: dict[str, Any] = {}
    for prop in inspect(type(obj)).column_attrs:
        column = prop.columns[0]
        if column.name.endswith("_hash"):
            continue
        value = getattr(obj, prop.key)
        if isinstance(column.type, EncryptedText):
            value = mask(value)
        out[prop.key] = jsonable(value) if json_safe else value
    return out
