"""Shared helpers of the council, notices and funds pages: paging with totals, Excel export of
a list, and running one service call with its refusal shown on the page (4xx, nothing written)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from wangge.core.api import ServiceError
from wangge.council.xlsx import workbook_bytes, xlsx_response

PAGE_SIZE = 20
EXPORT_MAX = 20000


@dataclass
class Page:
    rows: list
    total: int
    number: int
    pages: int
    query: str  # the other GET parameters, for the page links

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_of(request: HttpRequest, qs: QuerySet, *, size: int = PAGE_SIZE) -> Page:
    total = qs.count()
    pages = max(1, (total + size - 1) // size)
    try:
        number = min(max(int(request.GET.get("page", 1)), 1), pages)
    except ValueError:
        number = 1
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("export", None)
    rows = list(qs[(number - 1) * size : number * size])
    return Page(rows, total, number, pages, params.urlencode())


def export_list(
    filename: str,
    sheet: str,
    headers: Sequence[str],
    qs: QuerySet,
    row: Callable[[Any], Sequence[Any]],
) -> HttpResponse:
    content = workbook_bytes([(sheet, headers, (list(row(o)) for o in qs[:EXPORT_MAX]))])
    return xlsx_response(filename, content)


def run(
    request: HttpRequest, call: Callable[[], Any], done: str
) -> tuple[Any, ServiceError | None]:
    """Run one service call; on refusal return the error (the page re-renders with its 4xx)."""
    try:
        result = call()
    except ServiceError as exc:
        messages.error(request, exc.message)
        return None, exc
    messages.success(request, done)
    return result, None
