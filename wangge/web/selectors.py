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
    """The case's point and its grid's outline, for the small map on the case page."""
    return {
        "point": [case.lat, case.lng] if case.lat is not None else None,
        "grid": case.grid.geometry if case.grid_id else None,
        "grid_name": case.grid.name if case.grid_id else "",
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
