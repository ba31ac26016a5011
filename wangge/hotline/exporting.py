"""The 回单 export: one row per order with the result, as xlsx (openpyxl write-only) or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone
from openpyxl import Workbook

from wangge.core.spreadsheet import safe_cell
from wangge.hotline.models import HotlineOrder
from wangge.hotline.services import order_result

COLUMNS = (
    "工单编号",
    "查询码",
    "办理状态",
    "办理结果",
    "处置人",
    "办理单位",
    "办结时间",
    "群众评价",
)


def _rows(orders: Iterable[HotlineOrder]) -> Iterable[list[str]]:
    for order in orders:
        r = order_result(order)
        moment: datetime | None = r["time"]
        yield [
            safe_cell(v)
            for v in (
                r["order_no"],
                r["tracking_code"],
                r["status_label"],
                r["result"],
                r["handler"],
                r["unit"],
                timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "",
                r["satisfaction"],
            )
        ]


def replies_xlsx(orders: Iterable[HotlineOrder]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("回单")
    sheet.append(list(COLUMNS))
    for row in _rows(orders):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def replies_csv(orders: Iterable[HotlineOrder]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(_rows(orders))
    # BOM: Excel on Windows opens UTF-8 CSV correctly only with it.
    return ("\ufeff" + out.getvalue()).encode("utf-8")
