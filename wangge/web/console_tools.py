"""Tools of the console and the workbench: the address field that resolves typed text to a
building's point, the grid picker (a searchable tree of the grids in scope), the worker's
history list. Thin views over scoped selectors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from wangge.accounts.selectors import scope_for_user
from wangge.cases import selectors as case_selectors
from wangge.grids.models import GridLevel
from wangge.grids.selectors import grid_list_for_user
from wangge.web import listing, nav


def _staff_or_403(request: HttpRequest) -> None:
    scope = scope_for_user(request.user)
    staff = nav.is_console(scope, request.user) or nav.is_worker(scope, request.user)
    if not (staff or scope.everything):
        raise PermissionDenied(_("只对工作人员开放"))


@login_required
def address_resolve(request: HttpRequest) -> HttpResponse:
    """htmx: "怡园社区16号楼2单元301" → the building, its point and grid (the base data's
    address resolver), for the phone entry and dispatch forms."""
    from wangge.people.selectors import address_resolve as resolve

    _staff_or_403(request)
    text = (request.GET.get("address_q") or request.GET.get("q") or "").strip()[:200]
    match = resolve(text) if text else None
    return render(request, "web/_address_match.html", {"text": text, "match": match})


@login_required
def grid_pick(request: HttpRequest) -> HttpResponse:
    """htmx: the grids in scope as an indented tree, narrowed by a search on name or code."""
    _staff_or_403(request)
    q = (request.GET.get("grid_q") or "").strip()[:40]
    target = (request.GET.get("target") or "")[:40]
    qs = (
        grid_list_for_user(request.user)
        .filter(level__lte=GridLevel.MICRO)
        .select_related(None)
        .only("code", "name", "level", "path")
        .order_by("path")
    )
    if q:
        qs = qs.filter(name__contains=q) if not q.isdigit() else qs.filter(code__startswith=q)
    grids = list(qs[:80])
    top = min((g.level for g in grids), default=1)
    rows = [{"g": g, "indent": range(g.level - top)} for g in grids]
    return render(
        request,
        "web/_grid_pick.html",
        {"rows": rows, "q": q, "target": target, "more": len(grids) == 80},
    )


@login_required
def worker_history(request: HttpRequest) -> HttpResponse:
    """Everything the worker has had in hand, with the list filters and a total."""
    _staff_or_403(request)
    form = listing.CaseFilterForm(request.GET or None, user=request.user)
    qs = case_selectors.case_list_for_user(
        request.user, assigned_to_me=True, **listing.case_filter_kwargs(form)
    )
    qs = listing.apply_extra(qs, form)
    qs = (
        qs.select_related(None)
        .select_related("category", "grid")
        .only(
            "tracking_code",
            "title",
            "state",
            "overdue",
            "created_at",
            "resolve_by",
            "category__name",
            "grid__name",
        )
    )
    page = listing.keyset_of(request, qs)
    return render(
        request,
        "web/worker_history.html",
        {
            "page": page,
            "total": page.total,
            "qs": listing.query_without(request),
            "filter_form": form,
        },
    )
