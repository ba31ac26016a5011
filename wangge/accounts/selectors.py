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
from wangge.core.compiled import CompiledQuery
from wangge.core.scope import Scope

__all__ = ["ASSIGNMENT_COLUMNS", "Scope", "scope_for_user", "scope_remember", "user_role_list"]


def _minimal_prefixes(paths: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for p in sorted(set(paths)):
        if not any(p.startswith(q) for q in out):
            out.append(p)
    return tuple(out)


# What a user's scope is built from, a row per role assignment. Read on every request that
# checks access: compiled once (wangge.core.compiled), or joined to the token's own read.
ASSIGNMENT_COLUMNS = (
    "role", "grid_id", "grid__path", "department_id", "department__service_area__path"
)  # fmt: skip
_assignments = CompiledQuery(
    lambda user_id: RoleAssignment.objects.filter(user_id=user_id).values_list(*ASSIGNMENT_COLUMNS),
    int,
)


def scope_for_user(user: User | AnonymousUser | None) -> Scope:
    """The data scope of `user`, cached on the user object for the rest of the request.

    A visitor (None or the anonymous user) has an empty scope.
    """
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return Scope(user_id=None)
    cached = getattr(user, "_wangge_scope", None)
    if cached is not None:
        return cached
    return scope_remember(user, _assignments.rows(user.pk))


def scope_remember(user: User, rows: list[tuple]) -> Scope:
    """Build `user`'s scope from their assignment rows (`ASSIGNMENT_COLUMNS`, read by whoever
    already reads the user: the API token's join) and keep it for the rest of the request."""
    roles = frozenset(role for role, *_ in rows)
    grid_paths = [path for role, _g, path, _d, _a in rows if role in GRID_ROLES and path]
    role_grid_ids: dict[str, set[int]] = {}
    role_grid_paths: dict[str, set[str]] = {}
    for role, grid_id, path, _d, _a in rows:
        if grid_id is not None:
            role_grid_ids.setdefault(role, set()).add(grid_id)
            role_grid_paths.setdefault(role, set()).add(path)
    departments = [
        (dept_id, area) for role, _g, _p, dept_id, area in rows if role in DEPARTMENT_ROLES
    ]
    scope = Scope(
        user_id=user.pk,
        roles=roles,
        read_only=bool(roles) and roles <= READ_ONLY_ROLES,
        everything=Role.ADMINISTRATOR in roles or user.is_superuser,
        grid_paths=_minimal_prefixes(grid_paths),
        grid_ids=frozenset(
            grid_id for role, grid_id, *_ in rows if role in GRID_ROLES and grid_id is not None
        ),
        department_ids=frozenset(d for d, _a in departments if d is not None),
        department_area_paths=_minimal_prefixes([a for d, a in departments if d is not None]),
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
