"""Reads on cases, always scoped to the caller.

A case is visible to: its reporter; staff whose grid subtrees contain where it is
(`grid_path`) or the grid that handles it (`unit_path`); handlers of its lead or co-handling
department; administrators. Anything else is NotFound, indistinguishable from nonexistent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from wangge.accounts.selectors import scope_for_user
from wangge.cases.models import Case, CaseEvent, Category
from wangge.core.api import NotFound, ServiceError
from wangge.grids.models import Grid

_CASE_RELATED = (
    "category",
    "grid",
    "handling_grid",
    "handling_department",
    "assignee",
    "merged_into",
)


def case_visible_q(user: Any) -> Q:
    if user is None or not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    scope = scope_for_user(user)
    if scope.everything:
        return Q()
    q = Q(reporter_id=user.pk)
    if scope.grid_paths:
        q |= scope.path_q("grid_path") | scope.path_q("unit_path")
    if scope.department_ids:
        ids = sorted(scope.department_ids)
        co = Case.co_departments.through.objects.filter(department_id__in=ids).values("case_id")
        q |= Q(handling_department_id__in=ids) | Q(pk__in=co)
    return q


def _grid_of(code: str) -> tuple[int, str, bool]:
    """(id, path, is a leaf) of the grid with this code; 400 for an unknown code."""
    row = (
        Grid.objects.filter(code=code.strip())
        .annotate(leaf=~Exists(Grid.objects.filter(parent=OuterRef("pk"))))
        .values_list("pk", "path", "leaf")
        .first()
    )
    if row is None:
        raise ServiceError(_("未知网格编码：%(code)s") % {"code": code[:40]}, code="grid")
    return row


def case_list_for_user(
    user: Any,
    *,
    state: list[str] | None = None,
    category: str | None = None,
    channel: str | None = None,
    grid: str | None = None,
    overdue: bool | None = None,
    priority: int | None = None,
    assigned_to_me: bool = False,
    claimable: bool = False,
    q: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> QuerySet[Case]:
    qs = Case.objects.filter(case_visible_q(user))
    if state:
        qs = qs.filter(state__in=state)
    if category:
        qs = qs.filter(category__code__startswith=category)
    if channel:
        qs = qs.filter(channel=channel)
    if grid:
        grid_id, path, leaf = _grid_of(grid)
        # A micro-grid's cases are those located in it: `case_grid_created` walks them newest
        # first. A bigger subtree is one prefix match on the copied path (never `%/code/%`),
        # read along the report-time order.
        qs = qs.filter(grid_id=grid_id) if leaf else qs.filter(grid_path__startswith=path)
    if overdue is not None:
        qs = qs.filter(overdue=overdue)
    if priority is not None:
        qs = qs.filter(priority=priority)
    if assigned_to_me:
        qs = qs.filter(assignee_id=user.pk)
    if claimable:
        # Dispatched to a unit the user works in: what 秒认领 offers.
        scope = scope_for_user(user)
        grid_ids = {g for ids in scope.role_grid_ids.values() for g in ids}
        qs = qs.filter(
            Q(handling_grid_id__in=grid_ids) | Q(handling_department_id__in=scope.department_ids),
            state="dispatched",
        )
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q) | Q(tracking_code=q))
    if created_after:
        qs = qs.filter(created_at__gte=created_after)
    if created_before:
        qs = qs.filter(created_at__lt=created_before)
    return qs.select_related(*_CASE_RELATED).order_by("-created_at", "-id")


def case_get_for_user(user: Any, tracking_code: str) -> Case:
    case = (
        Case.objects.filter(case_visible_q(user), tracking_code=str(tracking_code).upper())
        .select_related(*_CASE_RELATED, "reporter", "suggested_category", "root")
        .first()
    )
    if case is None:
        raise NotFound(f"事件 {tracking_code} 不存在或不在您的管辖范围内")
    return case


def case_get_public(tracking_code: str) -> Case:
    """By tracking code alone, for the public lookup (the caller shows only public fields)."""
    case = (
        Case.objects.filter(tracking_code=str(tracking_code).strip().upper())
        .select_related("category", "handling_grid", "handling_department")
        .first()
    )
    if case is None:
        raise NotFound(f"查询码 {tracking_code} 不存在")
    return case


def case_list_reported_by(user: Any, *, with_public_events: bool = False) -> QuerySet[Case]:
    """The cases `user` reported, newest first. `with_public_events` loads the public events of
    the whole list in one more query (for `case_public_events`), not one query per case."""
    qs = Case.objects.filter(reporter_id=user.pk).select_related("category").order_by("-created_at")
    if with_public_events:
        public = CaseEvent.objects.filter(public=True).order_by("seq")
        qs = qs.prefetch_related(Prefetch("events", queryset=public, to_attr="public_events"))
    return qs


def case_timeline(case: Case, *, public_only: bool = False) -> QuerySet[CaseEvent]:
    qs = CaseEvent.objects.filter(case=case).order_by("seq")
    if public_only:
        qs = qs.filter(public=True)
    return qs


def case_prefetched(case: Case, *, co_departments: list[Any], events: list[CaseEvent]) -> None:
    """Attach to a case just written what an answer reads of it, so rendering it re-reads
    nothing: its co-handling departments, its events, the public ones."""
    related: QuerySet[Any]
    if co_departments:
        related = case.co_departments.all()
    else:
        # None to attach (the intake's usual case): an empty set of departments, as `.none()`
        # gives, without building the relation's join and routing it (~0.1 ms per intake).
        related = QuerySet(model=Case.co_departments.field.related_model)
        related.query.set_empty()
    related._result_cache = list(co_departments)
    related._prefetch_done = True  # type: ignore[union-attr]
    case._prefetched_objects_cache = {"co_departments": related}  # type: ignore[attr-defined]
    case.timeline_events = list(events)  # type: ignore[attr-defined]
    case.public_events = [e for e in events if e.public]  # type: ignore[attr-defined]
    for event in events:
        event.case = case


def case_events(case: Case) -> list[CaseEvent]:
    """The case's events in order: those attached by `case_prefetched`, or read now."""
    attached = getattr(case, "timeline_events", None)
    if attached is not None:
        return list(attached)
    return list(case_timeline(case))


def case_public_events(case: Case) -> list[CaseEvent]:
    """The case's public events in order: prefetched by a list selector, or read now."""
    prefetched = getattr(case, "public_events", None)
    if prefetched is not None:
        return list(prefetched)
    return list(case_timeline(case, public_only=True))


def category_list(*, include_inactive: bool = False) -> QuerySet[Category]:
    qs = Category.objects.select_related("parent").order_by("code")
    return qs if include_inactive else qs.filter(is_active=True)


def case_event_visible_to(user: Any, event_id: int) -> bool:
    """Attachment access check: a photo on an event is seen by whoever may see the case."""
    case_id = CaseEvent.objects.filter(pk=event_id).values_list("case_id", flat=True).first()
    if case_id is None:
        return False
    return Case.objects.filter(case_visible_q(user), pk=case_id).exists()


# Open as the resident sees it: someone still owes an answer or the reporter's confirmation.
NEARBY_STATES = ("submitted", "dispatched", "claimed", "resolved", "suspended")


def case_list_nearby_public(
    *, lat: float, lng: float, now: datetime, radius_m: float = 150, days: int = 30, limit: int = 5
) -> list[tuple[Case, float]]:
    """Open cases reported within `radius_m` of a point in the last `days`, nearest first, with
    their distance — shown on the report form before submitting (FixMyStreet-style), so a
    resident can say "我也遇到了" instead of reporting the same thing again. The caller shows
    only public fields (title, status, tracking code)."""
    import math
    from datetime import timedelta

    from wangge.cases.matching import distance_m
    from wangge.core.geo import METRES_PER_DEGREE

    dlat = radius_m / METRES_PER_DEGREE
    dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
    rows = (
        Case.objects.filter(
            state__in=NEARBY_STATES,
            created_at__gte=now - timedelta(days=days),
            lat__range=(lat - dlat, lat + dlat),
            lng__range=(lng - dlng, lng + dlng),
        )
        .select_related(None)
        .only("tracking_code", "title", "state", "lat", "lng", "created_at")[:200]
    )
    found = [
        (c, distance_m(lat, lng, c.lat, c.lng))
        for c in rows
        if c.lat is not None and c.lng is not None
    ]
    return sorted((f for f in found if f[1] <= radius_m), key=lambda f: f[1])[:limit]
