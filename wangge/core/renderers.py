"""The API's JSON answers, encoded by orjson, and the choice of renderer, made once per header.

Every answer of the API is encoded once; the standard library's encoder spent ~3 % of a report's
CPU on it (a case's detail and timeline). This renderer writes the same bytes as the REST
framework's `JSONRenderer` in its settings here (UTF-8, compact, `\\u2028`/`\\u2029` escaped):
what orjson does not know, and every date and time, goes through the REST framework's own
encoder (`default`), so times read as they always did. Anything orjson refuses (an integer wider
than 64 bits, a key that is not a string or a number) is encoded by the REST framework instead;
an indented answer (`Accept: application/json; indent=4`, the browsable API) too. Two
differences: NaN and infinities, which the REST framework refuses with an error, are written as
null; a small float's exponent loses its leading zero (1.5e-7 for 1.5e-07), the same number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from rest_framework import negotiation, renderers
from rest_framework.utils import encoders

_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS
)
_default = encoders.JSONEncoder().default


class JSONRenderer(renderers.JSONRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if (
            data is None
            or self.ensure_ascii
            or not self.compact
            or self.get_indent(accepted_media_type or "", renderer_context or {}) is not None
        ):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            out = orjson.dumps(data, default=_default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        if b"\xe2\x80\xa8" in out or b"\xe2\x80\xa9" in out:
            # As the REST framework does: JSON that is also a strict JavaScript subset.
            out = out.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return out


class ContentNegotiation(negotiation.DefaultContentNegotiation):
    """The REST framework's choice of renderer, made once per Accept header, format and set of
    renderers in each process: parsing the header into media types every request cost ~1.5 % of
    a report's CPU, for the few headers clients send."""

    _chosen: dict[tuple[str, str, tuple[type, ...]], tuple[int, str]] = {}

    def select_renderer(
        self, request: Any, renderers: Iterable[Any], format_suffix: str | None = None
    ) -> tuple[Any, str]:
        renderers = list(renderers)
        accept = request.META.get("HTTP_ACCEPT", "*/*")
        if len(accept) > 200:
            return super().select_renderer(request, renderers, format_suffix)
        fmt = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE) or ""
        key = (accept, fmt, tuple(type(r) for r in renderers))
        chosen = self._chosen.get(key)
        if chosen is None:
            renderer, media_type = super().select_renderer(request, renderers, format_suffix)
            if len(self._chosen) >= 1000:
                self._chosen.clear()  # headers nobody else sends; start again
            chosen = self._chosen[key] = (renderers.index(renderer), media_type)
        return renderers[chosen[0]], chosen[1]
