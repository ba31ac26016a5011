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
from wangge.open311 import params, selectors
from wangge.open311.render import FORMATS, error_response, respond
from wangge.open311.services import api_client_authenticate, open311_request_submit

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
                # A POST may carry jurisdiction_id in the query string as well.
                params.check_jurisdiction(request.GET)
                if request.method == "POST":
                    # A key in the query string or the X-Api-Key header is checked before a
                    # byte of the body is parsed: a wrong key never gets to upload anything.
                    early_key = request.GET.get("api_key") or request.headers.get("X-Api-Key")
                    if early_key:
                        setattr(request, "open311_client", api_client_authenticate(early_key))  # noqa: B010
                    params.check_jurisdiction(request.POST)
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


@open311_view(["GET"])
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    with_attributes = selectors.service_codes_with_attributes()
    rows = [
        selectors.service_row(c, has_metadata=c.code in with_attributes)
        for c in selectors.service_list()
    ]
    return respond(fmt, root="services", item="service", data=rows)


@open311_view(["GET"])
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    category = selectors.service_get(code)
    data = selectors.definition_row(category.code, selectors.service_definition(category.code))
    return respond(fmt, root="service_definition", item=None, data=data)


@open311_view(["GET", "POST"])
def requests_(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    f = params.parse_request_filter(request.GET)
    cases, total, capped = selectors.request_list(f)
    rows = [selectors.request_row(c, absolute=request.build_absolute_uri) for c in cases]
    pages = max(1, -(-total // f.page_size))
    headers = {
        # Counted up to a cap: past it, the count and pages say "at least" (X-Total-Capped).
        "X-Total-Count": str(total),
        "X-Page": str(f.page),
        "X-Page-Size": str(f.page_size),
        "X-Total-Pages": str(pages),
    }
    if capped:
        headers["X-Total-Capped"] = "true"
    if f.page < pages or (capped and len(cases) == f.page_size):
        query = request.GET.copy()
        query["page"] = str(f.page + 1)
        headers["Link"] = f'<{request.build_absolute_uri("?" + query.urlencode())}>; rel="next"'
    return respond(fmt, root="service_requests", item="request", data=rows, headers=headers)


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    # The spec puts api_key in the body; a key in the query string or header was checked
    # before the body was read.
    client = getattr(request, "open311_client", None) or api_client_authenticate(
        params.value(data, "api_key")
    )
    code = params.value(data, "service_code")
    if code is None:
        raise ServiceError(_("缺少 service_code"), code="service_code")
    category = selectors.service_get(code)
    new = params.parse_new_request(
        data, definition=selectors.service_definition(category.code), service_code=category.code
    )
    key = (request.headers.get("Idempotency-Key") or "").strip()[:80] or None
    saved = open311_request_submit(
        client=client,
        request=new,
        category=category,
        media=request.FILES.get("media"),
        idempotency_key=key,
    )
    row = {
        "service_request_id": saved.case.tracking_code,
        "token": str(saved.token),
        "service_notice": "",
        "account_id": new.account_id,
    }
    return respond(fmt, root="service_requests", item="request", data=[row])


@open311_view(["GET"])
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    case = selectors.request_get(request_id)
    row = selectors.request_row(case, absolute=request.build_absolute_uri)
    return respond(fmt, root="service_requests", item="request", data=[row])


@open311_view(["GET"])
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    found = selectors.request_for_token(token)
    row = {"service_request_id": found.case.tracking_code, "token": str(found.token)}
    return respond(fmt, root="service_requests", item="request", data=[row])
