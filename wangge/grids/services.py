"""Writes on the grid tree. Every change bumps the tree version in the same transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from wangge.core.api import ServiceError
from wangge.core.imports import Reject
from wangge.core.models import AuditLog
from wangge.core.services import audit_record
from wangge.grids.models import Grid, GridLevel, GridTreeVersion, SpecialKind
from wangge.grids.validation import (
    GridValidationError,
    check_code,
    check_parent_level,
    find_sibling_overlaps,
    overlaps,
    parse_geometry,
    parse_level,
    strays_outside,
    tolerance_degrees,
)


def _reject(index: int, code: str, field: str, reason: str) -> Reject:
    """A refused feature: its position in the file (from 0), its code if known, the field."""
    return Reject(row=index, column=field, reason=reason, code=code)


def reject_out(r: Reject) -> dict[str, Any]:
    """A refused feature as the grid API and the import command show it."""
    return {"index": r.row, "code": r.code, "field": r.column, "reason": r.reason}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejects: list[Reject] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejects


class GridImportError(ServiceError):
    """The import was refused as a whole; `details` lists every rejected feature."""

    code = "grid_import_rejected"


def tree_version_bump() -> None:
    """Mark the tree changed: every process's locator rebuilds on its next check."""
    GridTreeVersion.move()
    from wangge.grids.locator import locator

    transaction.on_commit(locator.invalidate)


def _bbox_fields(geom: BaseGeometry | None) -> dict[str, float | None]:
    if geom is None:
        return {"min_lng": None, "min_lat": None, "max_lng": None, "max_lat": None}
    min_lng, min_lat, max_lng, max_lat = geom.bounds
    return {"min_lng": min_lng, "min_lat": min_lat, "max_lng": max_lng, "max_lat": max_lat}


def _coords_rounded(geom: BaseGeometry) -> dict[str, Any]:
    """GeoJSON of `geom` with seven decimals (about a centimetre): more only bloats the JSON."""

    def r(obj):
        if isinstance(obj, list | tuple):
            if obj and isinstance(obj[0], int | float):
                return [round(float(obj[0]), 7), round(float(obj[1]), 7)]
            return [r(o) for o in obj]
        return obj

    m = mapping(geom)
    return {"type": m["type"], "coordinates": r(m["coordinates"])}


@dataclass
class _Parsed:
    index: int
    code: str
    name: str
    level: GridLevel
    parent_code: str | None
    geom: BaseGeometry
    special_kind: str
    effective_from: dt.date | None


def _parse_feature(index: int, feature: Any) -> _Parsed:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise GridValidationError("不是 GeoJSON Feature", field="feature")
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise GridValidationError("缺少 properties", field="properties")
    name = str(props.get("name") or "").strip()
    if not name:
        raise GridValidationError("缺少名称（name）", field="name")
    if len(name) > 100:
        raise GridValidationError("名称超过 100 个字", field="name")
    if props.get("level") in (None, ""):
        raise GridValidationError("缺少层级（level）", field="level")
    level = parse_level(props.get("level"))
    parent_code = props.get("parent_code")
    parent_code = str(parent_code).strip() if parent_code not in (None, "") else None
    code = check_code(props.get("code"), level, parent_code)
    special_kind = str(props.get("special_kind") or "")
    if level == GridLevel.SPECIAL:
        special_kind = special_kind or SpecialKind.OTHER
        if special_kind not in SpecialKind.values:
            raise GridValidationError(
                f"专属网格类型 “{special_kind}” 无法识别", field="special_kind"
            )
    elif special_kind:
        raise GridValidationError("只有专属网格才有专属网格类型", field="special_kind")
    effective_from = None
    if props.get("effective_from"):
        try:
            effective_from = dt.date.fromisoformat(str(props["effective_from"]))
        except ValueError as exc:
            raise GridValidationError(
                f"生效日期 “{props['effective_from']}” 应为 YYYY-MM-DD", field="effective_from"
            ) from exc
    geom = parse_geometry(feature.get("geometry"))
    return _Parsed(index, code, name, level, parent_code, geom, special_kind, effective_from)


def _geom_of(grid: Grid) -> BaseGeometry | None:
    return parse_geometry(grid.geometry) if grid.geometry else None


def grid_tree_import(
    *, actor: Any, collection: Any, dry_run: bool = False, request: Any = None
) -> ImportResult:
    """Import a GeoJSON FeatureCollection of grids (properties code, name, level, parent_code).

    All or nothing: when any feature is refused, nothing is written and every refusal is
    listed, so the tree in the database is never left half-changed. Existing codes are updated
    (geometry changes bump their version); unknown codes are created.
    """
    result = ImportResult()
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise GridImportError("文件不是 GeoJSON FeatureCollection")
    features = collection.get("features")
    if not isinstance(features, list) or not features:
        raise GridImportError("FeatureCollection 中没有任何网格（features 为空）")

    parsed: dict[str, _Parsed] = {}
    for i, feature in enumerate(features):
        code = ""
        if isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
            code = str(feature["properties"].get("code") or "")
        try:
            p = _parse_feature(i, feature)
        except GridValidationError as exc:
            result.rejects.append(_reject(i, code, exc.field, exc.message))
            continue
        if p.code in parsed:
            result.rejects.append(_reject(i, p.code, "code", f"编码 {p.code} 在文件中重复出现"))
            continue
        parsed[p.code] = p

    existing = {g.code: g for g in Grid.objects.filter(code__in=list(parsed))}
    parent_codes = {p.parent_code for p in parsed.values() if p.parent_code} - set(parsed)
    db_parents = {g.code: g for g in Grid.objects.filter(code__in=list(parent_codes))}
    tol = tolerance_degrees()

    # Parent, level and containment checks.
    geoms: dict[str, BaseGeometry] = {c: p.geom for c, p in parsed.items()}
    for p in list(parsed.values()):
        if p.parent_code is None:
            continue
        parent_level: int
        if p.parent_code in parsed:
            parent_level, parent_geom = parsed[p.parent_code].level, geoms[p.parent_code]
        elif p.parent_code in db_parents:
            dbp = db_parents[p.parent_code]
            parent_level, parent_geom = dbp.level, _geom_of(dbp)
        else:
            result.rejects.append(
                _reject(p.index, p.code, "parent_code", f"上级网格 {p.parent_code} 不存在")
            )
            continue
        try:
            check_parent_level(p.level, parent_level)
        except GridValidationError as exc:
            result.rejects.append(_reject(p.index, p.code, exc.field, exc.message))
            continue
        if parent_geom is not None and strays_outside(p.geom, parent_geom, tol):
            result.rejects.append(
                _reject(
                    p.index,
                    p.code,
                    "geometry",
                    f"边界超出上级网格 {p.parent_code} 的范围（容差 {tol * 111320:.0f} 米）",
                )
            )
        if p.code in existing and existing[p.code].level != p.level:
            result.rejects.append(
                _reject(p.index, p.code, "level", f"已有网格 {p.code} 的层级不能修改")
            )

    # Sibling overlap among regular grids of one parent (and among special grids of one
    # community), counting grids already in the database that the file does not replace.
    by_parent: dict[tuple[str, bool], dict[str, BaseGeometry]] = {}
    for p in parsed.values():
        if p.parent_code:
            by_parent.setdefault((p.parent_code, p.level == GridLevel.SPECIAL), {})[p.code] = p.geom
    for (parent_code, special), members in by_parent.items():
        others = Grid.objects.filter(parent__code=parent_code, is_active=True).exclude(
            code__in=list(members)
        )
        others = (
            others.filter(level=GridLevel.SPECIAL)
            if special
            else others.exclude(level=GridLevel.SPECIAL)
        )
        for other in others:
            g = _geom_of(other)
            if g is not None:
                for code, geom in members.items():
                    if overlaps(geom, g, tol):
                        result.rejects.append(
                            _reject(
                                parsed[code].index,
                                code,
                                "geometry",
                                f"与同级网格 {other.code}（{other.name}）重叠",
                            )
                        )
        codes = list(members)
        for pair in find_sibling_overlaps(codes, [members[c] for c in codes], tol):
            result.rejects.append(
                _reject(parsed[pair.b].index, pair.b, "geometry", f"与同级网格 {pair.a} 重叠")
            )

    if result.rejects:
        result.rejects.sort(key=lambda r: r.row)
        return result
    if dry_run:
        result.created = sum(1 for c in parsed if c not in existing)
        result.updated = len(parsed) - result.created
        return result

    with transaction.atomic():
        # Parents before children: sort by level (special grids last, their parent is a
        # community).
        known: dict[str, Grid] = dict(db_parents)
        for p in sorted(parsed.values(), key=lambda x: (x.level, x.code)):
            parent = known.get(p.parent_code) if p.parent_code else None
            if parent is None and p.parent_code:
                parent = Grid.objects.get(code=p.parent_code)
            path = (parent.path if parent else "") + p.code + "/"
            geojson = _coords_rounded(p.geom)
            grid = existing.get(p.code)
            if grid is None:
                grid = Grid.objects.create(
                    code=p.code,
                    name=p.name,
                    level=p.level,
                    special_kind=p.special_kind,
                    parent=parent,
                    path=path,
                    root=parent.root if parent and parent.root_id else parent,
                    geometry=geojson,
                    effective_from=p.effective_from,
                    **_bbox_fields(p.geom),
                )
                if grid.level == GridLevel.DISTRICT:
                    Grid.objects.filter(pk=grid.pk).update(root=grid)
                    grid.root = grid
                result.created += 1
            else:
                changed = []
                if grid.geometry != geojson:
                    grid.geometry = geojson
                    grid.version = grid.version + 1
                    for k, v in _bbox_fields(p.geom).items():
                        setattr(grid, k, v)
                    changed += ["geometry", "version", "min_lng", "min_lat", "max_lng", "max_lat"]
                for attr in ("name", "special_kind", "effective_from"):
                    if getattr(grid, attr) != getattr(p, attr) and getattr(p, attr) is not None:
                        setattr(grid, attr, getattr(p, attr))
                        changed.append(attr)
                if grid.parent_id != (parent.pk if parent else None):
                    raise GridImportError(f"网格 {p.code} 不能改换上级（请先停用再新建）")
                if not grid.is_active:
                    grid.is_active = True
                    changed.append("is_active")
                if changed:
                    grid.save(update_fields=[*changed, "updated_at"])
                    result.updated += 1
                else:
                    result.unchanged += 1
            known[p.code] = grid
        if result.created or result.updated:
            tree_version_bump()
        audit_record(
            action=AuditLog.Action.GRID_IMPORT,
            actor=actor,
            request=request,
            detail={"created": result.created, "updated": result.updated},
        )
    return result


def grid_update(
    *,
    actor: Any,
    grid: Grid,
    name: str | None = None,
    geometry: Any = None,
    effective_from: dt.date | None = None,
    is_active: bool | None = None,
    request: Any = None,
) -> Grid:
    """Change one grid through the same checks as an import of that one feature."""
    feature = {
        "type": "Feature",
        "properties": {
            "code": grid.code,
            "name": name if name is not None else grid.name,
            "level": grid.level,
            "parent_code": grid.parent.code if grid.parent is not None else None,
            "special_kind": grid.special_kind,
            "effective_from": str(effective_from or grid.effective_from or ""),
        },
        "geometry": geometry if geometry is not None else grid.geometry,
    }
    with transaction.atomic():
        result = grid_tree_import(
            actor=actor,
            collection={"type": "FeatureCollection", "features": [feature]},
            request=request,
        )
        if not result.ok:
            first = result.rejects[0]
            raise GridImportError(first.reason, details=[reject_out(r) for r in result.rejects])
        # Children must still fit inside a changed parent.
        tol = tolerance_degrees()
        geom = parse_geometry(feature["geometry"])
        for child in Grid.objects.filter(parent=grid, is_active=True):
            cg = _geom_of(child)
            if cg is not None and strays_outside(cg, geom, tol):
                raise GridImportError(f"修改后的边界不再包含下级网格 {child.code}（{child.name}）")
        if is_active is not None and is_active != grid.is_active:
            if not is_active and Grid.objects.filter(parent=grid, is_active=True).exists():
                raise ServiceError("请先停用全部下级网格")
            Grid.objects.filter(pk=grid.pk).update(is_active=is_active)
            tree_version_bump()
        audit_record(action=AuditLog.Action.GRID_CHANGE, actor=actor, target=grid, request=request)
    grid.refresh_from_db()
    return grid


def grid_tree_export(*, grids) -> dict[str, Any]:
    """A FeatureCollection of `grids` (a queryset), the same shape the import takes."""
    features = []
    for g in grids.select_related("parent").order_by("level", "code"):
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": g.code,
                    "name": g.name,
                    "level": GridLevel(g.level).name.lower(),
                    "parent_code": g.parent.code if g.parent_id else None,
                    **({"special_kind": g.special_kind} if g.special_kind else {}),
                    "version": g.version,
                    "effective_from": g.effective_from.isoformat() if g.effective_from else None,
                },
                "geometry": g.geometry,
            }
        )
    return {"type": "FeatureCollection", "features": features}
