"""Small shared pieces of the council, notices and funds endpoints: paging and lookups."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.request import Request

from wangge.accounts.models import User
from wangge.core.api import ServiceError
from wangge.core.pagination import MAX_OFFSET, query_int
from wangge.grids.models import Grid

MAX_LIMIT = 200


def paged(request: Request, qs: QuerySet, serialize: Any) -> dict[str, Any]:
    """{"count", "limit", "offset", "results"}; the total is shown, as every list shows it.

    Offset, not cursor: topics, meetings, decisions, notices and fund accounts/requests are
    per-community lists of tens of rows a year, so an OFFSET never reads much to throw away."""
    p = request.query_params
    # Checked before SQL: an offset past bigint was a 500 (PostgreSQL refuses it, SQLite too).
    limit = query_int(p.get("limit"), name="limit", default=50, lo=1, hi=MAX_LIMIT)
    offset = query_int(p.get("offset"), name="offset", default=0, lo=0, hi=MAX_OFFSET)
    rows = list(qs[offset : offset + limit])
    return {
        "count": qs.count(),
        "limit": limit,
        "offset": offset,
        "results": serialize(rows),
    }


def query_year(raw: str | None) -> int | None:
    """A `year` query parameter, or None when absent; 400 unless 1900–2100 (a year past 9999
    was a 500: no date has it)."""
    text = (raw or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) != 4 or not 1900 <= int(text) <= 2100:
        raise ServiceError(_("年度须为 1900 至 2100 之间的数字"), code="year")
    return int(text)


def grid_by_code(code: str | None, *, label: str = "网格") -> Grid:
    code = (code or "").strip()
    if not code:
        raise ServiceError(_("请选择%(l)s") % {"l": label}, code="required")
    grid = Grid.objects.filter(code=code, is_active=True).first()
    if grid is None:
        raise ServiceError(_("%(l)s %(c)s 不存在") % {"l": label, "c": code}, code="unknown_grid")
    return grid


def user_by_ref(ref: Any, *, label: str) -> User | None:
    """A user by id or username; None when `ref` is empty; 400 when unknown."""
    if ref in (None, ""):
        return None
    user = None
    if isinstance(ref, int) or str(ref).isdigit():
        user = User.objects.filter(pk=int(ref), is_active=True).first()
    if user is None:
        user = User.objects.filter(username=str(ref), is_active=True).first()
    if user is None:
        raise ServiceError(_("%(l)s不存在：%(r)s") % {"l": label, "r": ref}, code="unknown_user")
    return user


def flag(request: Request, name: str) -> bool | None:
    v = request.query_params.get(name)
    return None if v in (None, "") else v.lower() in ("1", "true", "yes")
