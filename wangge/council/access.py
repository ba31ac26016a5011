"""Which grids a user works on, by role — shared by the council, notices and fund apps.

`Scope` (wangge.accounts.selectors) answers "what may this user see"; these helpers answer
"on which units does this user hold one of these roles", which decides who may run a council,
write a notice to a subtree or approve a fund request at a level.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wangge.accounts.models import Role
from wangge.accounts.selectors import scope_for_user

# The community and those above it run councils, write notices and handle funds; leaders read.
STAFF_ROLES = frozenset(
    {Role.GRID_HEAD, Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.OPERATOR}
)


def role_grid_paths(user: Any, roles: Iterable[str] = STAFF_ROLES) -> list[str]:
    """Paths of the grids on which `user` holds one of `roles` (from the request's scope)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    by_role = scope_for_user(user).role_grid_paths
    return sorted({p for role in set(roles) for p in by_role.get(role, ())})


def is_staff_for(user: Any, path: str, roles: Iterable[str] = STAFF_ROLES) -> bool:
    """True when `user` holds one of `roles` on `path` or a grid above it (admins: always)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if scope_for_user(user).everything:
        return True
    return any(path.startswith(p) for p in role_grid_paths(user, roles))
