"""Kept for the modules that import `safe_cell` from here: the one helper is
`wangge.core.spreadsheets.spreadsheet_safe`."""

from __future__ import annotations

from wangge.core.spreadsheets import FORMULA_STARTS
from wangge.core.spreadsheets import spreadsheet_safe as safe_cell

__all__ = ["FORMULA_STARTS", "safe_cell"]
