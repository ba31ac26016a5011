"""Excel exports of the community and points lists: what staff keep and hand upwards.

Cells that a spreadsheet would read as a formula (starting with = + - @, or a tab/CR) are
prefixed with an apostrophe, so a resident's text never runs as a formula in someone's Excel.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 50_000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def xlsx_response(
    *,
    filename: str,
    sheet: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    totals: Sequence[Any] | None = None,
) -> HttpResponse:
    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    ws.append(list(headers))
    for c in ws[1]:
        c.font = Font(bold=True)
    for n, row in enumerate(rows, start=1):
        ws.append([cell(v) for v in row])
        if n >= MAX_ROWS:
            break
    if totals is not None:
        ws.append([cell(v) for v in totals])
        for c in ws[ws.max_row]:
            c.font = Font(bold=True)
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
