"""Server-rendered pages. Thin: a scoped read or one service call, then a template."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from wangge.accounts.requests import AuthedHttpRequest
from wangge.accounts.selectors import scope_for_user, user_role_list
from wangge.grids.models import GridLevel
from wangge.web.nav import nav_for, sees_map
from wangge.web.selectors import grid_card_for_user

# Map styling by grid level, shared by the legend and the map script so they never disagree.
# Coarse levels are outlines; the finest level in view is filled (see static/js/gridmap.js).
LEVEL_STYLE: dict[str, dict] = {
    "district": {"color": "#1f2733", "weight": 3.5, "fill": "#1f2733"},
    "street": {"color": "#6b4fa0", "weight": 3, "fill": "#8b72bd"},
    "community": {"color": "#1d5fae", "weight": 2.5, "fill": "#4a86cf"},
    "zone": {"color": "#1e7f72", "weight": 1.8, "fill": "#3aa594"},
    "micro": {"color": "#b7791f", "weight": 1.2, "fill": "#e5a93c"},
    "special": {"color": "#c8372d", "weight": 2, "fill": "#e0645b", "dash": "6 4"},
}


def home(request: HttpRequest) -> HttpResponse:
    """The landing page: what this person can do here, as tiles chosen by their roles."""
    user = request.user
    tiles = [i for i in nav_for(user, path=request.path) if i.key != "admin"]
    admin = [i for i in nav_for(user, path=request.path) if i.key == "admin"]
    context = {
        "tiles": tiles,
        "admin_tile": admin[0] if admin else None,
        "roles": user_role_list(user) if user.is_authenticated else [],
    }
    return render(request, "web/home.html", context)


@login_required
def grid_map(request: HttpRequest) -> HttpResponse:
    scope = scope_for_user(request.user)
    if not sees_map(scope, request.user):
        raise PermissionDenied(_("您没有管辖网格，无法查看网格地图"))
    levels = [
        {"key": GridLevel(v).name.lower(), "label": GridLevel(v).label, **LEVEL_STYLE[k]}
        for v in GridLevel.values
        if (k := GridLevel(v).name.lower()) in LEVEL_STYLE
    ]
    return render(
        request,
        "web/grid_map.html",
        {
            "map_config": {
                "geojson_url": reverse("api-grid-export"),
                "card_url": reverse("web:grid-card", args=["CODE"]),
                "levels": levels,
            }
        },
    )


@login_required
def grid_card(request: AuthedHttpRequest, code: str) -> HttpResponse:
    card = grid_card_for_user(request.user, code)  # NotFound → 404 (web.middleware)
    return render(request, "web/_grid_card.html", {"card": card})
