from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import QuerySet

from wangge.core.api import NotFound
from wangge.core.scope import scope_for_user
from wangge.grids.models import Department, Grid

_QS = TypeVar("_QS", bound=QuerySet[Any])


def grid_list_for_user(user, *, level: int | None = None, parent_code: str | None = None):
    """Active grids in the user's scope (their subtrees; department handlers their area)."""
    scope = scope_for_user(user)
    qs = scope.filter(Grid.objects.filter(is_active=True), include_department_areas=True)
    if level is not None:
        qs = qs.filter(level=level)
    if parent_code:
        qs = qs.filter(parent__code=parent_code)
    return qs.select_related("parent")


def grid_get_for_user(user, code: str) -> Grid:
    """One grid by code, or NotFound when it does not exist or lies outside the user's scope.

    Out of scope and nonexistent look the same, so codes of other grids cannot be probed.
    """
    grid = grid_list_for_user(user).filter(code=code).first()
    if grid is None:
        raise NotFound(f"网格 {code} 不存在或不在您的管辖范围内")
    return grid


def grid_subtree(grid: Grid) -> QuerySet[Grid]:
    return Grid.objects.filter(path__startswith=grid.path)


def department_list_for_user(user) -> QuerySet[Department]:
    scope = scope_for_user(user)
    qs = Department.objects.filter(is_active=True).select_related("service_area")
    if scope.everything:
        return qs
    # A department is visible to those whose scope overlaps its service area, either way.
    visible_ids = set(scope.department_ids)
    for dep in qs:
        area = dep.service_area.path
        if scope.covers_path(area) or any(p.startswith(area) for p in scope.grid_paths):
            visible_ids.add(dep.pk)
    return qs.filter(pk__in=visible_ids)


def in_grid_subtree(qs: _QS, code: str, path_field: str = "grid_path") -> _QS:
    """Rows of `qs` inside the grid with this code and its sub-grids: one indexed prefix match
    on the copied path (`LIKE 'a/b/%'`, never the leading-wildcard `'%/b/%'`, which reads the
    whole table); nothing for an unknown code."""
    path = Grid.objects.filter(code=code.strip()).values_list("path", flat=True).first()
    if path is None:
        return qs.none()
    return qs.filter(**{f"{path_field}__startswith": path})
