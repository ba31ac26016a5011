"""The statistics as an Excel workbook: the summary and each breakdown, with every rate.

The numbers are `selectors.summary` / `selectors.breakdown` of the same query, so the export,
the API and the cockpit give the same figures. Rates are written as numbers with a percentage
format (Excel can compute on them); an undefined rate (no denominator) is an empty cell.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from wangge.core.spreadsheet import safe_cell
from wangge.stats import selectors

# (key in the indicators, column header); rates are the *_rate keys.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("registered", "反映数"),
    ("accepted", "立案数"),
    ("responded", "认领数"),
    ("responded_on_time", "按时认领数"),
    ("response_rate", "响应率"),
    ("due", "应结案数"),
    ("suspended", "缓办数"),
    ("closed", "结案数"),
    ("closed_on_time", "按期结案数"),
    ("completion_rate", "结案率"),
    ("on_time_rate", "按期结案率"),
    ("rated", "评价数"),
    ("solve_answered", "答复解决情况数"),
    ("solved", "已解决数"),
    ("solved_rate", "解决率"),
    ("satisfied", "满意及基本满意数"),
    ("satisfaction_rate", "满意率"),
    ("followed_up", "已回访数"),
    ("follow_up_rate", "回访率"),
    ("reworked", "返工数"),
    ("rework_rate", "返工率"),
    ("extended", "延期数"),
    ("open", "在办数"),
    ("overdue_open", "超期在办数"),
)
BREAKDOWNS = (
    ("grid", "按网格"),
    ("category", "按类别"),
    ("channel", "按渠道"),
    ("department", "按部门"),
)


def _row(sheet: WriteOnlyWorksheet, label: list[Any], values: dict[str, Any]) -> None:
    cells: list[Any] = [safe_cell(v) for v in label]
    for key, _header in COLUMNS:
        value = values.get(key)
        if key.endswith("_rate"):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "0.00%"
            cells.append(cell)
        else:
            cells.append(value)
    sheet.append(cells)


def stats_xlsx(sq: selectors.StatsQuery) -> bytes:
    book = Workbook(write_only=True)
    params = sq.as_params()
    summary = book.create_sheet("汇总")
    summary.append(["统计区间", f"{params['start']} 至 {params['end']}（按反映日期）"])
    summary.append(["范围", sq.grid.name if sq.grid is not None else "全部管辖范围"])
    summary.append([])
    summary.append(["", *[h for _k, h in COLUMNS]])
    _row(summary, ["合计"], selectors.summary(sq))
    for by, title in BREAKDOWNS:
        sheet = book.create_sheet(title)
        sheet.append(["编码", "名称", *[h for _k, h in COLUMNS]])
        for group in selectors.breakdown(sq, by):
            _row(sheet, [group["key"], group["name"]], group)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
