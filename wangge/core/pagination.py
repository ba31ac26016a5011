"""Paging: limit/offset whose numbers are checked before they reach SQL, and keyset (cursor)
paging for the lists that grow without bound."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db import models
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework.fields import Field
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.utils.urls import remove_query_param, replace_query_param

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
    """The page {count, limit, offset, results} that the council, notices and funds lists
    answer (per-community lists of tens of rows: an offset costs nothing there). Those views
    page by hand; naming this as their `pagination_class` is what declares the page in the
    OpenAPI document (an APIView never calls it)."""

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


PAGE_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "limit",
        "required": False,
        "in": "query",
        "description": "每页条数",
        "schema": {"type": "integer"},
    },
    {
        "name": "offset",
        "required": False,
        "in": "query",
        "description": "最大 1000；更深的页用 cursor",
        "schema": {"type": "integer"},
    },
    {
        "name": "cursor",
        "required": False,
        "in": "query",
        "description": "翻页游标：取自上一页的 next / previous",
        "schema": {"type": "string"},
    },
]


def page_parameters() -> list[Any]:
    """`PAGE_PARAMETERS` as drf-spectacular parameters, for a view that declares its answer by
    hand (`counted_page_schema`) and so has no paginator to declare them."""
    from drf_spectacular.utils import OpenApiParameter

    kinds = {"integer": int, "string": str}
    return [
        OpenApiParameter(p["name"], kinds[p["schema"]["type"]], description=p["description"])
        for p in PAGE_PARAMETERS
    ]


def counted_page_properties(results: dict[str, Any]) -> dict[str, Any]:
    """The fields of a page read by cursor with its total counted up to `COUNT_CAP`."""
    uri = {"type": "string", "format": "uri", "nullable": True}
    return {
        "count": {"type": "integer", "example": 123},
        "count_capped": {"type": "boolean", "description": "为真时总数超过 count（显示为 N+）"},
        "limit": {"type": "integer", "example": 50},
        "offset": {"type": "integer", "example": 0},
        "next": uri,
        "previous": uri,
        "results": results,
    }


class CursorCountedPage(Pagination):
    """The page {count, count_capped, limit, offset, next, previous, results} of the lists that
    grow without bound and still show a total (residents, buildings, service orders, party
    members, redemptions …): read by `cursor` in the list's own order (`api_page`), the total
    counted up to `COUNT_CAP`. A ListAPIView pages with it; an APIView that pages by hand
    (`counted_page`) names it to declare that page in the OpenAPI document."""

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any]:
        if not isinstance(queryset, QuerySet):  # a list has no columns to take a cursor from
            raise TypeError("CursorCountedPage pages a queryset")
        self.page = api_page(
            request, queryset, default_limit=self.default_limit or 50, max_limit=self.max_limit
        )
        self.total = capped_count(queryset)
        return self.page.rows

    def get_paginated_response(self, data: Any) -> Response:
        return Response(counted_answer(self.page, self.total, data))

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        props = counted_page_properties(schema)
        return {"type": "object", "required": list(props), "properties": props}

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [dict(p) for p in PAGE_PARAMETERS]


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
    """Where a page starts: after (or, going back, before) the row whose sort key is `key`
    (for the default order, `at` and `pk`)."""

    key: tuple[Any, ...]
    backwards: bool = False

    @property
    def at(self) -> Any:
        return self.key[0]

    @property
    def pk(self) -> Any:
        return self.key[-1]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def cursor_encode(row: Sequence[Any], *, backwards: bool = False) -> str:
    """The cursor after the row whose sort key is `row` (e.g. (created_at, id))."""
    raw = json.dumps([*(_plain(v) for v in row), int(backwards)], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _bad_cursor() -> ServiceError:
    return ServiceError(
        _(
            "分页游标 cursor 无效：请使用上一页响应中 next / previous 给出的链接，"
            "或从第一页重新开始"
        ),
        code="cursor",
    )


@dataclass(frozen=True)
class _Key:
    """One column of a list's order: its name, direction and what its values are."""

    name: str
    descending: bool
    field: Any  # the model field (for parsing a cursor's value back)
    through_null: bool = False  # reached through a relation that may be empty

    @property
    def nullable(self) -> bool:
        return self.through_null or bool(getattr(self.field, "null", False))

    def parse(self, raw: Any) -> Any:
        f = self.field
        if raw is None:
            if not self.nullable:
                raise ValueError("null")
            return None
        if isinstance(f, models.DateTimeField):
            at = datetime.fromisoformat(raw)
            if at.tzinfo is None:
                raise ValueError(raw)
            return at
        if isinstance(f, models.DateField):
            return date.fromisoformat(raw)
        if isinstance(f, models.BooleanField):
            if not isinstance(raw, bool):
                raise ValueError(raw)
            return raw
        if isinstance(f, (models.IntegerField, models.AutoField, models.ForeignKey)):
            if not isinstance(raw, int) or isinstance(raw, bool) or not -(2**63) < raw < 2**63:
                raise ValueError(raw)
            return raw
        if not isinstance(raw, str) or len(raw) > 1000:
            raise ValueError(raw)
        return raw


def _keys(qs: QuerySet, order: Sequence[str]) -> list[_Key]:
    opts = qs.model._meta
    keys: list[_Key] = []
    for term in order:
        name = term.lstrip("-")
        *through, last = name.split("__")
        model, null = qs.model, False
        for part in through:  # a column of a related row, e.g. `level__order`
            relation = model._meta.get_field(part)
            null = null or bool(relation.null)
            model = relation.related_model
        field = opts.pk if name in ("pk", "id") else model._meta.get_field(last)
        if through:
            key_name = "__".join([*through, field.attname])
        else:
            key_name = "pk" if field.primary_key else field.attname
        keys.append(
            _Key(name=key_name, descending=term.startswith("-"), field=field, through_null=null)
        )
    if not keys or keys[-1].name != "pk":
        # The id breaks ties: without it two rows with one sort key could both be skipped.
        keys.append(
            _Key(name="pk", descending=keys[-1].descending if keys else True, field=opts.pk)
        )
    return keys


def cursor_decode(raw: str, keys: Sequence[_Key] | None = None) -> Position:
    """A cursor made by `cursor_encode` for a list ordered by `keys` (by default report time
    and id); anything else is a 400 with a clear message."""
    try:
        text = base64.urlsafe_b64decode(raw.strip() + "=" * (-len(raw.strip()) % 4)).decode()
        values = json.loads(text)
        if not isinstance(values, list) or len(values) < 2:
            raise ValueError(text)
        *key_raw, backwards = values
        if backwards not in (0, 1):
            raise ValueError(text)
        if keys is None:
            at_raw, pk = key_raw
            at = datetime.fromisoformat(at_raw)
            if at.tzinfo is None or not isinstance(pk, int) or not 0 < pk < 2**63:
                raise ValueError(text)
            key: tuple[Any, ...] = (at, pk)
        else:
            if len(key_raw) != len(keys):
                raise ValueError(text)
            key = tuple(k.parse(v) for k, v in zip(keys, key_raw, strict=True))
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error):
        raise _bad_cursor() from None
    return Position(key=key, backwards=bool(backwards))


@dataclass
class KeysetPage:
    rows: list[Any]
    next_cursor: str | None
    previous_cursor: str | None


# NULL sorts as the largest value either way (PostgreSQL's own default: ASC NULLS LAST, DESC
# NULLS FIRST), so a btree index serves the order and "after NULL" is well defined.
def _beyond(key: _Key, value: Any, *, up: bool) -> Q:
    """Rows whose `key` comes strictly after `value` walking to larger (`up`) or smaller keys."""
    if value is None:
        return Q(**{f"{key.name}__isnull": False}) if not up else Q(pk__in=[])
    q = Q(**{f"{key.name}__{'gt' if up else 'lt'}": value})
    if up and key.nullable:
        q |= Q(**{f"{key.name}__isnull": True})
    return q


def _same(key: _Key, value: Any) -> Q:
    return Q(**{f"{key.name}__isnull": True}) if value is None else Q(**{key.name: value})


def _order_term(key: _Key, *, up: bool) -> Any:
    if not key.nullable:
        return key.name if up else f"-{key.name}"
    return F(key.name).asc(nulls_last=True) if up else F(key.name).desc(nulls_first=True)


def keyset_page(
    qs: QuerySet,
    *,
    cursor: str | None,
    limit: int,
    field: str = "created_at",
    descending: bool = True,
    order: Sequence[str] | None = None,
) -> KeysetPage:
    """One page of `qs` ordered by `order` (e.g. ("grid_path", "name"); the id is added as the
    last key), by default by (`field`, id), newest first unless `descending` is False.

    The keys are columns of the model itself. The bound on the first key (`>=` or `<=` the
    cursor's value) is what the index range starts from; the rest filters only the rows that
    share it. One read of limit + 1 rows says whether another page follows.
    """
    keys = _keys(qs, order if order is not None else [f"{'-' if descending else ''}{field}"])
    pos = None
    if cursor:
        pos = cursor_decode(cursor, None if order is None else keys)
    # Reading forwards follows the list's order; reading backwards reverses it.
    forwards = pos is None or not pos.backwards
    ups = [k.descending != forwards for k in keys]  # does this read walk to larger keys?
    if pos is not None:
        after = Q(pk__in=[])
        same = Q()
        for key, value, up in zip(keys, pos.key, ups, strict=True):
            after |= same & _beyond(key, value, up=up)
            same &= _same(key, value)
        first, value = keys[0], pos.key[0]
        if value is not None and not (ups[0] and first.nullable):
            after &= Q(**{f"{first.name}__{'gte' if ups[0] else 'lte'}": value})
        qs = qs.filter(after)
    rows = list(
        qs.order_by(*(_order_term(k, up=u) for k, u in zip(keys, ups, strict=True)))[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    if not forwards:
        rows.reverse()
    if not rows:
        return KeysetPage(rows, None, None)

    if forwards:
        nxt = cursor_encode(_key_of(rows[-1], keys)) if more else None
        prev = cursor_encode(_key_of(rows[0], keys), backwards=True) if pos is not None else None
    else:
        nxt = cursor_encode(_key_of(rows[-1], keys))
        prev = cursor_encode(_key_of(rows[0], keys), backwards=True) if more else None
    return KeysetPage(rows, nxt, prev)


def _key_of(obj: Any, keys: Sequence[_Key]) -> tuple[Any, ...]:
    """The sort key of a row (a key through a relation, `level__order`, follows it)."""
    values = []
    for k in keys:
        value = obj
        for part in k.name.split("__"):
            value = getattr(value, part)
        values.append(value)
    return tuple(values)


def list_order(qs: QuerySet) -> list[str]:
    """The order `qs` is read in, as column names: its `order_by`, else its model's ordering,
    else the id. A list pages by cursor in this same order (the id breaks ties)."""
    terms = list(qs.query.order_by)
    if not terms and qs.query.default_ordering:
        terms = list(qs.model._meta.ordering)
    names = [t for t in terms if isinstance(t, str)]
    if len(names) != len(terms):
        raise TypeError(f"a keyset order is column names, not {terms!r}")
    return names or ["pk"]


@dataclass
class ApiPage:
    """One page of an API list: read by `cursor`, or by a small `offset` for old clients; the
    links either way carry a cursor."""

    rows: list[Any]
    limit: int
    offset: int
    next: str | None
    previous: str | None


def api_page(
    request: Any,
    qs: QuerySet,
    *,
    order: Sequence[str] | None = None,
    default_limit: int = 50,
    max_limit: int = 200,
) -> ApiPage:
    """The page of `qs` that the request's `limit` and `cursor` (or `offset` up to
    `MAX_LIST_OFFSET`) name, in `order` (by default the queryset's own). An offset beyond that,
    an offset with a cursor, or a cursor that is not one are a 400 naming `cursor`."""
    p = request.query_params
    limit = query_int(p.get("limit"), name="limit", default=default_limit, lo=1, hi=max_limit)
    offset = query_int(p.get("offset"), name="offset", default=0, lo=0, hi=MAX_OFFSET)
    cursor = p.get("cursor") or None
    if offset and cursor:
        raise ServiceError(_("cursor 与 offset 不能同时使用"), code="paging")
    if offset > MAX_LIST_OFFSET:
        raise ServiceError(
            _("offset 最大为 %(n)d；更深的页请沿响应中的 next 链接（cursor）翻页")
            % {"n": MAX_LIST_OFFSET},
            code="paging",
        )
    order = list(order) if order is not None else list_order(qs)
    if offset:
        # Small offsets stay for old clients, read in the cursor's order so that the links
        # onwards (and back) carry on from the rows shown.
        keys = _keys(qs, order)
        ordered = qs.order_by(*(_order_term(k, up=not k.descending) for k in keys))
        rows = list(ordered[offset : offset + limit + 1])
        more, rows = len(rows) > limit, rows[:limit]
        page = KeysetPage(
            rows,
            cursor_encode(_key_of(rows[-1], keys)) if more else None,
            cursor_encode(_key_of(rows[0], keys), backwards=True) if rows else None,
        )
    else:
        page = keyset_page(qs, cursor=cursor, limit=limit, order=order)

    def link(token: str | None) -> str | None:
        if token is None:
            return None
        url = replace_query_param(request.build_absolute_uri(), "cursor", token)
        return remove_query_param(url, "offset")

    return ApiPage(page.rows, limit, offset, link(page.next_cursor), link(page.previous_cursor))


def capped_count(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, capped): the rows of `qs` counted up to `cap`; capped when there are more."""
    n = qs.order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n > cap


def counted_answer(page: ApiPage, total: tuple[int, bool], results: Any) -> dict[str, Any]:
    """The body of a `CursorCountedPage`: the page, its links and the capped total."""
    count, capped = total
    return {
        "count": count,
        "count_capped": capped,
        "limit": page.limit,
        "offset": page.offset,
        "next": page.next,
        "previous": page.previous,
        "results": results,
    }


def counted_page(
    request: Any,
    qs: QuerySet,
    serialize: Callable[[list[Any]], Any],
    *,
    order: Sequence[str] | None = None,
    max_limit: int = 200,
) -> dict[str, Any]:
    """The `CursorCountedPage` body of `qs` for an APIView that pages by hand: the page the
    request names (`api_page`), its rows through `serialize`, the total up to `COUNT_CAP`."""
    page = api_page(request, qs, order=order, max_limit=max_limit)
    return counted_answer(page, capped_count(qs), serialize(page.rows))


@dataclass
class KeysetListPage:
    """A page of a staff page's list read by cursor: the rows, the query strings of the links
    either way and the total counted up to `COUNT_CAP`."""

    object_list: list[Any]
    total: int
    capped: bool
    next_qs: str | None
    previous_qs: str | None
    keyset: bool = True


def keyset_of(
    request: HttpRequest,
    qs: QuerySet,
    *,
    per_page: int,
    descending: bool = True,
    order: Sequence[str] | None = None,
) -> KeysetListPage:
    """The page of `qs` that the request's `cursor` names, ordered by `order` (by default by
    report time, newest first unless `descending` is False); a bad cursor is a 400 with a
    clear message. The page links keep the request's other parameters."""
    page = keyset_page(
        qs,
        cursor=request.GET.get("cursor") or None,
        limit=per_page,
        descending=descending,
        order=order,
    )
    total, capped = capped_count(qs)

    def link(token: str | None) -> str | None:
        if token is None:
            return None
        q = request.GET.copy()
        q.pop("page", None)
        q["cursor"] = token
        return q.urlencode()

    return KeysetListPage(
        page.rows, total, capped, link(page.next_cursor), link(page.previous_cursor)
    )


def counted_page_schema(
    item: type[Serializer], *, name: str = "", extra: dict[str, Field] | None = None
) -> Any:
    """The OpenAPI declaration of a `CursorCountedPage` of `item` (what `counted_page`
    answers), plus `extra` fields some lists add; its component is `name`, by default the
    item's name with "Page"."""
    from drf_spectacular.utils import inline_serializer
    from rest_framework import serializers

    return inline_serializer(
        name or f"{item.__name__.removesuffix('Out')}Page",
        {
            **(extra or {}),
            "count": serializers.IntegerField(),
            "count_capped": serializers.BooleanField(),
            "limit": serializers.IntegerField(),
            "offset": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )
