"""Export of residents to Excel or CSV: masked by default, in full only with a reason (audited).

The columns are those of the import, so a full export can be edited and imported back.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import User
from wangge.accounts.selectors import scope_for_user
from wangge.core.api import Forbidden, ServiceError
from wangge.core.models import AuditLog
from wangge.core.services import audit_record
from wangge.people.crypto import cipher
from wangge.people.idcard import mask_id, mask_phone
from wangge.people.selectors import resident_list_for_user
from wangge.people.services import ID_COLUMN, PHONE_COLUMN, WIDE_MASK_ROLES, reveal_roles

HEADERS = [
    "姓名", "身份证号", "性别", "联系电话", "社区", "小区", "楼栋", "单元", "房号", "户号",
    "与户主关系", "户籍类型", "人员类别", "网格编码",
]  # fmt: skip
MAX_EXPORT_ROWS = 200_000


def residents_export(
    *,
    actor: User,
    fmt: str = "xlsx",
    full: bool = False,
    reason: str = "",
    tag: str = "",
    request: HttpRequest | None = None,
) -> tuple[bytes, str, str]:
    """(content, filename, content type) of the residents in the actor's scope."""
    if fmt not in ("xlsx", "csv"):
        raise ServiceError(_("导出格式应为 xlsx 或 csv"))
    scope = scope_for_user(actor)
    if scope.is_empty:
        raise Forbidden(_("您没有可导出的数据范围"))
    if full:
        if not scope.has_role(*reveal_roles()):
            raise Forbidden(_("您的角色无权导出完整身份证号和电话"))
        if len(reason.strip()) < 2:
            raise ServiceError(_("导出完整信息必须填写事由"), code="reason_required")
    qs = resident_list_for_user(actor, tag=tag).select_related(
        "household__room__building__community", "household__room__building__compound"
    )
    count = qs.count()
    if count > MAX_EXPORT_ROWS:
        raise ServiceError(
            _("一次最多导出 %(max)s 人，请按标签或网格分批导出") % {"max": MAX_EXPORT_ROWS}
        )
    c = cipher()
    wide = scope.has_role(*WIDE_MASK_ROLES)
    rows = []
    for r in qs.iterator(chunk_size=2000):
        ident = c.decrypt(r.id_cipher, column=ID_COLUMN)
        phone = c.decrypt(r.phone_cipher, column=PHONE_COLUMN)
        room = r.household.room
        b = room.building
        rows.append(
            [
                r.name,
                ident if full else mask_id(ident, wide=wide),
                r.get_sex_display(),
                phone if full else mask_phone(phone),
                b.community.name,
                b.compound.name if b.compound else "",
                b.number,
                room.unit,
                room.number,
                r.household.number,
                r.relation,
                r.get_residence_type_display(),
                "、".join(r.tag_list),
                r.grid.code,
            ]
        )
    audit_record(
        action=AuditLog.Action.REVEAL if full else AuditLog.Action.EXPORT,
        actor=actor,
        request=request,
        target_type="people.resident",
        target_id=f"export:{count}",
        reason=reason.strip(),
        detail={"rows": count, "full": full, "format": fmt, "tag": tag},
    )
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    name = f"residents-{'full' if full else 'masked'}-{stamp}.{fmt}"
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(HEADERS)
        w.writerows(rows)
        # UTF-8 with BOM: Excel on Chinese Windows then opens it without garbling.
        return buf.getvalue().encode("utf-8-sig"), name, "text/csv; charset=utf-8"
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("居民")
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return (
        out.getvalue(),
        name,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def safe_cell(value: object) -> object:
    """A text cell Excel would read as a formula (= + - @, tab, CR) is prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def xlsx_bytes(header: list[str], rows: Iterable[list[Any]], *, sheet: str = "数据") -> bytes:
    """A one-sheet workbook of a list page's rows (write-only, so large lists stay cheap)."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.append(header)
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
