"""Residents in the import's columns (so a full export can be edited and imported back):
masked by default, in full only with a reason (audited as a reveal). The export itself is an
export job (`wangge.exports`, kind `people.residents.sheet`)."""

from __future__ import annotations

from wangge.people.crypto import cipher
from wangge.people.idcard import mask_id, mask_phone
from wangge.people.models import Resident

HEADERS = [
    "姓名", "身份证号", "性别", "联系电话", "社区", "小区", "楼栋", "单元", "房号", "户号",
    "与户主关系", "户籍类型", "人员类别", "网格编码",
]  # fmt: skip


def resident_sheet_row(r: Resident, *, full: bool, wide: bool) -> list[str]:
    from wangge.people.services import ID_COLUMN, PHONE_COLUMN

    c = cipher()
    ident = c.decrypt(r.id_cipher, column=ID_COLUMN)
    phone = c.decrypt(r.phone_cipher, column=PHONE_COLUMN)
    room = r.household.room
    b = room.building
    return [
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
