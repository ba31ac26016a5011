"""Checks on grid features before anything is written. Messages are for people, in Chinese."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import shapely
from django.conf import settings
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from wangge.core.geo import METRES_PER_DEGREE
from wangge.grids.models import CODE_LENGTH, PARENT_LEVEL, GridLevel

LEVEL_NAMES: dict[str, GridLevel] = {
    "district": GridLevel.DISTRICT,
    "county": GridLevel.DISTRICT,
    "区": GridLevel.DISTRICT,
    "县": GridLevel.DISTRICT,
    "区/县": GridLevel.DISTRICT,
    "street": GridLevel.STREET,
    "town": GridLevel.STREET,
    "街道": GridLevel.STREET,
    "镇": GridLevel.STREET,
    "街道/镇": GridLevel.STREET,
    "community": GridLevel.COMMUNITY,
    "village": GridLevel.COMMUNITY,
    "社区": GridLevel.COMMUNITY,
    "村": GridLevel.COMMUNITY,
    "社区/村": GridLevel.COMMUNITY,
    "zone": GridLevel.ZONE,
    "片区": GridLevel.ZONE,
    "片区网格": GridLevel.ZONE,
    "micro": GridLevel.MICRO,
    "微网格": GridLevel.MICRO,
    "special": GridLevel.SPECIAL,
    "专属网格": GridLevel.SPECIAL,
}


class GridValidationError(ValueError):
    """One problem with one grid; `field` names the offending property."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


def parse_level(value: Any) -> GridLevel:
    if isinstance(value, bool):
        raise GridValidationError(f"层级 “{value}” 无法识别", field="level")
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        try:
            return GridLevel(int(value))
        except ValueError:
            pass
    elif isinstance(value, str) and value.strip().lower() in LEVEL_NAMES:
        return LEVEL_NAMES[value.strip().lower()]
    raise GridValidationError(
        f"层级 “{value}” 无法识别，可用 district/street/community/zone/micro/special 或 1–5、9",
        field="level",
    )


def check_code(code: Any, level: GridLevel, parent_code: str | None) -> str:
    """The code must be digits of the level's length and extend (or embed) the parent's."""
    if not isinstance(code, str | int) or isinstance(code, bool):
        raise GridValidationError("编码必须是数字串", field="code")
    code = str(code).strip()
    if not code.isdigit() or not code.isascii():
        raise GridValidationError(f"编码 “{code}” 必须全部是数字", field="code")
    expected = CODE_LENGTH[level]
    if len(code) != expected:
        raise GridValidationError(
            f"编码 “{code}” 有 {len(code)} 位，{level.label}编码应为 {expected} 位", field="code"
        )
    if level == GridLevel.DISTRICT:
        if parent_code:
            raise GridValidationError("区/县是网格树的根，不能有上级网格", field="parent_code")
        return code
    if not parent_code:
        raise GridValidationError(
            f"{level.label}必须有上级网格（parent_code）", field="parent_code"
        )
    if level == GridLevel.SPECIAL:
        # CJ/T 349: 6-digit object type + the community's 12 digits + 2-digit sequence.
        if code[6:18] != parent_code:
            raise GridValidationError(
                f"专属网格编码 “{code}” 的第 7–18 位应为所属社区编码 {parent_code}", field="code"
            )
    elif not code.startswith(parent_code):
        raise GridValidationError(
            f"编码 “{code}” 应以上级网格编码 {parent_code} 开头", field="code"
        )
    return code


def check_parent_level(level: GridLevel, parent_level: int) -> None:
    wanted = PARENT_LEVEL[level]
    if parent_level != wanted:
        raise GridValidationError(
            f"{level.label}的上级应是{wanted.label}，而不是{GridLevel(parent_level).label}",
            field="parent_code",
        )


def _check_coordinates(coords: Any, depth: int) -> None:
    """Walk GeoJSON coordinate arrays; each position is [lng, lat] within range."""
    if depth == 0:
        if not isinstance(coords, list | tuple) or len(coords) < 2:
            raise GridValidationError("坐标点格式错误，应为 [经度, 纬度]", field="geometry")
        lng, lat = coords[0], coords[1]
        for v in (lng, lat):
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise GridValidationError(f"坐标 {coords} 不是有效数字", field="geometry")
        if not -180 <= lng <= 180:
            raise GridValidationError(f"经度 {lng} 超出范围（-180 到 180）", field="geometry")
        if not -90 <= lat <= 90:
            raise GridValidationError(f"纬度 {lat} 超出范围（-90 到 90）", field="geometry")
        return
    if not isinstance(coords, list | tuple) or not coords:
        raise GridValidationError("边界坐标为空或格式错误", field="geometry")
    for c in coords:
        _check_coordinates(c, depth - 1)


def parse_geometry(geojson: Any) -> BaseGeometry:
    """A GeoJSON Polygon or MultiPolygon → a valid Shapely geometry, or a clear error."""
    if not isinstance(geojson, dict):
        raise GridValidationError("缺少边界（geometry），应为 GeoJSON Polygon", field="geometry")
    gtype = geojson.get("type")
    depth = {"Polygon": 2, "MultiPolygon": 3}.get(gtype) if isinstance(gtype, str) else None
    if depth is None:
        raise GridValidationError(
            f"边界类型 “{gtype}” 不支持，应为 Polygon 或 MultiPolygon", field="geometry"
        )
    _check_coordinates(geojson.get("coordinates"), depth)
    try:
        geom = shape(geojson)
    except Exception as exc:  # Shapely raises several types for malformed rings
        raise GridValidationError(f"边界无法解析：{exc}", field="geometry") from exc
    if not geom.is_empty and not geom.is_valid:
        reason = explain_validity(geom)
        if "Self-intersection" in reason:
            raise GridValidationError(f"边界自相交（{reason}）", field="geometry")
        raise GridValidationError(f"边界无效（{reason}）", field="geometry")
    if geom.is_empty or geom.area == 0:
        raise GridValidationError("边界面积为零", field="geometry")
    return geom


def tolerance_degrees() -> float:
    return settings.GRID_CONTAINMENT_TOLERANCE_M / METRES_PER_DEGREE


def strays_outside(child: BaseGeometry, parent: BaseGeometry, tol: float) -> bool:
    """True when some part of `child` wider than `tol` lies outside `parent`."""
    if child.within(parent):
        return False
    outside = child.difference(parent)
    return not outside.buffer(-tol / 2).is_empty


def overlaps(a: BaseGeometry, b: BaseGeometry, tol: float) -> bool:
    """True when `a` and `b` share an area wider than `tol` (shared edges are fine)."""
    if not a.intersects(b) or a.touches(b):
        return False
    common = a.intersection(b)
    return not common.buffer(-tol / 2).is_empty


@dataclass
class SiblingOverlap:
    a: str
    b: str


def find_sibling_overlaps(codes: list[str], geoms: list[BaseGeometry], tol: float):
    """Every pair among `geoms` that overlaps, found through an STRtree, not all pairs."""
    if len(geoms) < 2:
        return []
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    found = []
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i < j and overlaps(geoms[i], geoms[j], tol):
            found.append(SiblingOverlap(codes[i], codes[j]))
    return found
