"""The 回单 export: one row per order with the result, as xlsx (openpyxl write-only) or CSV."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from wangge.core.spreadsheet import safe_cell
from wangge.core.spreadsheets import csv_bytes, xlsx_bytes
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
    return xlsx_bytes(list(COLUMNS), _rows(orders), sheet="回单")


def replies_csv(orders: Iterable[HotlineOrder]) -> bytes:
    return csv_bytes(list(COLUMNS), _rows(orders))
