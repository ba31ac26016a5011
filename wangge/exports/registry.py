"""What can be exported: one `ExportSpec` per filtered list, found by its kind.

Each spec turns (the requesting user, the list's query string, options) into the rows, through
the same scoped selector and the same filter parsing as the list page, so the worker that runs
the job later produces exactly what that user saw, and nothing outside their scope. Specs live
beside their lists (`wangge.<app>.exports`); `SPECS` names them, so adding one is one line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from wangge.accounts.models import User
from wangge.core.api import NotFound

StrOrPromise = str | Promise

# kind → dotted path of its ExportSpec.
SPECS: dict[str, str] = {
    "people.residents": "wangge.people.exports.RESIDENTS",
    "people.residents.sheet": "wangge.people.exports.RESIDENTS_SHEET",
    "people.buildings": "wangge.people.exports.BUILDINGS",
    "people.organisations": "wangge.people.exports.ORGANISATIONS",
    "people.assets": "wangge.people.exports.ASSETS",
    "people.places": "wangge.people.exports.PLACES",
    "cases.console": "wangge.web.exports.CONSOLE",
    "cases.mine": "wangge.web.exports.MY_CASES",
    "cases.history": "wangge.web.exports.WORKER_HISTORY",
    "cases.follow_ups": "wangge.web.exports.FOLLOW_UPS",
    "community.desk": "wangge.community.views.DESK",
    "council.meetings": "wangge.council.views.MEETINGS",
    "council.decisions": "wangge.council.views.DECISIONS",
    "notices.list": "wangge.notices.views.NOTICES",
    "funds.requests": "wangge.funds.views.REQUESTS",
}


@dataclass
class ExportData:
    """The rows of one export. `items` is a queryset (iterated in chunks) or a list; `row`
    turns one item into its cells (text cells are made formula-safe when written)."""

    header: Sequence[str]
    items: Any
    row: Callable[[Any], Sequence[Any]]
    sheet: str = "数据"
    # Added to the audit record (e.g. {"masked": True}); never personal data.
    audit: dict[str, Any] = field(default_factory=dict)
    # Rows after the data (e.g. a totals line); counted in the file, not in the progress.
    footer: Sequence[Sequence[Any]] = ()

    def count(self) -> int:
        if hasattr(self.items, "count") and not isinstance(self.items, list | tuple):
            return int(self.items.count())
        return len(self.items)

    def rows(self) -> Iterator[Sequence[Any]]:
        items: Iterable[Any]
        if hasattr(self.items, "iterator"):
            items = self.items.iterator(chunk_size=1000)
        else:
            items = self.items
        for obj in items:
            yield self.row(obj)


@dataclass(frozen=True)
class ExportSpec:
    """`build(user, query, options)` checks that the user may export this list (raising
    PermissionDenied, Forbidden or ServiceError) and returns its rows."""

    kind: str
    label: StrOrPromise
    filename: str
    build: Callable[[User, QueryDict, dict[str, Any]], ExportData]
    # The list page the export came from (URL name), for the job page's "back" link.
    list_url: str = ""
    # Audited as REVEAL instead of EXPORT when the options ask for unmasked data.
    reveals: Callable[[dict[str, Any]], bool] = lambda options: False
    target_type: str = ""


def get_spec(kind: str) -> ExportSpec:
    path = SPECS.get(kind)
    if path is None:
        raise NotFound(_("未知的导出内容：%(kind)s") % {"kind": kind[:40]}, code="unknown_export")
    spec = import_string(path)
    if not isinstance(spec, ExportSpec) or spec.kind != kind:
        raise TypeError(f"{path} is not the ExportSpec of {kind}")
    return spec


def spec_label(kind: str) -> StrOrPromise:
    """The list's name for people ("事件清单"), or the kind itself if no export has it now."""
    try:
        return get_spec(kind).label
    except NotFound:
        return kind
