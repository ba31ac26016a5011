"""Open311 GeoReport v2 endpoints (plain Django views: the spec's XML is written exactly).

Every view: format from the URL suffix, `jurisdiction_id` checked, errors in the spec's shape.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from wangge.core.api import ServiceError
from wangge.open311 import params
from wangge.open311.render import FORMATS, error_response, respond

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"


def open311_view(methods: list[str]) -> Callable:
    """Wrap a view(request, fmt, **kw): format check, jurisdiction check, spec error bodies."""

    def decorate(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(func)
        def view(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            if fmt not in FORMATS:
                return error_response("xml", 404, [(404, _("不支持的格式：%s") % fmt[:10])])
            if request.method not in methods:
                response = error_response(fmt, 405, [(405, _("不支持的请求方法"))])
                response["Allow"] = ", ".join(methods)
                return response
            try:
                data = request.POST if request.method == "POST" else request.GET
                # A POST may carry jurisdiction_id in the query string as well.
                params.check_jurisdiction(request.GET)
                if request.method == "POST":
                    params.check_jurisdiction(data)
                return func(request, fmt, **kwargs)
            except ServiceError as exc:
                return error_response(fmt, exc.status_code, [(exc.status_code, exc.message)])

        return view

    return decorate


@open311_view(["GET"])
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri("/open311/v2/")
    data = {
        "changeset": settings.OPEN311_CHANGESET,
        "contact": settings.OPEN311_CONTACT,
        "key_service": settings.OPEN311_KEY_SERVICE,
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": base,
                "changeset": settings.OPEN311_CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, root="discovery", item=None, data=data)


@csrf_exempt
@require_http_methods(["GET", "POST", "HEAD"])
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Anything else under /open311/v2/: 404 in the spec's shape (format from the suffix)."""
    fmt = "json" if rest.endswith(".json") else "xml"
    return error_response(fmt, 404, [(404, _("没有这个资源"))])
