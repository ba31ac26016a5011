"""Paging: limit/offset whose numbers are checked before they reach SQL, and keyset (cursor)
paging for the lists that grow without bound."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework.fields import Field
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.serializers import Serializer

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
    """The page {results, limit, offset, next, previous} without a total (one COUNT less), as
    the case list answers it (`next`/`previous` carry a keyset cursor); its schema is what the
    OpenAPI document declares for such a list."""

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results", "limit", "offset", "next", "previous"],
            "properties": {
                "results": schema,
                "limit": {"type": "integer", "example": 50},
                "offset": {"type": "integer", "example": 0},
                "next": {"type": "string", "format": "uri", "nullable": True},
                "previous": {"type": "string", "format": "uri", "nullable": True},
            },
        }


class CountedPage(Pagination):
    """The page {count, limit, offset, results} that the council, notices, funds, community and
    points lists answer. Those views page by hand; naming this as their `pagination_class` is
    what declares the page in the OpenAPI document (an APIView never calls it)."""

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["count", "limit", "offset", "results"],
            "properties": {
                "count": {"type": "integer", "example": 123},
                "limit": {"type": "integer", "example": 50},
                "offset": {"type": "integer", "example": 0},
                "results": schema,
            },
        }


# --- keyset (cursor) paging ---------------------------------------------------------------------
#
# OFFSET n makes the database read and throw away n rows: page 2,000 of a county's ten million
# cases reads 100,000 of them. A cursor names the last row shown, (created_at, id), and the next
# page starts right after it by the index on those columns: every page costs what the first
# does, and rows reported meanwhile do not shift the pages being read.

# Beyond this an offset is refused (400): a deeper page is read by its cursor.
MAX_LIST_OFFSET = 1_000
# Totals of big lists are counted up to this many rows, then shown as "N+".
COUNT_CAP = 10_000


@dataclass(frozen=True)
class Position:
    """Where a page starts: after (or, going back, before) the row (`at`, `pk`)."""

    at: datetime
    pk: int
    backwards: bool = False


def cursor_encode(row: tuple[datetime, int], *, backwards: bool = False) -> str:
    at, pk = row
    raw = json.dumps([at.astimezone(UTC).isoformat(timespec="microseconds"), pk, int(backwards)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_decode(raw: str) -> Position:
    """A cursor made by `cursor_encode`; anything else is a 400 with a clear message."""
    try:
        text = base64.urlsafe_b64decode(raw.strip() + "=" * (-len(raw.strip()) % 4)).decode()
        at_raw, pk, backwards = json.loads(text)
        at = datetime.fromisoformat(at_raw)
        if at.tzinfo is None or not isinstance(pk, int) or backwards not in (0, 1):
            raise ValueError(text)
        if not 0 < pk < 2**63:
            raise ValueError(text)
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error):
        raise ServiceError(
            _(
                "分页游标 cursor 无效：请使用上一页响应中 next / previous 给出的链接，"
                "或从第一页重新开始"
            ),
            code="cursor",
        ) from None
    return Position(at=at, pk=pk, backwards=bool(backwards))


@dataclass
class KeysetPage:
    rows: list[Any]
    next_cursor: str | None
    previous_cursor: str | None


def keyset_page(
    qs: QuerySet,
    *,
    cursor: str | None,
    limit: int,
    field: str = "created_at",
    descending: bool = True,
) -> KeysetPage:
    """One page of `qs` ordered by (`field`, id), newest first unless `descending` is False.

    The bound `field <= at` (or `>=`) is what the index range starts from; the tie-break on id
    filters only the rows that share that instant. Two queries never: one read of limit + 1
    rows says whether another page follows.
    """
    pos = cursor_decode(cursor) if cursor else None
    # Reading forwards follows the list's order; reading backwards reverses it.
    forwards = pos is None or not pos.backwards
    down = descending == forwards  # does this read walk to smaller keys?
    if pos is not None:
        after = "lt" if down else "gt"
        edge = "lte" if down else "gte"
        qs = qs.filter(
            Q(**{f"{field}__{after}": pos.at}) | Q(**{field: pos.at, f"pk__{after}": pos.pk}),
            **{f"{field}__{edge}": pos.at},
        )
    sign = "-" if down else ""
    rows = list(qs.order_by(f"{sign}{field}", f"{sign}pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    if not forwards:
        rows.reverse()
    if not rows:
        return KeysetPage(rows, None, None)

    def key(obj: Any) -> tuple[datetime, int]:
        return getattr(obj, field), obj.pk

    if forwards:
        nxt = cursor_encode(key(rows[-1])) if more else None
        prev = cursor_encode(key(rows[0]), backwards=True) if pos is not None else None
    else:
        nxt = cursor_encode(key(rows[-1]))
        prev = cursor_encode(key(rows[0]), backwards=True) if more else None
    return KeysetPage(rows, nxt, prev)


def capped_count(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, capped): the rows of `qs` counted up to `cap`; capped when there are more."""
    n = qs.order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n > cap


def counted_page_schema(
    item: type[Serializer], *, name: str = "", extra: dict[str, Field] | None = None
) -> Any:
    """The OpenAPI declaration of a {count, limit, offset, results} page of `item` (what the
    lists paged with their total answer), plus `extra` fields some lists add; its component
    is `name`, by default the item's name with "Page"."""
    from drf_spectacular.utils import inline_serializer
    from rest_framework import serializers

    return inline_serializer(
        name or f"{item.__name__.removesuffix('Out')}Page",
        {
            **(extra or {}),
            "count": serializers.IntegerField(),
            "limit": serializers.IntegerField(),
            "offset": serializers.IntegerField(),
            "results": item(many=True),
        },
    )
