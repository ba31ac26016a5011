"""Reads the web pages need beyond other apps' selectors; always scoped to the caller."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wangge.accounts.models import RoleAssignment, User
from wangge.grids.models import Grid
from wangge.grids.selectors import grid_get_for_user, grid_list_for_user

if TYPE_CHECKING:
    from wangge.cases.models import CaseEvent


@dataclass(frozen=True)
class GridCard:
    grid: Grid
    ancestors: list[Grid]
    children: int
    people: list[RoleAssignment]


def grid_card_for_user(user: User, code: str) -> GridCard:
    """What the map shows for one grid: its place in the tree and who is responsible for it.

    Raises NotFound (like `grid_get_for_user`) for a grid outside the user's scope.
    """
    grid = grid_get_for_user(user, code)
    ancestor_paths = [grid.path[: i + 1] for i, ch in enumerate(grid.path[:-1]) if ch == "/"]
    ancestors = list(Grid.objects.filter(path__in=ancestor_paths).order_by("level"))
    return GridCard(
        grid=grid,
        ancestors=ancestors,
        children=grid_list_for_user(user, parent_code=grid.code).count(),
        people=list(
            RoleAssignment.objects.filter(grid=grid).select_related("user").order_by("role")
        ),
    )


# ---- cases ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: object  # datetime
    text: str
    detail: str = ""
    kind: str = ""


def plain_timeline(case) -> list[TimelineEntry]:
    """The case's history in words a resident understands; no staff names, no internal notes.

    Staff-only events (comments, urges, extension requests) are left out; a reason is shown
    only for the events the workflow marks public (replies, results, suspensions, refusals).
    """
    from django.utils.translation import gettext as _

    from wangge.cases.models import EventKind as K
    from wangge.cases.selectors import case_timeline

    def unit(e) -> str:
        return e.payload.get("to_unit_name") or _("相关单位")

    words: dict[str, Callable[[CaseEvent], str]] = {
        K.SUBMIT: lambda e: _("收到您的反映"),
        K.ACCEPT: lambda e: _("已立案，交由%(unit)s办理") % {"unit": unit(e)},
        K.CLAIM: lambda e: _("工作人员已接单，正在处理"),
        K.TRANSFER: lambda e: _("已转交%(unit)s办理") % {"unit": unit(e)},
        K.ESCALATE: lambda e: _("已上报%(unit)s协调处理") % {"unit": unit(e)},
        K.RETURN: lambda e: _("重新分派办理单位"),
        K.RESOLVE: lambda e: _("已处理完毕，请您确认"),
        K.SETTLE_ON_SPOT: lambda e: _("网格员已现场处理完毕"),
        K.REPLY: lambda e: _("工作人员答复"),
        K.SUSPEND: lambda e: _("暂缓办理"),
        K.RESUME: lambda e: _("恢复办理"),
        K.REJECT: lambda e: _("不予受理"),
        K.MERGE: lambda e: _("与同一问题的其他反映合并办理"),
        K.REOPEN: lambda e: _("反映问题未解决，已退回重新办理"),
        K.CLOSE: lambda e: (
            _("办结后 %(d)s 天未确认，系统自动办结") % {"d": e.payload["after_days"]}
            if e.payload.get("auto_close")
            else _("已办结")
        ),
        K.RATE: _answer_words,
        K.FOLLOW_UP: lambda e: (
            _("回访电话：%(a)s") % {"a": _answer_words(e)}
            if e.payload.get("solved")
            else _("已回访")
        ),
    }
    out = []
    for e in case_timeline(case):
        if e.kind not in words:
            continue
        out.append(
            TimelineEntry(
                at=e.created_at,
                text=words[e.kind](e),
                detail=e.reason if e.public and e.kind != K.SUBMIT else "",
                kind=e.kind,
            )
        )
    return list(reversed(out))


def _answer_words(e) -> str:
    """ "问题已解决，满意" from a rate / follow-up event (old ratings: their stars)."""
    from django.utils.translation import gettext as _

    from wangge.cases.models import FeedbackSatisfaction, FeedbackSolved

    p = e.payload
    if p.get("solved") in FeedbackSolved.values and p.get("satisfaction") in (
        FeedbackSatisfaction.values
    ):
        return _("群众评价：%(a)s，%(b)s") % {
            "a": FeedbackSolved(p["solved"]).label,
            "b": FeedbackSatisfaction(p["satisfaction"]).label,
        }
    return _("已评价：%(n)s 星") % {"n": p.get("score", "")}


@dataclass(frozen=True)
class CasePhoto:
    id: str
    label: str


def case_photos(case, *, public_only: bool = False) -> list[CasePhoto]:
    """The pictures carried by a case's events (the report's, the handler's result …), oldest
    first. The caller has already been allowed to see the case; the files themselves are
    served by the attachments views, which ask the cases app again for every request."""
    from django.utils.translation import gettext as _

    from wangge.cases.models import EventKind as K
    from wangge.cases.selectors import case_timeline

    labels: dict[str, str] = {
        K.SUBMIT: _("反映时"),
        K.RESOLVE: _("处置后"),
        K.SETTLE_ON_SPOT: _("处置后"),
    }
    out = []
    for e in case_timeline(case, public_only=public_only):
        for pk in e.payload.get("attachments", []):
            out.append(CasePhoto(id=str(pk), label=labels.get(e.kind, e.get_kind_display())))
    return out


def case_map_data(case) -> dict:
    """The case's point and its grid's outline, for the small map on the case page, with the
    place in words (grid · nearest building)."""
    located = case.lat is not None and case.lng is not None
    return {
        "point": [case.lat, case.lng] if located else None,
        "grid": case.grid.geometry if case.grid_id else None,
        "grid_name": case.grid.name if case.grid_id else "",
        "place": place_near(case.lat, case.lng).text if located else "",
    }


def public_grid_outlines() -> dict:
    """Outlines and names of communities, zones and micro-grids, for finding one's place on
    the report map. Nothing else: no people, no cases."""
    from wangge.grids.models import GridLevel

    levels = (GridLevel.COMMUNITY, GridLevel.ZONE, GridLevel.MICRO)
    rows = Grid.objects.filter(is_active=True, level__in=levels).values_list(
        "code", "name", "level", "geometry"
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": c, "name": n, "level": GridLevel(lv).name.lower()},
                "geometry": g,
            }
            for c, n, lv, g in rows
            if g
        ],
    }


# Public map data (the report form and case maps): building points and names as on the
# building's own sign, never who lives there.
BUILDINGS_MAX = 5000
NEAR_BUILDING_M = 150.0


def building_label(number: str) -> str:
    """What a building is called on the map: "16号楼" ("A3" → "A3号楼")."""
    return f"{number}号楼"


def public_buildings(*, bbox: tuple[float, float, float, float] | None) -> dict:
    """Points of buildings (in `bbox` = min lng, min lat, max lng, max lat, when given) with
    their number and compound. At most BUILDINGS_MAX (then `truncated` is true)."""
    from wangge.people.models import Building

    rows = Building.objects.all()
    if bbox is not None:
        minx, miny, maxx, maxy = bbox
        rows = rows.filter(lng__range=(minx, maxx), lat__range=(miny, maxy))
    values = list(
        rows.order_by("id").values_list("id", "number", "compound__name", "lat", "lng")[
            : BUILDINGS_MAX + 1
        ]
    )
    return {
        "type": "FeatureCollection",
        "truncated": len(values) > BUILDINGS_MAX,
        "features": [
            {
                "type": "Feature",
                "id": pk,
                "properties": {
                    "label": building_label(number),
                    "number": number,
                    "compound": compound or "",
                },
                "geometry": {"type": "Point", "coordinates": [round(lng, 7), round(lat, 7)]},
            }
            for pk, number, compound, lat, lng in values[:BUILDINGS_MAX]
        ],
    }


@dataclass(frozen=True)
class PlaceNear:
    """Where a point is, in the words people use: its grid and the nearest building."""

    grid_code: str | None
    grid_name: str
    building: str
    building_m: float | None

    @property
    def text(self) -> str:
        from django.utils.translation import gettext as _

        parts = [self.grid_name] if self.grid_name else [_("不在任何网格内，由指挥中心分派")]
        if self.building:
            parts.append(_("%(b)s附近") % {"b": self.building})
        return " · ".join(parts)

    def as_dict(self) -> dict:
        return {
            "grid_code": self.grid_code,
            "grid_name": self.grid_name,
            "building": self.building,
            "building_m": self.building_m,
            "text": self.text,
        }


def place_near(lat: float, lng: float) -> PlaceNear:
    """The leaf grid holding the point and the nearest building within NEAR_BUILDING_M."""
    import math

    from wangge.cases.matching import distance_m
    from wangge.core.geo import METRES_PER_DEGREE
    from wangge.grids.locator import locator
    from wangge.people.models import Building

    loc = locator.locate(lat, lng)
    dlat = NEAR_BUILDING_M / METRES_PER_DEGREE
    dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
    best: tuple[float, str] | None = None
    for number, blat, blng in Building.objects.filter(
        lat__range=(lat - dlat, lat + dlat), lng__range=(lng - dlng, lng + dlng)
    ).values_list("number", "lat", "lng")[:500]:
        d = distance_m(lat, lng, blat, blng)
        if d <= NEAR_BUILDING_M and (best is None or d < best[0]):
            best = (d, number)
    return PlaceNear(
        grid_code=loc.grid.code if loc else None,
        grid_name=loc.grid.name if loc else "",
        building=building_label(best[1]) if best else "",
        building_m=round(best[0], 1) if best else None,
    )
