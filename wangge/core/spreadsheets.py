"""Every CSV and Excel export goes through here, so no cell can become a live formula.

A text cell that a spreadsheet would read as a formula or a DDE command (starting with
= + - @, a tab or a carriage return) is written with a leading apostrophe: a resident named
`=HYPERLINK(...)` stays text. openpyxl would otherwise even store such a string as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
# The OpenAPI answers of a download: an Excel file, or either kind when the client chooses.
XLSX_ANSWER: dict[Any, Any] = {(200, XLSX_TYPE): bytes}
SHEET_ANSWERS: dict[Any, Any] = {(200, XLSX_TYPE): bytes, (200, "text/csv"): bytes}


def spreadsheet_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def plain(value: Any) -> Any:
    """A value a spreadsheet cell holds: aware datetimes in local time (Excel has no zones),
    decimals as numbers, lazy translations and other objects as text, None as empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool | int | float | str | date):
        return value
    return str(value)


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [spreadsheet_safe(plain(v)) for v in row]


def xlsx_bytes(header: list[str], rows: Iterable[Iterable[Any]], *, sheet: str = "数据") -> bytes:
    """A one-sheet workbook (write-only, so large exports stay cheap)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.append(safe_row(header))
    for row in rows:
        ws.append(safe_row(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(header: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """UTF-8 with BOM: Excel on Chinese Windows opens it without garbling."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(safe_row(header))
    for row in rows:
        writer.writerow(safe_row(row))
    return out.getvalue().encode("utf-8-sig")
