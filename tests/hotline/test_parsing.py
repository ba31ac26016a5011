"""Reading work orders from Excel and CSV with a column mapping."""

import io
from datetime import datetime

import pytest
from openpyxl import Workbook

from wangge.hotline.parsing import DEFAULT_MAPPING, FileError, parse_file

HEADER = [
    "工单编号",
    "受理时间",
    "来电人",
    "来电号码",
    "诉求内容",
    "事发地址",
    "诉求分类",
    "办理时限",
]


def lookup(value: str) -> str | None:
    return {"E0101": "E0101", "道路破损": "E0101", "A0201": "A0201"}.get(value)


def xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["12345 热线工单导出"])  # a title row above the header is common
    sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_excel_with_real_cells_and_strings():
    data = xlsx(
        [
            [
                "20261123001",
                datetime(2026, 11, 23, 9, 15),
                "张三",
                13800001111,
                "路面坑洼",
                "怡园社区16号楼",
                "道路破损",
                "2026-11-26 17:30",
            ],
            [20261123002, "2026/11/23 10:00", "", "", "楼道灯不亮", "", "", None],
        ]
    )
    result = parse_file(data, filename="工单.xlsx", mapping=DEFAULT_MAPPING, category_lookup=lookup)
    assert result.total == 2 and not result.rejects
    first, second = result.rows
    assert first.order_no == "20261123001" and first.caller_phone == "13800001111"
    assert first.received_at.isoformat() == "2026-11-23T09:15:00+08:00"
    assert first.deadline.isoformat() == "2026-11-26T17:30:00+08:00"
    assert first.category_code == "E0101" and first.row == 4
    assert second.order_no == "20261123002" and second.category_code is None


def test_bad_rows_are_reported_and_good_rows_kept():
    data = xlsx(
        [
            ["A1", "2026-11-23 09:00", "", "", "好的一行", "", "", ""],
            ["A2", "2026-11-23 09:00", "", "", "", "", "", ""],
            ["A3", "昨天下午", "", "", "时间不对", "", "", ""],
            ["A4", "2026-11-23 09:00", "", "", "分类不对", "", "外星人入侵", ""],
            ["A5", "2026-11-23 09:00", "", "138-0000-1111", "时限早于受理", "", "", "2026-11-22"],
            ["A 6", "2026-11-23 09:00", "", "", "编号有空格", "", "", ""],
        ]
    )
    result = parse_file(data, filename="x.xlsx", mapping=DEFAULT_MAPPING, category_lookup=lookup)
    assert [r.order_no for r in result.rows] == ["A1"]
    report = [(r.row, r.column, r.reason) for r in result.rejects]
    assert (5, "诉求内容", "必填项为空") in report
    assert (6, "受理时间", "无法识别的时间：昨天下午") in report
    assert (7, "诉求分类", "未知的诉求分类：外星人入侵") in report
    assert (8, "办理时限", "办理时限早于受理时间") in report
    assert [r.row for r in result.rejects if r.column == "工单编号"] == [9]


def test_csv_in_gbk_with_a_custom_mapping():
    mapping = dict(DEFAULT_MAPPING, order_no="单号", received_at="来电时间", content="内容")
    text = "单号,来电时间,内容,诉求分类\nB1,2026年11月23日 08:30,井盖丢了,A0201\n"
    result = parse_file(
        text.encode("gb18030"), filename="orders.csv", mapping=mapping, category_lookup=lookup
    )
    [row] = result.rows
    assert row.order_no == "B1" and row.content == "井盖丢了" and row.category_code == "A0201"


def test_missing_required_column_and_unreadable_files_refuse_the_file():
    with pytest.raises(FileError, match="表头缺少列：诉求内容"):
        parse_file(
            xlsx([], header=["工单编号", "受理时间"]),
            filename="x.xlsx",
            mapping=DEFAULT_MAPPING,
            category_lookup=lookup,
        )
    with pytest.raises(FileError):
        parse_file(
            b"PK\x03\x04junk", filename="x.xlsx", mapping=DEFAULT_MAPPING, category_lookup=lookup
        )
    with pytest.raises(FileError):
        parse_file(b"", filename="x.csv", mapping=DEFAULT_MAPPING, category_lookup=lookup)
