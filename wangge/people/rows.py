"""One spreadsheet row of organisations, assets or places → one service call.

Each applier takes the importer and returns a function of `get(field) -> cell text` that
creates or updates one row through the services (so every check of a form also holds for an
import) and answers whether it created. A bad cell raises `RowError(column, reason)`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from wangge.accounts.models import User
from wangge.grids.models import Department, Grid
from wangge.grids.selectors import department_list_for_user, grid_list_for_user
from wangge.people import services
from wangge.people.models import (
    Asset,
    ImportKind,
    Organisation,
    OrganisationKind,
    Place,
    PlaceKind,
)

Getter = Callable[[str], str]
Applier = Callable[[Getter], bool]


class RowError(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def choice_value(choices: type, text: str, column: str) -> str:
    """A TextChoices value from its value or its Chinese label (物业服务企业 → property)."""
    text = text.strip()
    for value, label in choices.choices:  # type: ignore[attr-defined]
        if text in (value, str(label)):
            return value
    allowed = "、".join(str(label) for _v, label in choices.choices)  # type: ignore[attr-defined]
    reason = _("“%(text)s”无效，可选：%(allowed)s") % {"text": text, "allowed": allowed}
    raise RowError(column, reason)


def point(get: Getter) -> tuple[float, float]:
    try:
        return float(get("lat")), float(get("lng"))
    except ValueError:
        raise RowError(_("经度/纬度"), _("经纬度不是数字")) from None


def _grid(actor: User, text: str) -> Grid:
    grids = grid_list_for_user(actor)
    grid = grids.filter(code=text).first() or grids.filter(name=text).order_by("level").first()
    if grid is None:
        reason = _("未找到网格“%(text)s”（或不在您的管辖范围内）") % {"text": text}
        raise RowError(_("所属网格"), reason)
    return grid


def _department(actor: User, text: str) -> Department:
    depts = department_list_for_user(actor)
    dept = depts.filter(code=text).first() or depts.filter(name=text).first()
    if dept is None:
        raise RowError(_("权属部门"), _("未找到部门“%(text)s”") % {"text": text})
    return dept


def _int_or_none(text: str, column: str) -> int | None:
    if not text:
        return None
    try:
        return int(float(text))
    except ValueError:
        raise RowError(column, _("“%(text)s”不是整数") % {"text": text}) from None


def _date_or_none(text: str, column: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.replace("/", "-")[:10])
    except ValueError:
        raise RowError(column, _("日期“%(text)s”无效，应为 2026-05-01") % {"text": text}) from None


def organisations(actor: User) -> Applier:
    def apply(get: Getter) -> bool:
        kind = choice_value(OrganisationKind, get("kind"), _("类别"))
        grid = _grid(actor, get("grid"))
        fields: dict[str, Any] = dict(
            credit_code=get("credit_code").upper(),
            contact_name=get("contact_name"),
            contact_phone=get("contact_phone"),
            members=_int_or_none(get("members"), _("成员数")),
        )
        existing = Organisation.objects.filter(grid=grid, kind=kind, name=get("name")).first()
        if existing:
            services.organisation_update(
                actor=actor,
                organisation=existing,
                kind=kind,
                name=get("name"),
                grid=grid,
                address_text=get("address"),
                **fields,
            )
            return False
        services.organisation_create(
            actor=actor, kind=kind, name=get("name"), grid=grid, address=get("address"), **fields
        )
        return True

    return apply


def assets(actor: User) -> Applier:
    def apply(get: Getter) -> bool:
        lat, lng = point(get)
        dept = _department(actor, get("department"))
        existing = Asset.objects.filter(code=get("code")).first()
        if existing:
            services.asset_update(
                actor=actor,
                asset=existing,
                category_code=get("category_code"),
                department=dept,
                lat=lat,
                lng=lng,
                name=get("name"),
            )
            return False
        services.asset_create(
            actor=actor,
            code=get("code"),
            category_code=get("category_code"),
            department=dept,
            lat=lat,
            lng=lng,
            name=get("name"),
        )
        return True

    return apply


def places(actor: User) -> Applier:
    def apply(get: Getter) -> bool:
        kind = choice_value(PlaceKind, get("kind"), _("类别"))
        lat, lng = point(get)
        inspected = _date_or_none(get("last_inspected_on"), _("最近检查"))
        existing = Place.objects.filter(name=get("name"), address=get("address")).first()
        if existing:
            services.place_update(
                actor=actor,
                place=existing,
                kind=kind,
                name=get("name"),
                lat=lat,
                lng=lng,
                address_text=get("address"),
                operator_name=get("operator_name"),
                last_inspected_on=inspected,
            )
            return False
        services.place_create(
            actor=actor,
            kind=kind,
            name=get("name"),
            lat=lat,
            lng=lng,
            address=get("address"),
            operator_name=get("operator_name"),
            last_inspected_on=inspected,
        )
        return True

    return apply


APPLIERS: dict[str, Callable[[User], Applier]] = {
    ImportKind.ORGANISATIONS: organisations,
    ImportKind.ASSETS: assets,
    ImportKind.PLACES: places,
}
