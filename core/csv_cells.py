"""Cells of the CSV files the product writes, safe to open in a spreadsheet."""

from __future__ import annotations

from typing import Any

# A cell starting with one of these is run as a formula by Excel, LibreOffice and WPS
# (CSV injection); a leading apostrophe makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` with a text that a spreadsheet would read as a formula prefixed by ``'``.

    Only texts are changed: numbers (a negative balance) are written as they are, and so
    is a lone ``-`` (the "not ranked" segment), which no spreadsheet evaluates.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and value not in ("-", "+"):
        return "'" + value
    return value
