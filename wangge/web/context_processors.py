from __future__ import annotations

from functools import cache

from django.conf import settings
from django.http import HttpRequest

from wangge.web.nav import nav_for


def web(request: HttpRequest) -> dict:
    """Navigation for the current user; computed lazily, only when a template asks for it."""
    user = getattr(request, "user", None)

    @cache  # the header and the phone tab bar both ask; compute once per request
    def nav():
        return nav_for(user, path=request.path)

    return {
        "nav_items": nav,
        "map_tiles": {
            "url": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "max_zoom": settings.MAP_TILE_MAX_ZOOM,
            "subdomains": settings.MAP_TILE_SUBDOMAINS,
            "overlay_url": settings.MAP_TILE_OVERLAY_URL,
        },
    }
