"""The leader cockpit (驾驶舱): one desktop page over `selectors.cockpit`, the same payload the
API's /api/v1/stats/cockpit/ returns, so the page and the API can never disagree."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from wangge.accounts.models import Role
from wangge.accounts.selectors import scope_for_user
from wangge.core.api import ServiceError
from wangge.grids.models import Grid, GridLevel
from wangge.stats import selectors

COCKPIT_ROLES = frozenset(
    {
        Role.LEADER,
        Role.OPERATOR,
        Role.DISTRICT_STAFF,
        Role.STREET_STAFF,
        Role.COMMUNITY_STAFF,
        Role.ADMINISTRATOR,
    }
)


def pct(rate: float | None) -> str:
    """How the page shows a rate (and how the tests read it back)."""
    return "—" if rate is None else f"{rate * 100:.2f}%"


def _kpis(s: dict) -> list[dict]:
    return [
        {
            "key": "registered",
            "label": _("反映"),
            "value": s["registered"],
            "sub": _("立案 %(n)d") % {"n": s["accepted"]},
        },
        {
            "key": "closed",
            "label": _("结案"),
            "value": s["closed"],
            "sub": _("应结案 %(due)d · 缓办 %(s)d") % {"due": s["due"], "s": s["suspended"]},
        },
        {
            "key": "completion",
            "label": _("结案率"),
            "value": pct(s["completion_rate"]),
            "sub": _("结案 ÷ (应结案 − 缓办)"),
            "tone": "ok",
        },
        {
            "key": "on-time",
            "label": _("按期结案率"),
            "value": pct(s["on_time_rate"]),
            "sub": _("返工率 %(r)s · 延期率 %(e)s")
            % {"r": pct(s["rework_rate"]), "e": pct(s["extension_rate"])},
            "tone": "ok",
        },
        {
            "key": "response",
            "label": _("响应率"),
            "value": pct(s["response_rate"]),
            "sub": _("时限内认领 %(n)d 件") % {"n": s["responded_on_time"]},
        },
        {
            "key": "solved",
            "label": _("解决率"),
            "value": pct(s["solved_rate"]),
            "sub": _("已解决 %(n)d / %(d)d") % {"n": s["solved"], "d": s["solve_answered"]},
        },
        {
            "key": "satisfaction",
            "label": _("满意率"),
            "value": pct(s["satisfaction_rate"]),
            "sub": _("满意及基本满意 · 评价 %(n)d 件") % {"n": s["rated"]},
        },
        {
            "key": "follow-up",
            "label": _("回访率"),
            "value": pct(s["follow_up_rate"]),
            "sub": _("已回访 %(n)d / 结案 %(d)d") % {"n": s["followed_up"], "d": s["closed"]},
        },
        {
            "key": "overdue",
            "label": _("超期在办"),
            "value": s["overdue_open"],
            "sub": _("在办 %(n)d 件；尚未结案且已过期限，与指挥台同一口径") % {"n": s["open"]},
            "tone": "danger" if s["overdue_open"] else "",
        },
    ]


def _rank_rows(rank: dict) -> dict:
    def fmt(rows: list[dict]) -> list[dict]:
        return [
            {
                **r,
                "completion_pct": pct(r["completion_rate"]),
                "on_time_pct": pct(r["on_time_rate"]),
            }
            for r in rows
        ]

    top = fmt(rank["top"])
    shown = {r["key"] for r in top}
    return {
        **rank,
        "top": top,
        "bottom_only": [r for r in fmt(rank["bottom"]) if r["key"] not in shown][:3],
    }


def _grid_choices(scope) -> list[dict]:
    """Grids down to community level in the caller's scope, indented, for the subtree picker."""
    qs = scope.filter(Grid.objects.filter(level__lte=GridLevel.COMMUNITY), "path").order_by("path")
    top = min((g.level for g in qs[:1]), default=1)
    return [{"code": g.code, "label": "\u3000" * (g.level - top) + g.name} for g in qs[:200]]


@login_required
def cockpit(request: HttpRequest) -> HttpResponse:
    scope = scope_for_user(request.user)
    if not (scope.everything or scope.has_role(*COCKPIT_ROLES)):
        raise PermissionDenied(_("驾驶舱仅对领导、指挥中心、街道和社区工作人员开放"))
    p = request.GET
    interval = p.get("interval") or "day"
    context: dict = {
        "grids": _grid_choices(scope),
        "form": {k: p.get(k, "") for k in ("start", "end", "grid", "interval")},
        "intervals": [("day", _("按日")), ("week", _("按周")), ("month", _("按月"))],
    }
    try:
        sq = selectors.stats_query_for_user(
            request.user, start=p.get("start"), end=p.get("end"), grid=p.get("grid")
        )
        data = selectors.cockpit(sq, interval=interval)
    except ServiceError as exc:
        context["error"] = exc.message
        return render(request, "stats/cockpit.html", context, status=exc.status_code)
    shapes = {g.code: g.geometry for g in selectors.child_grids(sq)}
    context.update(
        data=data,
        query=sq,
        kpis=_kpis(data["summary"]),
        ranks=[
            (_("网格排名"), _rank_rows(data["grids"])),
            (_("部门排名"), _rank_rows(data["departments"])),
        ],
        medians={
            "claim": data["summary"]["median_claim_hours"],
            "resolve": data["summary"]["median_resolve_hours"],
            "response": pct(data["summary"]["response_rate"]),
        },
        chart={
            "trend": data["trend"],
            "by_category": data["by_category"],
            "by_channel": data["by_channel"],
            "density": [{**d, "geometry": shapes.get(d["key"])} for d in data["density"]],
            "api_url": reverse("api-stats-cockpit"),
        },
        export_url=reverse("api-stats-export") + "?" + urlencode(sq.as_params()),
    )
    context["form"].update(start=sq.start.isoformat(), end=sq.end.isoformat(), interval=interval)
    return render(request, "stats/cockpit.html", context)
