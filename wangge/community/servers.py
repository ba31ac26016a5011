"""Who may take which service order: a user's serving profile (党员, 志愿者, 服务队).

A profile lists, per kind, the grid paths the person covers: the grids they signed up for, or
their whole community when they named none. An order may be taken as a kind the service allows
when the order's grid lies under one of that kind's paths. Computed once per request and kept
on the user object, like the data scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wangge.community.models import PartyMember, ServerKind, ServiceOrder, ServiceTeam, Volunteer

TAKE_ORDER = (ServerKind.PARTY_MEMBER, ServerKind.VOLUNTEER, ServerKind.TEAM)


@dataclass(frozen=True)
class ServerProfile:
    user_id: int | None
    paths: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Teams the user serves in, with the paths each covers.
    teams: tuple[tuple[int, tuple[str, ...]], ...] = ()
    party_member_id: int | None = None
    volunteer_id: int | None = None

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(k for k, v in self.paths.items() if v)

    @property
    def is_server(self) -> bool:
        return bool(self.kinds)

    def all_paths(self) -> tuple[str, ...]:
        return tuple(sorted({p for v in self.paths.values() for p in v}))

    def kind_for(self, order: ServiceOrder) -> tuple[str, int | None] | None:
        """(kind, team id) under which the user may take `order`, or None."""
        allowed = order.item.taker_kinds
        for kind in TAKE_ORDER:
            if kind not in allowed:
                continue
            if kind == ServerKind.TEAM:
                for team_id, paths in self.teams:
                    if any(order.grid_path.startswith(p) for p in paths):
                        return kind, team_id
            elif any(order.grid_path.startswith(p) for p in self.paths.get(kind, ())):
                return kind, None
        return None


def _covered(community_path: str, grid_paths: list[str]) -> tuple[str, ...]:
    inside = [p for p in grid_paths if p.startswith(community_path)]
    return tuple(sorted(set(inside))) if inside else (community_path,)


def server_profile(user: Any) -> ServerProfile:
    if user is None or not getattr(user, "is_authenticated", False):
        return ServerProfile(user_id=None)
    cached = getattr(user, "_wangge_server_profile", None)
    if cached is not None:
        return cached
    paths: dict[str, tuple[str, ...]] = {}
    pm = (
        PartyMember.objects.filter(user=user, is_active=True)
        .prefetch_related("grids")
        .only("id", "grid_path")
        .first()
    )
    if pm is not None:
        paths[ServerKind.PARTY_MEMBER] = _covered(pm.grid_path, [g.path for g in pm.grids.all()])
    vol = (
        Volunteer.objects.filter(user=user, is_active=True)
        .prefetch_related("grids")
        .only("id", "grid_path")
        .first()
    )
    if vol is not None:
        paths[ServerKind.VOLUNTEER] = _covered(vol.grid_path, [g.path for g in vol.grids.all()])
    teams = []
    from django.db.models import Q

    for team in (
        ServiceTeam.objects.filter(Q(members=user) | Q(leader=user), is_active=True)
        .distinct()
        .prefetch_related("grids")
    ):
        teams.append((team.pk, _covered(team.grid_path, [g.path for g in team.grids.all()])))
    if teams:
        paths[ServerKind.TEAM] = tuple(sorted({p for _id, ps in teams for p in ps}))
    profile = ServerProfile(
        user_id=user.pk,
        paths=paths,
        teams=tuple(teams),
        party_member_id=pm.pk if pm else None,
        volunteer_id=vol.pk if vol else None,
    )
    user._wangge_server_profile = profile
    return profile


def forget_profile(user: Any) -> None:
    """Drop the cached profile (after registering the user as a server in the same request)."""
    for attr in ("_wangge_server_profile", "_wangge_nav_flags"):
        if user is not None and hasattr(user, attr):
            delattr(user, attr)
