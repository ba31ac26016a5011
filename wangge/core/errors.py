"""The last line of error handling (handler404 and handler500 in wangge/urls.py).

API paths (/api/, /open311/) always answer JSON, never Django's HTML error page. When the
database cannot be reached the answer is 503 with Retry-After, so clients and the proxy retry
instead of reporting a bug; /healthz answers the same way.
"""

from __future__ import annotations

import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found
from django.views.defaults import server_error as html_server_error

JSON_PREFIXES = ("/api/", "/open311/", "/healthz")
RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DatabaseError) and "connection" in str(exc).lower()
    )


def unavailable_response() -> JsonResponse:
    response = JsonResponse(
        {"detail": "数据库暂时不可用，请稍后重试", "code": "unavailable"}, status=503
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    exc = sys.exc_info()[1]
    outage = database_unavailable(exc)
    if request.path.startswith(JSON_PREFIXES):
        if outage:
            return unavailable_response()
        return JsonResponse(
            {"detail": "服务器内部错误，已记录", "code": "server_error"}, status=500
        )
    if outage:
        response = HttpResponse(
            "<!doctype html><meta charset=utf-8><title>503</title>"
            "<h1>系统暂时不可用</h1><p>数据库暂时无法连接，请稍后刷新重试。</p>",
            status=503,
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return html_server_error(request)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """An address no view answers: under the API a JSON 404 (the views answer their own 404s
    in JSON already; this is for a path that matches no route, e.g. a malformed code)."""
    if request.path.startswith(JSON_PREFIXES):
        return JsonResponse({"detail": "接口地址不存在，请核对", "code": "not_found"}, status=404)
    return page_not_found(request, exception)
