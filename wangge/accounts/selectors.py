"""Who may see what: a user's data scope, computed once per request and reused."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from wangge.accounts.models import (
    DEPARTMENT_ROLES,
    GRID_ROLES,
    READ_ONLY_ROLES,
    Role,
    RoleAssignment,
    User,
)
from wangge.core.scope import Scope

__all__ = ["Scope", "scope_for_user", "user_role_list"]


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
    role_grid_paths: dict[str, set[str]] = {}
    for a in assignments:
        if a.grid is not None:
            role_grid_ids.setdefault(a.role, set()).add(a.grid.pk)
            role_grid_paths.setdefault(a.role, set()).add(a.grid.path)
    departments = [a.department for a in assignments if a.role in DEPARTMENT_ROLES]
    scope = Scope(
        user_id=user.pk,
        roles=roles,
        read_only=bool(roles) and roles <= READ_ONLY_ROLES,
        everything=Role.ADMINISTRATOR in roles or user.is_superuser,
        grid_paths=_minimal_prefixes(grid_paths),
        grid_ids=frozenset(
            a.grid_id for a in assignments if a.role in GRID_ROLES and a.grid_id is not None
        ),
        department_ids=frozenset(d.pk for d in departments if d),
        department_area_paths=_minimal_prefixes([d.service_area.path for d in departments if d]),
        role_grid_ids={k: frozenset(v) for k, v in role_grid_ids.items()},
        role_grid_paths={k: frozenset(v) for k, v in role_grid_paths.items()},
    )
    user._wangge_scope = scope
    return scope


def user_role_list(user: User) -> list[RoleAssignment]:
    return list(
        RoleAssignment.objects.filter(user=user)
        .select_related("grid", "department")
        .order_by("role", "grid__path", "department__code")
    )
