"""Writes to the base data. One function per operation, explicit actor, all in a transaction.

`actor=None` is the system (demo loader, management commands); every other actor must have the
target's grid in scope and a role that writes (leaders only read).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import Role, User
from wangge.accounts.selectors import scope_for_user
from wangge.attachments.services import attachments_link
from wangge.core.api import Conflict, Forbidden, NotFound, ServiceError
from wangge.core.audit import audit_data_change, audit_snapshot
from wangge.core.geo import CoordinateError, check_lat_lng
from wangge.core.models import AuditLog
from wangge.core.services import audit_record
from wangge.grids.locator import locator
from wangge.grids.models import Department, Grid, GridLevel
from wangge.people import address
from wangge.people.crypto import cipher
from wangge.people.idcard import IdNumber, IdNumberError, mask_phone, parse_id_number
from wangge.people.models import (
    CARE_TAG_SET,
    RESIDENCE_TYPE_SET,
    Asset,
    Building,
    CareLevel,
    CareRecord,
    CareTag,
    Compound,
    Household,
    JournalEntry,
    JournalKind,
    Organisation,
    OrganisationKind,
    Place,
    PlaceKind,
    ResidenceType,
    Resident,
    Room,
    Visit,
    tags_to_column,
)

# Roles that may see the full ID number and phone of a resident in their scope, each time with
# a reason that is audited. Override with settings.PEOPLE_REVEAL_ROLES.
DEFAULT_REVEAL_ROLES = frozenset(
    {Role.GRID_WORKER, Role.GRID_HEAD, Role.COMMUNITY_STAFF, Role.STREET_STAFF}
)
# Roles whose masked view keeps the region and tail of the ID (6+4); others see 1+1.
WIDE_MASK_ROLES = frozenset(
    {
        Role.GRID_WORKER,
        Role.GRID_HEAD,
        Role.MICRO_GRID_HEAD,
        Role.COMMUNITY_STAFF,
        Role.STREET_STAFF,
        Role.DISTRICT_STAFF,
    }
)

ID_COLUMN = "people_resident.id"
PHONE_COLUMN = "people_resident.phone"
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def reveal_roles() -> frozenset[str]:
    return frozenset(getattr(settings, "PEOPLE_REVEAL_ROLES", DEFAULT_REVEAL_ROLES))


# --- checks shared by services and the importer ------------------------------------------------
def check_writable(actor: User | None, grid_path: str) -> None:
    if actor is None:
        return
    scope = scope_for_user(actor)
    if not scope.covers_path(grid_path):
        raise NotFound(_("未找到该对象，或不在您的管辖范围内"))
    if scope.read_only:
        raise Forbidden(_("您的角色只能查看，不能修改基础数据"))


def normalise_phone(raw: str) -> str:
    """Digits (and one dash for landlines); "" when empty; ServiceError when malformed."""
    text = re.sub(r"[\s()（）+]", "", str(raw or "")).replace("－", "-")
    if text.startswith("86") and len(text) == 13:
        text = text[2:]
    if text == "":
        return ""
    if not _PHONE.match(text):
        raise ServiceError(
            _("联系电话 “%(prefix)s…” 格式错误：应为 11 位手机号或带区号的座机号")
            % {"prefix": text[:3]}
        )
    return text


def parse_tags(raw: str | list[str] | None) -> list[str]:
    if raw is None or raw == "":
        return []
    items = raw if isinstance(raw, list) else re.split(r"[、,，;；/\s|]+", str(raw))
    items = [i.strip() for i in items if i and i.strip()]
    unknown = [i for i in items if i not in CARE_TAG_SET]
    if unknown:
        raise ServiceError(
            _("未知的人员类别：%(unknown)s（可选：%(allowed)s）")
            % {"unknown": "、".join(unknown), "allowed": "、".join(CareTag.values)}
        )
    return items


RESIDENCE_SYNONYMS = {
    "户籍": ResidenceType.REGISTERED,
    "户籍人口": ResidenceType.REGISTERED,
    "本地户籍": ResidenceType.REGISTERED,
    "常住": ResidenceType.PERMANENT,
    "常住人口": ResidenceType.PERMANENT,
    "流动": ResidenceType.FLOATING,
    "流动人口": ResidenceType.FLOATING,
    "外来人口": ResidenceType.FLOATING,
    "境外": ResidenceType.FOREIGN,
    "境外人员": ResidenceType.FOREIGN,
    "境外人口": ResidenceType.FOREIGN,
}


def parse_residence_type(raw: str) -> str:
    text = str(raw or "").strip()
    if text in RESIDENCE_TYPE_SET:
        return text
    if text in RESIDENCE_SYNONYMS:
        return RESIDENCE_SYNONYMS[text]
    raise ServiceError(
        _("人员类型 “%(text)s” 无效，应为 户籍、常住、流动 或 境外") % {"text": text}
    )


def validate_id(raw: str) -> IdNumber:
    try:
        return parse_id_number(raw, today=timezone.localdate())
    except IdNumberError as exc:
        raise ServiceError(str(exc), code="id_number_invalid") from None


# --- places ------------------------------------------------------------------------------------
def _locate(lat: float, lng: float):
    try:
        lat, lng = check_lat_lng(lat, lng)
    except CoordinateError as exc:
        raise ServiceError(str(exc)) from None
    loc = locator.locate(lat, lng)
    if loc is None:
        raise ServiceError(_("该位置不在任何网格内，请核对经纬度"))
    return lat, lng, loc


def building_create(
    *,
    actor: User | None,
    community: Grid,
    number: str,
    lat: float,
    lng: float,
    compound_name: str = "",
    address_text: str = "",
    units: int = 1,
    floors: int | None = None,
) -> Building:
    """Register a building; its point decides its grid, which must lie in `community`."""
    if community.level != GridLevel.COMMUNITY:
        raise ServiceError(_("楼栋必须属于一个社区（第 3 级网格）"))
    num = address.building_number(number)
    if not num or not re.fullmatch(r"[0-9A-Z]{1,20}", num):
        raise ServiceError(
            _("楼号 “%(number)s” 无效，例如 16、16号楼、十六栋") % {"number": number}
        )
    lat, lng, loc = _locate(lat, lng)
    if not loc.path.startswith(community.path):
        raise ServiceError(
            _("楼栋位置不在%(community)s范围内，请核对经纬度") % {"community": community.name}
        )
    check_writable(actor, loc.path)
    with transaction.atomic():
        compound = None
        if compound_name.strip():
            compound, _created = Compound.objects.get_or_create(
                community=community, name=compound_name.strip()
            )
        if Building.objects.filter(community=community, compound=compound, number=num).exists():
            raise Conflict(
                _("%(place)s已有 %(num)s 号楼")
                % {"place": compound_name or community.name, "num": num}
            )
        prefix = compound.name if compound else community.name
        return Building.objects.create(
            community=community,
            compound=compound,
            number=num,
            name=f"{prefix}{num}号楼",
            address=address_text or f"{community.name}{num}号楼",
            lat=lat,
            lng=lng,
            grid_id=loc.grid.id,
            grid_path=loc.path,
            root_id=loc.ancestors[0].id if loc.ancestors else loc.grid.id,
            units=units,
            floors=floors,
        )


def building_update(
    *,
    actor: User | None,
    building: Building,
    address_text: str,
    units: int,
    floors: int | None,
    lat: float | None = None,
    lng: float | None = None,
) -> Building:
    """Change a building's address, units, floors, and (moved pin) its point.

    A new point must stay in the building's community and in the actor's scope; the grid of
    the building's rooms, households and residents follows the point."""
    check_writable(actor, building.grid_path)
    if units < 1 or units > 99:
        raise ServiceError(_("单元数应为 1–99"), code="units")
    if floors is not None and (floors < 1 or floors > 200):
        raise ServiceError(_("层数应为 1–200"), code="floors")
    fields = ["address", "units", "floors", "updated_at"]
    with transaction.atomic():
        if lat is not None and lng is not None and (lat, lng) != (building.lat, building.lng):
            lat, lng, loc = _locate(lat, lng)
            if not loc.path.startswith(building.community.path):
                raise ServiceError(
                    _("楼栋位置不在%(community)s范围内，请核对经纬度")
                    % {"community": building.community.name},
                    code="coordinates",
                )
            check_writable(actor, loc.path)
            if loc.path != building.grid_path:
                Household.objects.filter(room__building=building).update(
                    grid_id=loc.grid.id, grid_path=loc.path
                )
                Resident.objects.filter(household__room__building=building).update(
                    grid_id=loc.grid.id, grid_path=loc.path
                )
            building.lat, building.lng = lat, lng
            building.grid_id, building.grid_path = loc.grid.id, loc.path
            fields += ["lat", "lng", "grid", "grid_path"]
        building.address = address_text.strip()[:200]
        building.units = units
        building.floors = floors
        building.save(update_fields=fields)
    return building


def household_update(
    *,
    actor: User | None,
    household: Household,
    number: str,
    relations: dict[int, str] | None = None,
    head_id: int | None = None,
) -> Household:
    """Change a household's 户号 and its members' relation to the head (与户主关系)."""
    check_writable(actor, household.grid_path)
    number = number.strip()
    if len(number) > 30:
        raise ServiceError(_("户号最多 30 个字符"), code="number")
    members = {r.pk: r for r in household.members.filter(is_active=True)}
    relations = dict(relations or {})
    if head_id is not None:
        if head_id not in members:
            raise ServiceError(_("户主必须是本户成员"), code="head")
        for pk in members:
            if pk == head_id:
                relations[pk] = "户主"
            elif relations.get(pk, members[pk].relation) == "户主":
                relations[pk] = ""
    unknown = [pk for pk in relations if pk not in members]
    if unknown:
        raise ServiceError(_("只能修改本户成员的关系"), code="relations")
    for rel in relations.values():
        if len(rel.strip()) > 20:
            raise ServiceError(_("与户主关系最多 20 个字"), code="relations")
    with transaction.atomic():
        if number != household.number:
            if Household.objects.filter(room=household.room, number=number).exists():
                raise Conflict(
                    _("该房屋已有户号为“%(number)s”的户") % {"number": number or "（空）"},
                    code="number",
                )
            household.number = number
            household.save(update_fields=["number"])
        changed = []
        for pk, rel in relations.items():
            r = members[pk]
            if r.relation != rel.strip():
                r.relation = rel.strip()
                changed.append(r)
        if changed:
            Resident.objects.bulk_update(changed, ["relation"])
    return household


def _check_place_kind(kind: str) -> None:
    if kind not in PlaceKind.values:
        raise ServiceError(_("场所类别 “%(kind)s” 无效") % {"kind": kind}, code="kind")


def _check_inspected(day: dt.date | None) -> None:
    if day and day > timezone.localdate():
        raise ServiceError(_("检查日期不能晚于今天"), code="last_inspected_on")


def place_create(
    *, actor: User | None, kind: str, name: str, lat: float, lng: float, **extra: Any
) -> Place:
    _check_place_kind(kind)
    if not name.strip():
        raise ServiceError(_("名称不能为空"), code="name")
    _check_inspected(extra.get("last_inspected_on"))
    lat, lng, loc = _locate(lat, lng)
    check_writable(actor, loc.path)
    return Place.objects.create(
        kind=kind,
        name=name.strip(),
        lat=lat,
        lng=lng,
        grid_id=loc.grid.id,
        grid_path=loc.path,
        **extra,
    )


def place_update(
    *,
    actor: User | None,
    place: Place,
    kind: str,
    name: str,
    lat: float,
    lng: float,
    address_text: str = "",
    operator_name: str = "",
    last_inspected_on: dt.date | None = None,
) -> Place:
    check_writable(actor, place.grid_path)
    _check_place_kind(kind)
    if not name.strip():
        raise ServiceError(_("名称不能为空"), code="name")
    _check_inspected(last_inspected_on)
    lat, lng, loc = _locate(lat, lng)
    check_writable(actor, loc.path)
    place.kind, place.name = kind, name.strip()
    place.lat, place.lng, place.grid_id, place.grid_path = lat, lng, loc.grid.id, loc.path
    place.address, place.operator_name = address_text.strip(), operator_name.strip()
    place.last_inspected_on = last_inspected_on
    place.save()
    return place


def room_get_or_create(*, building: Building, unit: str, number: str) -> Room:
    unit = address.building_number(unit).removesuffix("单元") if unit else ""
    number = str(number).strip().removesuffix("室").removesuffix("号")
    if not number:
        raise ServiceError(_("房号不能为空"))
    room, _created = Room.objects.get_or_create(building=building, unit=unit, number=number)
    return room


def household_get_or_create(*, room: Room, number: str = "") -> Household:
    building = room.building
    hh, _created = Household.objects.get_or_create(
        room=room,
        number=number.strip(),
        defaults={"grid_id": building.grid_id, "grid_path": building.grid_path},
    )
    return hh


# --- people ------------------------------------------------------------------------------------
def resident_create(
    *,
    actor: User | None,
    name: str,
    id_number: str,
    building: Building,
    room: str,
    unit: str = "",
    residence_type: str = ResidenceType.REGISTERED,
    phone: str = "",
    tags: list[str] | str | None = None,
    household_number: str = "",
    relation: str = "",
) -> Resident:
    name = name.strip()
    if not name:
        raise ServiceError(_("姓名不能为空"))
    ident = validate_id(id_number)
    phone = normalise_phone(phone)
    tag_list = parse_tags(tags)
    residence_type = parse_residence_type(residence_type)
    check_writable(actor, building.grid_path)
    c = cipher()
    id_hash = c.lookup_hash(ident.number, kind="id")
    with transaction.atomic():
        if Resident.objects.filter(id_hash=id_hash).exists():
            # Whether in or out of the actor's scope: a person is registered once.
            raise Conflict(_("该身份证号已登记，同一人不能重复登记"), code="duplicate_person")
        room_obj = room_get_or_create(building=building, unit=unit, number=room)
        hh = household_get_or_create(room=room_obj, number=household_number)
        resident = Resident.objects.create(
            name=name,
            id_cipher=c.encrypt(ident.number, column=ID_COLUMN),
            id_hash=id_hash,
            sex=ident.sex,
            birth_date=ident.birth_date,
            phone_cipher=c.encrypt(phone, column=PHONE_COLUMN),
            phone_hash=c.lookup_hash(phone, kind="phone"),
            residence_type=residence_type,
            tags=tags_to_column(tag_list),
            household=hh,
            relation=relation,
            grid_id=building.grid_id,
            grid_path=building.grid_path,
            root_id=building.root_id,
        )
        audit_data_change(actor=actor, target=resident, before=None)
        return resident


def resident_update(
    *,
    actor: User | None,
    resident: Resident,
    name: str | None = None,
    phone: str | None = None,
    residence_type: str | None = None,
    tags: list[str] | str | None = None,
) -> Resident:
    check_writable(actor, resident.grid_path)
    before = audit_snapshot(resident)
    changed: list[str] = []
    if name is not None:
        if not name.strip():
            raise ServiceError(_("姓名不能为空"))
        resident.name = name.strip()
        changed.append("name")
    if phone is not None:
        value = normalise_phone(phone)
        resident.phone_cipher = cipher().encrypt(value, column=PHONE_COLUMN)
        resident.phone_hash = cipher().lookup_hash(value, kind="phone")
        changed += ["phone_cipher", "phone_hash"]
    if residence_type is not None:
        resident.residence_type = parse_residence_type(residence_type)
        changed.append("residence_type")
    if tags is not None:
        resident.tags = tags_to_column(parse_tags(tags))
        changed.append("tags")
    if changed:
        with transaction.atomic():
            resident.save(update_fields=[*changed, "updated_at"])
            audit_data_change(actor=actor, target=resident, before=before)
    return resident


# What a reveal is for; the page asks for one of these and a reason in words.
REVEAL_PURPOSES: dict[str, str] = {
    "visit": "入户走访核实身份",
    "benefit": "办理救助、低保等民生业务",
    "case": "处置事件联系当事人",
    "emergency": "应急处置联系家属",
    "correction": "核对、更正登记信息",
}
REVEAL_REASON_MIN = 4


@dataclass(frozen=True)
class Revealed:
    id_number: str
    phone: str
    birth_date: dt.date


def resident_reveal(
    *,
    actor: User,
    resident: Resident,
    reason: str,
    purpose: str = "",
    request: HttpRequest | None = None,
) -> Revealed:
    """The full ID number and phone, for a named role, with a reason; always audited.

    `reason` says in words why (at least `REVEAL_REASON_MIN` characters: "看" is not a reason);
    `purpose`, when given, is one of `REVEAL_PURPOSES` and is recorded with it."""
    scope = scope_for_user(actor)
    if not scope.covers_path(resident.grid_path):
        raise NotFound(_("未找到该居民，或不在您的管辖范围内"))
    if not scope.has_role(*reveal_roles()):
        raise Forbidden(_("您的角色无权查看完整身份证号和电话"))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("查看完整信息必须填写事由"), code="reason_required")
    if len(reason) < REVEAL_REASON_MIN:
        raise ServiceError(
            _("事由至少 %(n)s 个字，请写明为什么需要查看（例如：上门核对低保申请人身份）")
            % {"n": REVEAL_REASON_MIN},
            code="reason_too_short",
        )
    if purpose and purpose not in REVEAL_PURPOSES:
        raise ServiceError(_("请选择查看用途"), code="purpose_invalid")
    c = cipher()
    out = Revealed(
        id_number=c.decrypt(resident.id_cipher, column=ID_COLUMN),
        phone=c.decrypt(resident.phone_cipher, column=PHONE_COLUMN),
        birth_date=resident.birth_date,
    )
    audit_record(
        action=AuditLog.Action.REVEAL,
        actor=actor,
        request=request,
        target=resident,
        reason=reason,
        detail={
            "fields": ["id_number", "phone"],
            "name": resident.name,
            **({"purpose": purpose} if purpose else {}),
        },
    )
    return out


def resident_lookup(
    *, actor: User, id_number: str = "", phone: str = "", request: HttpRequest | None = None
) -> list[Resident]:
    """Residents in scope whose ID number or phone is exactly the one given; always audited.

    A look-up confirms or denies a guess, so a role that sees only a mask could recover the
    masked digits by trying the few values that fit (an ID number's birth date and check digit,
    the 4 hidden digits of a phone). Only roles that may reveal the full values in the first
    place may look up, each look-up is audited, and the API limits them per user.
    """
    scope = scope_for_user(actor)
    if not scope.has_role(*reveal_roles()):
        raise Forbidden(_("您的角色无权按身份证号或电话查找居民"))
    if not (id_number or phone):
        raise ServiceError(_("请输入身份证号或手机号"))
    from wangge.people.selectors import resident_list_for_user

    found = list(resident_list_for_user(actor, id_number=id_number, phone=phone)[:20])
    audit_record(
        action=AuditLog.Action.LOOKUP,
        actor=actor,
        request=request,
        target_type="people.resident",
        # The searched value itself is never written down, only what kind it was and the result.
        detail={
            "by": [k for k, v in (("id_number", id_number), ("phone", phone)) if v],
            "found": [r.pk for r in found],
        },
    )
    return found


# --- organisations and assets --------------------------------------------------------------------
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def _check_organisation(kind: str, name: str, credit_code: str) -> None:
    if kind not in OrganisationKind.values:
        raise ServiceError(_("组织类别 “%(kind)s” 无效") % {"kind": kind}, code="kind")
    if not name.strip():
        raise ServiceError(_("名称不能为空"), code="name")
    if credit_code and not _CREDIT_CODE.match(credit_code.upper()):
        raise ServiceError(
            _("统一社会信用代码应为 18 位数字或大写字母（GB 32100）"), code="credit_code"
        )


ORG_PHONE_COLUMN = "people_organisation.contact_phone"


def _org_phone_fields(phone: str) -> dict[str, str]:
    if phone and not re.fullmatch(r"[0-9+\-() ]{3,40}", phone):
        raise ServiceError(_("联系电话格式不正确"), code="contact_phone")
    c = cipher()
    return {
        "contact_phone_cipher": c.encrypt(phone, column=ORG_PHONE_COLUMN) if phone else "",
        "contact_phone_hash": (
            c.lookup_hash(re.sub(r"\D", "", phone), kind="phone") if phone else ""
        ),
    }


def organisation_contact_phone(organisation: Organisation) -> str:
    """The plain number, for code that must reach the organisation. Never put it on a page."""
    if not organisation.contact_phone_cipher:
        return ""
    return cipher().decrypt(organisation.contact_phone_cipher, column=ORG_PHONE_COLUMN)


def organisation_contact_phone_masked(organisation: Organisation) -> str:
    return mask_phone(organisation_contact_phone(organisation))


def organisation_contact_reveal(
    *,
    actor: User,
    organisation: Organisation,
    reason: str,
    request: HttpRequest | None = None,
) -> str:
    """The full number for staff who may edit the organisation, with a reason; audited."""
    check_writable(actor, organisation.grid_path)
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ServiceError(_("查看完整电话必须填写事由"), code="reason_required")
    phone = organisation_contact_phone(organisation)
    audit_record(
        action=AuditLog.Action.REVEAL,
        actor=actor,
        request=request,
        target=organisation,
        reason=reason[:200],
        detail={"fields": ["contact_phone"]},
    )
    return phone


def organisation_create(
    *, actor: User | None, kind: str, name: str, grid: Grid, **extra: Any
) -> Organisation:
    _check_organisation(kind, name, extra.get("credit_code", ""))
    name = name.strip()
    check_writable(actor, grid.path)
    if Organisation.objects.filter(grid=grid, kind=kind, name=name).exists():
        raise Conflict(
            _("%(grid)s已有组织“%(name)s”") % {"grid": grid.name, "name": name}, code="name"
        )
    phone = _org_phone_fields((extra.pop("contact_phone", "") or "").strip())
    return Organisation.objects.create(
        kind=kind, name=name, grid=grid, grid_path=grid.path, **phone, **extra
    )


def organisation_update(
    *,
    actor: User | None,
    organisation: Organisation,
    kind: str,
    name: str,
    grid: Grid,
    credit_code: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    address_text: str = "",
    members: int | None = None,
) -> Organisation:
    _check_organisation(kind, name, credit_code)
    check_writable(actor, organisation.grid_path)
    check_writable(actor, grid.path)
    name = name.strip()
    clash = Organisation.objects.filter(grid=grid, kind=kind, name=name).exclude(pk=organisation.pk)
    if clash.exists():
        raise Conflict(
            _("%(grid)s已有组织“%(name)s”") % {"grid": grid.name, "name": name}, code="name"
        )
    organisation.kind, organisation.name = kind, name
    organisation.grid, organisation.grid_path = grid, grid.path
    organisation.credit_code = credit_code.upper()
    organisation.contact_name = contact_name
    contact_phone = contact_phone.strip()
    # The edit form shows the mask: sent back unchanged, it keeps the stored number.
    if contact_phone != organisation_contact_phone_masked(organisation):
        for field, value in _org_phone_fields(contact_phone).items():
            setattr(organisation, field, value)
    organisation.address, organisation.members = address_text, members
    organisation.save()
    return organisation


def asset_create(
    *,
    actor: User | None,
    code: str,
    category_code: str,
    department: Department,
    lat: float,
    lng: float,
    name: str = "",
) -> Asset:
    category_code = _asset_category(category_code)
    if not code.strip():
        raise ServiceError(_("部件编码不能为空"), code="code")
    code = code.strip()
    lat, lng, loc = _locate(lat, lng)
    check_writable(actor, loc.path)
    if Asset.objects.filter(code=code).exists():
        raise Conflict(_("部件编码 %(code)s 已存在") % {"code": code}, code="code")
    return Asset.objects.create(
        code=code,
        category_code=category_code,
        name=name,
        department=department,
        lat=lat,
        lng=lng,
        grid_id=loc.grid.id,
        grid_path=loc.path,
    )


def _asset_category(category_code: str) -> str:
    """The 4-digit 部件 category; the cases app's form (A0103) is accepted too."""
    text = (category_code or "").strip()
    if len(text) == 5 and text[0] in "Aa":
        text = text[1:]
    if not re.fullmatch(r"\d{4}", text):
        raise ServiceError(
            _("部件类别编码应为 4 位数字（GB/T 30428.2），例如 0101"), code="category_code"
        )
    return text


def asset_update(
    *,
    actor: User | None,
    asset: Asset,
    category_code: str,
    department: Department,
    lat: float,
    lng: float,
    name: str = "",
    is_active: bool = True,
) -> Asset:
    check_writable(actor, asset.grid_path)
    category_code = _asset_category(category_code)
    lat, lng, loc = _locate(lat, lng)
    check_writable(actor, loc.path)
    asset.category_code, asset.department, asset.name = category_code, department, name.strip()
    asset.lat, asset.lng, asset.grid_id, asset.grid_path = lat, lng, loc.grid.id, loc.path
    asset.is_active = is_active
    asset.save()
    return asset


# --- the care ledger ---------------------------------------------------------------------------
def next_visit_due(*, since: dt.date, last_visited: dt.date | None, interval_days: int) -> dt.date:
    """A person is due `interval_days` after the last visit, or after enrolment if none yet."""
    return (last_visited or since) + dt.timedelta(days=interval_days)


def care_enrol(
    *,
    actor: User | None,
    resident: Resident,
    level: CareLevel,
    reason: str = "",
    since: dt.date | None = None,
) -> CareRecord:
    """Put a resident in the care ledger, or change their level (re-computing the due date)."""
    check_writable(actor, resident.grid_path)
    since = since or timezone.localdate()
    with transaction.atomic():
        record = CareRecord.objects.select_for_update().filter(resident=resident).first()
        if record is None:
            return CareRecord.objects.create(
                resident=resident,
                level=level,
                reason=reason,
                grid_id=resident.grid_id,
                grid_path=resident.grid_path,
                since=since,
                next_due_on=next_visit_due(
                    since=since, last_visited=None, interval_days=level.visit_interval_days
                ),
            )
        last = timezone.localdate(record.last_visited_at) if record.last_visited_at else None
        record.level = level
        record.reason = reason or record.reason
        record.is_active = True
        record.next_due_on = next_visit_due(
            since=record.since, last_visited=last, interval_days=level.visit_interval_days
        )
        record.save(update_fields=["level", "reason", "is_active", "next_due_on"])
        return record


def visit_record(
    *,
    actor: User,
    resident: Resident,
    visited_at: dt.datetime | None = None,
    place: str = "",
    notes: str = "",
    findings: str = "",
    photo_ids: list[str] | tuple[str, ...] = (),
    raise_case: bool = False,
    checkin: tuple[float, float] | None = None,
) -> Visit:
    """Record a visit, move the person's next due date, link the photos uploaded for it
    (`wangge.attachments`), optionally raise a case in one step — all or nothing.

    `checkin` is the phone's (lat, lng) when the worker checked in on the spot; the distance
    to the building is kept with it."""
    check_writable(actor, resident.grid_path)
    checkin_fields: dict[str, Any] = {}
    if checkin is not None:
        try:
            clat, clng = check_lat_lng(*checkin)
        except CoordinateError as exc:
            raise ServiceError(str(exc), code="checkin") from None
        building = resident.household.room.building
        checkin_fields = {
            "checkin_lat": clat,
            "checkin_lng": clng,
            "checkin_distance_m": round(_metres(clat, clng, building.lat, building.lng)),
        }
    visited_at = visited_at or timezone.now()
    if visited_at > timezone.now() + dt.timedelta(minutes=5):
        raise ServiceError(_("走访时间不能晚于现在"))
    if raise_case and not findings.strip():
        raise ServiceError(_("上报事件需要填写发现的问题"))
    with transaction.atomic():
        visit = Visit.objects.create(
            resident=resident,
            visitor=actor,
            visited_at=visited_at,
            place=place or str(resident.household.room),
            notes=notes,
            findings=findings,
            grid_id=resident.grid_id,
            grid_path=resident.grid_path,
            **checkin_fields,
        )
        if photo_ids:
            attachments_link(actor=actor, attachment_ids=photo_ids, owner=visit)
        record = (
            CareRecord.objects.select_for_update()
            .select_related("level")
            .filter(resident=resident, is_active=True)
            .first()
        )
        if record and (record.last_visited_at is None or visited_at > record.last_visited_at):
            record.last_visited_at = visited_at
            record.next_due_on = next_visit_due(
                since=record.since,
                last_visited=timezone.localdate(visited_at),
                interval_days=record.level.visit_interval_days,
            )
            record.save(update_fields=["last_visited_at", "next_due_on"])
        if raise_case:
            visit.case_id = _raise_case(actor=actor, visit=visit)
            visit.save(update_fields=["case_id"])
    return visit


def _metres(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Distance on the ground between two nearby WGS-84 points (equirectangular)."""
    from math import cos, hypot, radians

    from wangge.core.geo import METRES_PER_DEGREE

    return hypot(
        (lat1 - lat2) * METRES_PER_DEGREE,
        (lng1 - lng2) * METRES_PER_DEGREE * cos(radians((lat1 + lat2) / 2)),
    )


def _raise_case(*, actor: User, visit: Visit) -> int:
    """Hand the visit's findings to the cases intake, as a grid worker's patrol report.

    Located at the building's point with its address; the resident's name is not passed on
    (a case is seen by the centre and departments, who do not need it). The visit's id is the
    idempotency key, so a retried submission never raises a second case.
    """
    from wangge.cases.models import Channel
    from wangge.cases.services import case_submit

    building = visit.resident.household.room.building
    case = case_submit(
        actor=actor,
        channel=Channel.PATROL,
        description=visit.findings,
        lat=building.lat,
        lng=building.lng,
        address=building.address or building.name,
        title=f"走访发现：{visit.findings.strip()[:40]}",
        idempotency_key=f"people-visit-{visit.pk}",
    ).case
    return case.pk


def journal_add(
    *, actor: User, grid: Grid, content: str, kind: str = JournalKind.OTHER, day: dt.date | None
) -> JournalEntry:
    check_writable(actor, grid.path)
    if not content.strip():
        raise ServiceError(_("日志内容不能为空"))
    if kind not in JournalKind.values:
        raise ServiceError(_("日志类别 “%(kind)s” 无效") % {"kind": kind})
    day = day or timezone.localdate()
    if day > timezone.localdate():
        raise ServiceError(_("日志日期不能晚于今天"))
    return JournalEntry.objects.create(
        author=actor, grid=grid, grid_path=grid.path, day=day, kind=kind, content=content.strip()
    )


# --- key rotation ------------------------------------------------------------------------------
def field_keys_rotate(*, batch_size: int = 2000) -> int:
    """Re-encrypt every ciphertext not written with the first key. Returns rows changed.

    Safe to interrupt and re-run: each batch commits on its own and rows already under the
    primary key are skipped.
    """
    c = cipher()
    changed = 0
    last_id = 0
    while True:
        rows = list(
            Resident.objects.filter(pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", "id_cipher", "phone_cipher")[:batch_size]
        )
        if not rows:
            return changed
        last_id = rows[-1][0]
        updates = []
        for pk, id_token, phone_token in rows:
            if c.needs_rotation(id_token) or c.needs_rotation(phone_token):
                updates.append(
                    Resident(
                        pk=pk,
                        id_cipher=c.encrypt(
                            c.decrypt(id_token, column=ID_COLUMN), column=ID_COLUMN
                        ),
                        phone_cipher=c.encrypt(
                            c.decrypt(phone_token, column=PHONE_COLUMN), column=PHONE_COLUMN
                        ),
                    )
                )
        with transaction.atomic():
            Resident.objects.bulk_update(updates, ["id_cipher", "phone_cipher"])
        changed += len(updates)
