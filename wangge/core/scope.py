"""A user's data scope: the grids and departments their roles reach.

The scope is computed by the accounts app (from the user's role assignments) and used by every
app that reads rows carrying a grid path. It lives here, in the bottom layer, so that the apps
below accounts (grids) can scope their reads without importing accounts: accounts registers
its resolver when the app registry is ready (`AccountsConfig.ready`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q, QuerySet


@dataclass(frozen=True)
class Scope:
    """The grids and departments a user's roles reach.

    `grid_paths` are the paths of the subtrees the user's grid roles cover, with nested ones
    removed; a grid (or a row carrying a grid path) is in scope when its path starts with one
    of them. `everything` is for administrators, who configure the whole tree.
    """

    user_id: int | None
    roles: frozenset[str] = frozenset()
    everything: bool = False
    grid_paths: tuple[str, ...] = ()
    grid_ids: frozenset[int] = frozenset()
    department_ids: frozenset[int] = frozenset()
    department_area_paths: tuple[str, ...] = ()
    role_grid_ids: dict[str, frozenset[int]] = field(default_factory=dict)
    # The same per role, as grid paths (a role held on a grid covers its subtree).
    role_grid_paths: dict[str, frozenset[str]] = field(default_factory=dict)
    read_only: bool = False  # only roles that look, never write (leader, auditor …)

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.grid_paths or self.department_ids)

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    def covers_path(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.grid_paths)

    def path_q(self, path_field: str = "path", *, include_department_areas: bool = False) -> Q:
        """A Q matching rows whose `path_field` lies in scope (an empty scope matches nothing)."""
        if self.everything:
            return Q()
        paths = list(self.grid_paths)
        if include_department_areas:
            paths += [p for p in self.department_area_paths if not self.covers_path(p)]
        if not paths:
            return Q(pk__in=[])
        return reduce(or_, (Q(**{f"{path_field}__startswith": p}) for p in paths))

    def filter(
        self, qs: QuerySet, path_field: str = "path", *, include_department_areas: bool = False
    ) -> QuerySet:
        return qs.filter(self.path_q(path_field, include_department_areas=include_department_areas))


_resolver: Callable[[Any], Scope] | None = None


def register_scope_resolver(resolver: Callable[[Any], Scope]) -> None:
    """Called once by the accounts app: how a user's scope is computed."""
    global _resolver
    _resolver = resolver


def scope_for_user(user: Any) -> Scope:
    """The data scope of `user` (a visitor's is empty), as the accounts app computes it."""
    if _resolver is None:
        raise RuntimeError("the accounts app has not registered the scope resolver yet")
    return _resolver(user)
