"""Reads the web pages need beyond other apps' selectors; always scoped to the caller."""

from __future__ import annotations

from dataclasses import dataclass

from wangge.accounts.models import RoleAssignment, User
from wangge.grids.models import Grid
from wangge.grids.selectors import grid_get_for_user, grid_list_for_user


@dataclass(frozen=True)
class GridCard:
    grid: Grid
    ancestors: list[Grid]
    children: int
    people: list[RoleAssignment]


def grid_card_for_user(user: User, code: str) -> GridCard:
    """What the map shows for one grid: its place in the tree and who is responsible for it.

    Raises NotFound (like `grid_get_for_user`) for a grid outside the user's scope.
    """
    grid = grid_get_for_user(user, code)
    ancestor_paths = [grid.path[: i + 1] for i, ch in enumerate(grid.path[:-1]) if ch == "/"]
    ancestors = list(Grid.objects.filter(path__in=ancestor_paths).order_by("level"))
    return GridCard(
        grid=grid,
        ancestors=ancestors,
        children=grid_list_for_user(user, parent_code=grid.code).count(),
        people=list(
            RoleAssignment.objects.filter(grid=grid).select_related("user").order_by("role")
        ),
    )
