"""Limit/offset paging whose numbers are checked before they reach SQL."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.pagination import LimitOffsetPagination

from wangge.core.api import ServiceError

# Beyond this an offset is no page anyone reads; PostgreSQL would refuse past 2⁶³ with a 500.
MAX_OFFSET = 10_000_000


def query_int(raw: Any, *, name: str, default: int, lo: int, hi: int) -> int:
    """A query parameter as an int in [lo, hi] (clamped); 400 when it is not an integer."""
    if raw in (None, ""):
        return default
    text = str(raw).strip()
    if not text.lstrip("-").isdigit() or len(text) > 20:
        raise ServiceError(_("参数 %(name)s 须为整数") % {"name": name}, code="invalid")
    return min(max(int(text), lo), hi)


class Pagination(LimitOffsetPagination):
    max_limit = 500

    def get_limit(self, request: Any) -> int:
        return query_int(
            request.query_params.get(self.limit_query_param),
            name=self.limit_query_param,
            default=self.default_limit or 50,
            lo=1,
            hi=self.max_limit,
        )

    def get_offset(self, request: Any) -> int:
        return query_int(
            request.query_params.get(self.offset_query_param),
            name=self.offset_query_param,
            default=0,
            lo=0,
            hi=MAX_OFFSET,
        )


class OffsetPage(Pagination):
    """The page {results, limit, offset} without a total (one COUNT less), as the case list
    answers it; its schema is what the OpenAPI document declares for such a list."""

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results", "limit", "offset"],
            "properties": {
                "results": schema,
                "limit": {"type": "integer", "example": 50},
                "offset": {"type": "integer", "example": 0},
            },
        }
