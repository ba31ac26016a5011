"""Rate limits shared by the API and the plain Django pages.

Counters live in the default cache (the database cache or Redis, see settings), so every
worker process counts against the same limit. The client address comes from
`wangge.core.services.client_ip`, which trusts X-Forwarded-For only as far as
settings.NUM_PROXIES says proxies append to it.
"""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle


class LiveRates:
    """Read the rate from settings at each request (DRF binds them once at import)."""

    scope: str | None

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "")
        return str(rate) if rate is not None else None


class AnonymousThrottle(LiveRates, AnonRateThrottle):
    """The default for every API view: anonymous callers, per client address."""

    scope = "anon"


class ScopedThrottle(LiveRates, SimpleRateThrottle):
    """Per user when signed in, per client address otherwise; the rate named by `scope`."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def get_cache_key(self, request: Any, view: Any) -> str:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            ident = f"u{user.pk}"
        else:
            ident = f"a{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class PeopleLookupThrottle(ScopedThrottle):
    def __init__(self) -> None:
        super().__init__("people_lookup")


class TokenThrottle(LiveRates, SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def throttle_wait(request: HttpRequest, scope: str) -> float | None:
    """For plain Django views: None when allowed, else the seconds to wait."""
    throttle = ScopedThrottle(scope)
    # A plain Django request serves: the throttle reads only its META and user (no view).
    if throttle.allow_request(request, None):  # type: ignore[arg-type]
        return None
    return throttle.wait() or 1.0


def too_many_requests(wait: float) -> JsonResponse:
    seconds = max(1, math.ceil(wait))
    response = JsonResponse(
        {
            "detail": _("请求过于频繁，请 %(s)d 秒后再试") % {"s": seconds},
            "code": "throttled",
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response
