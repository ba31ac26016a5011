"""Who may see what: a user's data scope, computed once per request and reused."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from wangge.accounts.models import (
    DEPARTMENT_ROLES,
    GRID_ROLES,
    READ_ONLY_ROLES,
    Role,
    RoleAssignment,
    User,
)


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

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.grid_paths or self.department_ids)

    @property
    def read_only(self) -> bool:
        return bool(self.roles) and self.roles <= READ_ONLY_ROLES

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


def _minimal_prefixes(paths: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for p in sorted(set(paths)):
        if not any(p.startswith(q) for q in out):
            out.append(p)
    return tuple(out)


def scope_for_user(user: User | AnonymousUser | None) -> Scope:
    """The data scope of `user`, cached on the user object for the rest of the request.

    A visitor (None or the anonymous user) has an empty scope.
    """
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return Scope(user_id=None)
    cached = getattr(user, "_wangge_scope", None)
    if cached is not None:
        return cached
    assignments = list(
        RoleAssignment.objects.filter(user=user).select_related("grid", "department__service_area")
    )
    roles = frozenset(a.role for a in assignments)
    grid_paths = [a.grid.path for a in assignments if a.role in GRID_ROLES and a.grid]
    role_grid_ids: dict[str, set[int]] = {}
    for a in assignments:
        if a.grid_id:
            role_grid_ids.setdefault(a.role, set()).add(a.grid_id)
    departments = [a.department for a in assignments if a.role in DEPARTMENT_ROLES]
    scope = Scope(
        user_id=user.pk,
        roles=roles,
        everything=Role.ADMINISTRATOR in roles or user.is_superuser,
        grid_paths=_minimal_prefixes(grid_paths),
        grid_ids=frozenset(
            a.grid_id for a in assignments if a.role in GRID_ROLES and a.grid_id is not None
        ),
        department_ids=frozenset(d.pk for d in departments if d),
        department_area_paths=_minimal_prefixes([d.service_area.path for d in departments if d]),
        role_grid_ids={k: frozenset(v) for k, v in role_grid_ids.items()},
    )
    user._wangge_scope = scope
    return scope


def user_role_list(user: User) -> list[RoleAssignment]:
    return list(
        RoleAssignment.objects.filter(user=user)
        .select_related("grid", "department")
        .order_by("role", "grid__path", "department__code")
    )
