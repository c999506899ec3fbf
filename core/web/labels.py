"""Display names of stored codes for pages: the one registry is :mod:`core.labels`."""

from __future__ import annotations

from core.labels import (
    choices,
    codes,
    label,
    register_labels,
    segment_label,
    stored_text,
)

__all__ = ["choices", "codes", "label", "register_labels", "segment_label", "stored_text"]
