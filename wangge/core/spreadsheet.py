"""Cells written into exported spreadsheets (Excel, CSV) that Excel will not run as formulas."""

from __future__ import annotations

from typing import Any

# A cell starting with one of these is read by Excel as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value` unchanged, except text that Excel would take for a formula, which gets a leading
    apostrophe (shown as text, not evaluated). Numbers and dates pass as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
