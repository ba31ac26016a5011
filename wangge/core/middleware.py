"""Request guards and response headers that apply to every path.

- `RefuseNulBytes`: PostgreSQL `text` cannot hold NUL; a NUL in the path, the query string or
  a form/JSON body is refused with 400 before any view, filter or query sees it.
- `SecurityHeaders`: a Content-Security-Policy on every HTML page (scripts from this origin
  only, no inline script, no plugins, not framed), and `Cache-Control: no-store` on pages shown
  to a signed-in user (they carry personal data a shared browser must not keep).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import unquote_to_bytes, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control

# Bodies larger than this are not scanned for NUL here (uploads are files, and the JSON and
# form parsers see their own caps); small text bodies are where a NUL reaches a query.
NUL_SCAN_MAX_BYTES = 1024 * 1024
TEXT_BODY_TYPES = ("application/json", "application/x-www-form-urlencoded", "text/")


def _bad_request(message: str) -> HttpResponse:
    return JsonResponse({"detail": message, "code": "invalid"}, status=400)


class RefuseNulBytes:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw_path = request.META.get("RAW_URI") or request.get_full_path()
        query = request.META.get("QUERY_STRING", "")
        if (
            "\x00" in request.path
            or b"\x00" in unquote_to_bytes(raw_path)
            or b"\x00" in unquote_to_bytes(query)
        ):
            return _bad_request("请求地址或参数中含有不允许的空字符（NUL）")
        content_type = request.META.get("CONTENT_TYPE", "")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if 0 < length <= NUL_SCAN_MAX_BYTES and content_type.startswith(TEXT_BODY_TYPES):
            body = request.body  # cached on the request: the view reads the same bytes
            if b"\x00" in body or (
                content_type.startswith("application/x-www-form-urlencoded")
                and b"\x00" in unquote_to_bytes(body.replace(b"+", b" "))
            ):
                return _bad_request("提交的内容中含有不允许的空字符（NUL）")
            if content_type.startswith("application/json") and b"\\u0000" in body:
                return _bad_request("提交的内容中含有不允许的空字符（NUL）")
        return self.get_response(request)


def tile_sources(urls: tuple[str, ...], subdomains: str) -> list[str]:
    """CSP sources of the map tile servers: scheme://host[:port], with a `{s}` in the host
    expanded to each configured subdomain (天地图: t0 … t7.tianditu.gov.cn)."""
    sources: list[str] = []
    for url in urls:
        parts = urlsplit(url or "")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            continue
        hosts = (
            [parts.netloc.replace("{s}", s) for s in subdomains or "abc"]
            if "{s}" in parts.netloc
            else [parts.netloc]
        )
        for host in hosts:
            source = f"{parts.scheme}://{host}"
            if source not in sources:
                sources.append(source)
    return sources


def content_security_policy() -> str:
    return _policy(
        (
            getattr(settings, "MAP_TILE_URL", "") or "",
            getattr(settings, "MAP_TILE_OVERLAY_URL", "") or "",
        ),
        getattr(settings, "MAP_TILE_SUBDOMAINS", "abc"),
    )


@functools.lru_cache(maxsize=8)
def _policy(tile_urls: tuple[str, ...], subdomains: str) -> str:
    img = ["'self'", "data:", "blob:", *tile_sources(tile_urls, subdomains)]
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Leaflet and htmx set style attributes; styles cannot run script.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": img,
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


class SecurityHeaders:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            # Built from the tile settings as they are now (cached per value).
            response.setdefault("Content-Security-Policy", content_security_policy())
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith("/static/")
            and "no-store" not in response.get("Cache-Control", "")
        ):
            patch_cache_control(response, no_store=True, private=True)
        return response
