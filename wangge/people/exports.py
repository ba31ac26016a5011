"""Exports of the base data lists (residents, buildings, organisations, assets, places).

Each list's filters are read here, by the same function for the page and for its export job,
so the file a worker writes later holds exactly the rows the user filtered, in their scope.
Residents are masked as on the page; the import-column sheet (`people.residents.sheet`, the
API's export) is masked too unless `full` with a reason is asked by a role that may reveal.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.accounts.models import User
from wangge.accounts.selectors import Scope, scope_for_user
from wangge.core.api import Forbidden, ServiceError
from wangge.exports.registry import ExportData, ExportSpec
from wangge.grids.models import Grid, GridLevel
from wangge.grids.selectors import grid_list_for_user
from wangge.people import selectors
from wangge.people.forms import ResidentSearchForm
from wangge.people.idcard import age_on
from wangge.people.models import Resident


def staff_scope(user: User) -> Scope:
    """Base data is for people with grids (or administrators); residents have no page here."""
    scope = scope_for_user(user)
    if not (scope.grid_paths or scope.everything):
        raise PermissionDenied(_("基础数据只对网格工作人员和社区、街道工作人员开放"))
    return scope


def scope_grids(user: User) -> list[Grid]:
    """Street, community, zone and micro grids in scope, in tree order, for the grid filters."""
    return list(
        grid_list_for_user(user)
        .filter(level__in=[GridLevel.STREET, GridLevel.COMMUNITY, GridLevel.ZONE, GridLevel.MICRO])
        .select_related(None)
        .only("code", "name", "level", "path")
        .order_by("path")[:1000]
    )


def _text(params: QueryDict, name: str, cap: int) -> str:
    return (params.get(name) or "").strip()[:cap]


# --- residents --------------------------------------------------------------------------------
def resident_search(
    user: User, params: QueryDict, grids: list[Grid] | None = None
) -> tuple[ResidentSearchForm, QuerySet[Resident]]:
    grids = scope_grids(user) if grids is None else grids
    form = ResidentSearchForm(params or None, grids=grids)
    d = form.cleaned_data if form.is_valid() else {}
    qs = selectors.resident_list_for_user(
        user,
        q=d.get("q", ""),
        tag=d.get("tag", ""),
        grid_code=d.get("grid", ""),
        building_q=d.get("building", ""),
        residence_type=d.get("residence_type", ""),
    )
    return form, qs


def _residents(user: User, params: QueryDict, options: dict[str, Any]) -> ExportData:
    scope = staff_scope(user)
    _form, qs = resident_search(user, params)
    today = timezone.localdate()
    header = ["姓名", "身份证号（脱敏）", "联系电话（脱敏）", "性别", "年龄", "楼栋", "单元"]
    header += ["房号", "人员类型", "人员类别", "网格"]
    return ExportData(
        header=header,
        items=qs.select_related("household__room__building__community", "grid"),
        sheet="居民",
        audit={"masked": True},
        row=lambda r: [
            r.name,
            selectors.masked_id_for(scope, r),
            selectors.masked_phone_for(r),
            r.get_sex_display(),
            age_on(r.birth_date, today),
            r.household.room.building.name,
            r.household.room.unit,
            r.household.room.number,
            r.get_residence_type_display(),
            "、".join(r.tag_list),
            r.grid.name,
        ],
    )


RESIDENTS = ExportSpec(
    kind="people.residents",
    label=gettext_lazy("居民（脱敏）"),
    filename="residents",
    build=_residents,
    list_url="people:residents",
    target_type="people.resident",
)


def _residents_sheet(user: User, params: QueryDict, options: dict[str, Any]) -> ExportData:
    """The import's columns, so a full export can be edited and imported back."""
    from wangge.people.exporting import HEADERS, resident_sheet_row
    from wangge.people.services import WIDE_MASK_ROLES, reveal_roles

    scope = scope_for_user(user)
    if scope.is_empty:
        raise Forbidden(_("您没有可导出的数据范围"))
    full = bool(options.get("full"))
    if full:
        if not scope.has_role(*reveal_roles()):
            raise Forbidden(_("您的角色无权导出完整身份证号和电话"))
        if len(str(options.get("reason", "")).strip()) < 2:
            raise ServiceError(_("导出完整信息必须填写事由"), code="reason_required")
    qs = selectors.resident_list_for_user(user, tag=_text(params, "tag", 20)).select_related(
        "household__room__building__community", "household__room__building__compound", "grid"
    )
    wide = scope.has_role(*WIDE_MASK_ROLES)
    return ExportData(
        header=HEADERS,
        items=qs,
        sheet="居民",
        audit={"full": full, "tag": _text(params, "tag", 20)},
        row=lambda r: resident_sheet_row(r, full=full, wide=wide),
    )


RESIDENTS_SHEET = ExportSpec(
    kind="people.residents.sheet",
    label=gettext_lazy("居民（导入格式）"),
    filename="residents",
    build=_residents_sheet,
    list_url="people:residents",
    reveals=lambda options: bool(options.get("full")),
    target_type="people.resident",
)


# --- buildings, organisations, assets, places --------------------------------------------------
def building_search(user: User, params: QueryDict) -> QuerySet:
    return (
        selectors.building_list_for_user(
            user, q=_text(params, "q", 60), grid_code=_text(params, "grid", 20)
        )
        .defer("grid__geometry", "community__geometry")
        .annotate(n_rooms=Count("rooms", distinct=True))
    )


def _buildings(user: User, params: QueryDict, options: dict[str, Any]) -> ExportData:
    staff_scope(user)
    return ExportData(
        header=["楼栋", "社区", "小区", "地址", "单元数", "层数", "房屋数", "经度", "纬度", "网格"],
        items=building_search(user, params),
        sheet="楼栋",
        row=lambda b: [
            b.name,
            b.community.name,
            b.compound.name if b.compound else "",
            b.address,
            b.units,
            b.floors or "",
            b.n_rooms,
            b.lng,
            b.lat,
            b.grid.name,
        ],
    )


BUILDINGS = ExportSpec(
    kind="people.buildings",
    label=gettext_lazy("楼栋"),
    filename="buildings",
    build=_buildings,
    list_url="people:buildings",
)


def organisation_search(user: User, params: QueryDict) -> QuerySet:
    return selectors.organisation_list_for_user(
        user,
        q=_text(params, "q", 60),
        kind=_text(params, "kind", 20),
        grid_code=_text(params, "grid", 20),
    )


def _organisations(user: User, params: QueryDict, options: dict[str, Any]) -> ExportData:
    staff_scope(user)
    from wangge.people.services import organisation_contact_phone_masked

    header = ["类别", "名称", "所属网格", "统一社会信用代码", "联系人", "联系电话（脱敏）", "地址"]
    return ExportData(
        header=[*header, "成员数"],
        items=organisation_search(user, params),
        sheet="组织",
        row=lambda o: [
            o.get_kind_display(),
            o.name,
            o.grid.code,
            o.credit_code,
            o.contact_name,
            organisation_contact_phone_masked(o),
            o.address,
            "" if o.members is None else o.members,
        ],
    )


ORGANISATIONS = ExportSpec(
    kind="people.organisations",
    label=gettext_lazy("组织"),
    filename="organisations",
    build=_organisations,
    list_url="people:organisations",
)


def asset_search(user: User, params: QueryDict) -> QuerySet:
    return selectors.asset_list_for_user(
        user,
        q=_text(params, "q", 60),
        category=_text(params, "category", 5),
        grid_code=_text(params, "grid", 20),
    )


def _assets(user: User, params: QueryDict, options: dict[str, Any]) -> ExportData:
    staff_scope(user)
    return ExportData(
        header=["部件编码", "部件类别编码", "名称", "权属部门", "经度", "纬度", "所在网格", "状态"],
        items=asset_search(user, params),
        sheet="部件",
        row=lambda a: [
            a.code,
            a.category_code,
            a.name,
            a.department.name,
            a.lng,
            a.lat,
            a.grid.code,
            "在用" if a.is_active else "停用",
        ],
    )


ASSETS = ExportSpec(
    kind="people.assets",
    label=gettext_lazy("部件"),
    filename="assets",
    build=_assets,
    list_url="people:assets",
)


def place_search(user: User, params: QueryDict) -> QuerySet:
    return selectors.place_list_for_user(
        user,
        q=_text(params, "q", 60),
        kind=_text(params, "kind", 20),
        grid_code=_text(params, "grid", 20),
    )


def _places(user: User, params: QueryDict, options: dict[str, Any]) -> ExportData:
    staff_scope(user)
    return ExportData(
        header=["类别", "名称", "地址", "经度", "纬度", "经营者", "最近检查", "所在网格"],
        items=place_search(user, params),
        sheet="场所",
        row=lambda p: [
            p.get_kind_display(),
            p.name,
            p.address,
            p.lng,
            p.lat,
            p.operator_name,
            p.last_inspected_on.isoformat() if p.last_inspected_on else "",
            p.grid.code,
        ],
    )


PLACES = ExportSpec(
    kind="people.places",
    label=gettext_lazy("场所"),
    filename="places",
    build=_places,
    list_url="people:places",
)
