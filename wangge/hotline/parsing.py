"""Reading 12345 work orders from Excel or CSV with a column mapping, row by row.

A file yields good rows (`OrderRow`) and rejects (row number, column, reason); one bad row never
stops the others. Nothing here touches the database: the category check is passed in.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.core.imports import Reject
from wangge.workcal.calendar import deadline_add

# Our field → the column header most 12345 platform exports use. A source may map differently.
FIELDS = (
    "order_no",
    "received_at",
    "caller_name",
    "caller_phone",
    "content",
    "address",
    "category",
    "deadline",
)
REQUIRED = ("order_no", "received_at", "content")
FIELD_LABELS = {
    "order_no": "工单编号",
    "received_at": "受理时间",
    "caller_name": "来电人",
    "caller_phone": "来电号码",
    "content": "诉求内容",
    "address": "事发地址",
    "category": "诉求分类",
    "deadline": "办理时限",
}
DEFAULT_MAPPING: dict[str, str] = dict(FIELD_LABELS)

ORDER_NO_RE = re.compile(r"^[0-9A-Za-z_\-]{1,64}$")
PHONE_RE = re.compile(r"^[0-9+\-() ]{3,20}$")
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H时%M分",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y年%m月%d日",
)
CONTENT_MAX = 4000


class FileError(ValueError):
    """The file as a whole cannot be read (not a spreadsheet, no header, a column missing)."""


@dataclass
class OrderRow:
    row: int
    order_no: str
    received_at: datetime
    content: str
    caller_name: str = ""
    caller_phone: str = ""
    address: str = ""
    category_code: str | None = None
    deadline: datetime | None = None

    def as_payload(self) -> dict[str, Any]:
        return {
            "order_no": self.order_no,
            "received_at": self.received_at.isoformat(),
            "caller_name": self.caller_name,
            "caller_phone": self.caller_phone,
            "content": self.content,
            "address": self.address,
            "category": self.category_code,
            "deadline": self.deadline.isoformat() if self.deadline else None,
        }


@dataclass
class ParseResult:
    rows: list[OrderRow] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    total: int = 0


# A time limit instead of a moment in 办理时限: "15个工作日", "3 工作日", "24小时", "2天".
LIMIT_RE = re.compile(
    r"^(?P<n>\d+(?:\.\d+)?)\s*个?\s*(?P<unit>工作日|个工作日|工作小时|自然日|天|日|小时)$"
)
LIMIT_UNITS = {
    "工作日": "working_days",
    "个工作日": "working_days",
    "工作小时": "working_hours",
    "自然日": "natural_days",
    "天": "natural_days",
    "日": "natural_days",
    "小时": "natural_hours",
}


def parse_limit(text: str) -> tuple[float, str] | None:
    """(amount, TimeUnit value) of a time limit such as "15个工作日", or None."""
    match = LIMIT_RE.match((text or "").strip())
    if not match or float(match.group("n")) <= 0:
        return None
    return float(match.group("n")), LIMIT_UNITS[match.group("unit")]


def parse_moment(value: Any) -> datetime | None:
    """A cell or string as an aware datetime (naive values are local time); None if blank.
    Raises ValueError when it is not a time."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        text = " ".join(str(value).strip().split())
        parsed: datetime | None = None
        for fmt in DATETIME_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if parsed is None:
            raise ValueError(text)
        moment = parsed
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores 13800001111 or 20261123001 as a number
    return str(value).strip()


def normalise_order(
    values: Mapping[str, Any], *, row: int, category_lookup: Callable[[str], str | None]
) -> tuple[OrderRow | None, list[Reject]]:
    """One order from field → raw value; returns the row or the reasons it was refused."""
    rejects: list[Reject] = []

    def refuse(name: str, reason: str) -> None:
        rejects.append(Reject(row=row, column=FIELD_LABELS.get(name, name), reason=reason))

    text = {name: _cell_text(values.get(name)) for name in FIELDS}
    for name in REQUIRED:
        if not text[name] and values.get(name) in (None, ""):
            refuse(name, _("必填项为空"))
    if text["order_no"] and not ORDER_NO_RE.match(text["order_no"]):
        refuse("order_no", _("工单编号只能包含字母、数字、- 和 _，最多 64 位"))
    received = deadline = None
    try:
        received = parse_moment(values.get("received_at"))
    except ValueError:
        refuse("received_at", _("无法识别的时间：%(v)s") % {"v": text["received_at"][:40]})
    try:
        deadline = parse_moment(values.get("deadline"))
    except ValueError:
        limit = parse_limit(text["deadline"])
        if limit is None:
            refuse("deadline", _("无法识别的时间或时限：%(v)s") % {"v": text["deadline"][:40]})
        elif received is not None:
            # "15个工作日": the clock starts when the hotline received the call.
            deadline = deadline_add(received, limit[0], limit[1])
    if received and deadline and deadline <= received:
        refuse("deadline", _("办理时限早于受理时间"))
    if len(text["content"]) > CONTENT_MAX:
        refuse("content", _("诉求内容超过 %(n)d 字") % {"n": CONTENT_MAX})
    if text["caller_phone"] and not PHONE_RE.match(text["caller_phone"]):
        refuse("caller_phone", _("电话号码格式不正确"))
    if len(text["caller_name"]) > 50:
        refuse("caller_name", _("来电人姓名超过 50 字"))
    if len(text["address"]) > 200:
        refuse("address", _("地址超过 200 字"))
    category_code = None
    if text["category"]:
        category_code = category_lookup(text["category"])
        if category_code is None:
            refuse("category", _("未知的诉求分类：%(v)s") % {"v": text["category"][:40]})
    if rejects or received is None:
        return None, rejects
    return (
        OrderRow(
            row=row,
            order_no=text["order_no"],
            received_at=received,
            content=text["content"],
            caller_name=text["caller_name"],
            caller_phone=re.sub(r"[\s\-()]", "", text["caller_phone"]),
            address=text["address"],
            category_code=category_code,
            deadline=deadline,
        ),
        [],
    )


def _table_rows(data: bytes, filename: str) -> Iterator[tuple[int, list[Any]]]:
    """(1-based row number, cells) of the first sheet of an .xlsx, or of a CSV file."""
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")) or data[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise FileError(_("无法读取 Excel 文件（仅支持 .xlsx）")) from exc
        try:
            sheet = book.worksheets[0]
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, list(cells)
        finally:
            book.close()
        return
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileError(_("CSV 文件编码无法识别（请用 UTF-8 或 GBK）"))
    reader: IO[str] = io.StringIO(text, newline="")
    for number, cells in enumerate(csv.reader(reader), start=1):
        yield number, list(cells)


def parse_file(
    data: bytes,
    *,
    filename: str,
    mapping: Mapping[str, str],
    category_lookup: Callable[[str], str | None],
) -> ParseResult:
    """All orders of a file. The header is the first non-empty row; `mapping` says which
    header holds which field (missing required columns refuse the whole file)."""
    result = ParseResult()
    columns: dict[str, int] | None = None
    wanted = {(mapping.get(name) or "").strip(): name for name in FIELDS}
    wanted.pop("", None)
    skipped = 0
    for number, cells in _table_rows(data, filename):
        if not any(_cell_text(c) for c in cells):
            continue
        if columns is None:
            # Exports often put a title line above the header: the header is the first row
            # naming at least two mapped columns.
            headers = {_cell_text(c): i for i, c in enumerate(cells) if _cell_text(c)}
            if len(set(headers) & set(wanted)) < 2:
                skipped += 1
                if skipped > 20:
                    break
                continue
            columns = {name: headers[h] for h, name in wanted.items() if h in headers}
            missing = [
                (mapping.get(name) or FIELD_LABELS[name])
                for name in REQUIRED
                if name not in columns
            ]
            if missing:
                raise FileError(_("表头缺少列：%(c)s") % {"c": "、".join(missing)})
            continue
        result.total += 1
        values = {name: cells[i] if i < len(cells) else None for name, i in columns.items()}
        order, rejects = normalise_order(values, row=number, category_lookup=category_lookup)
        if order is not None:
            result.rows.append(order)
        result.rejects.extend(rejects)
    if columns is None:
        raise FileError(
            _("找不到表头（需要列：%(c)s）")
            % {"c": "、".join(mapping.get(n) or FIELD_LABELS[n] for n in REQUIRED)}
        )
    return result
