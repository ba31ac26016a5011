"""Reads of community life, always scoped to the caller.

An order is visible to: the resident who ordered it; its taker; staff whose grid subtrees hold
it; and, while it waits for a taker (open), the party members, volunteers and team members who
may take it. Anything else is NotFound, indistinguishable from nonexistent.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from wangge.accounts.selectors import scope_for_user
from wangge.community.models import (
    OrderState,
    PartyMember,
    ResidentAccount,
    ServiceItem,
    ServiceOrder,
    ServiceOrderEvent,
    ServiceTeam,
    Volunteer,
    VolunteerHours,
)
from wangge.community.servers import server_profile
from wangge.core.api import NotFound
from wangge.grids.models import Grid, GridLevel
from wangge.grids.selectors import in_grid_subtree

ORDER_RELATED = ("item", "community", "grid", "assignee", "orderer", "team", "case")
# Lists show grid names; the boundaries (GeoJSON) would travel with every row otherwise.
GEOMETRY_DEFERRED = ("community__geometry", "grid__geometry")


def _path_q(paths: tuple[str, ...] | list[str], field: str = "grid_path") -> Q:
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field}__startswith": p})
    return q


def order_visible_q(user: Any) -> Q:
    if user is None or not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    scope = scope_for_user(user)
    if scope.everything:
        return Q()
    q = Q(orderer_id=user.pk) | Q(assignee_id=user.pk)
    if scope.grid_paths:
        q |= scope.path_q("grid_path")
    q |= _takeable_q(user)
    return q


def _takeable_q(user: Any) -> Q:
    """Open orders whose service this user's kinds may take, in the grids they cover."""
    profile = server_profile(user)
    q = Q(pk__in=[])
    flags = {"party_member": "item__for_party_members", "volunteer": "item__for_volunteers",
             "team": "item__for_teams"}  # fmt: skip
    for kind, paths in profile.paths.items():
        if paths:
            q |= Q(**{flags[kind]: True}) & _path_q(paths)
    return q & Q(state=OrderState.OPEN)


def order_list_for_user(
    user: Any,
    *,
    state: list[str] | None = None,
    mine: bool = False,
    ordered_by_me: bool = False,
    takeable: bool = False,
    grid: str | None = None,
    item: int | None = None,
    overdue: bool | None = None,
    q: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> QuerySet[ServiceOrder]:
    qs = ServiceOrder.objects.filter(order_visible_q(user))
    if state:
        qs = qs.filter(state__in=state)
    if mine:
        qs = qs.filter(assignee_id=user.pk)
    if ordered_by_me:
        qs = qs.filter(orderer_id=user.pk)
    if takeable:
        qs = qs.filter(_takeable_q(user))
    if grid:
        qs = in_grid_subtree(qs, grid)
    if item:
        qs = qs.filter(item_id=item)
    if overdue is not None:
        qs = qs.filter(overdue=overdue)
    if q:
        qs = qs.filter(
            Q(code=q.upper()) | Q(description__icontains=q) | Q(contact_name__icontains=q)
            | Q(address__icontains=q) | Q(item__name__icontains=q)
        )  # fmt: skip
    if created_after:
        qs = qs.filter(created_at__gte=created_after)
    if created_before:
        qs = qs.filter(created_at__lt=created_before)
    return (
        qs.select_related(*ORDER_RELATED).defer(*GEOMETRY_DEFERRED).order_by("-created_at", "-id")
    )


def order_get_for_user(user: Any, code: str) -> ServiceOrder:
    order = (
        ServiceOrder.objects.filter(order_visible_q(user), code=str(code).strip().upper())
        .select_related(*ORDER_RELATED, "household", "entered_by", "source_case")
        .defer(*GEOMETRY_DEFERRED)
        .first()
    )
    if order is None:
        raise NotFound(f"服务单 {code} 不存在或不在您的范围内")
    return order


def order_timeline(order: ServiceOrder) -> QuerySet[ServiceOrderEvent]:
    return ServiceOrderEvent.objects.filter(order=order).order_by("seq")


def order_event_visible_to(user: Any, event_id: int) -> bool:
    order_id = (
        ServiceOrderEvent.objects.filter(pk=event_id).values_list("order_id", flat=True).first()
    )
    if order_id is None:
        return False
    return ServiceOrder.objects.filter(order_visible_q(user), pk=order_id).exists()


def resident_account_for(user: Any) -> ResidentAccount | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return (
        ResidentAccount.objects.filter(user=user)
        .select_related("household__room__building")
        .first()
    )


def community_of_path(path: str) -> Grid | None:
    codes = [c for c in path.split("/") if c]
    return Grid.objects.filter(code__in=codes, level=GridLevel.COMMUNITY).first()


def catalogue_for(community: Grid, *, include_inactive: bool = False) -> QuerySet[ServiceItem]:
    qs = ServiceItem.objects.filter(community=community).order_by("sort", "id")
    return qs if include_inactive else qs.filter(is_active=True)


def communities_for_user(user: Any) -> QuerySet[Grid]:
    """Communities whose catalogue the user is offered: their own household's, their serving
    communities, and those in their staff scope."""
    scope = scope_for_user(user)
    qs = Grid.objects.filter(level=GridLevel.COMMUNITY, is_active=True)
    if scope.everything:
        return qs.order_by("path")
    q = Q(pk__in=[])
    acct = resident_account_for(user)
    if acct is not None:
        q |= Q(pk__in=[c.pk for c in [community_of_path(acct.grid_path)] if c])
    if scope.grid_paths:
        q |= scope.path_q("path")
        # Staff of a micro-grid work for its community's catalogue too.
        q |= Q(code__in=[p.strip("/").split("/")[2] for p in scope.grid_paths if p.count("/") > 3])
    profile = server_profile(user)
    q |= _path_q(list(profile.all_paths()), "path")
    for p in profile.all_paths():
        parts = [c for c in p.split("/") if c]
        if len(parts) >= 3:
            q |= Q(code=parts[2])
    return qs.filter(q).order_by("path")


def _scoped(qs: QuerySet, user: Any) -> QuerySet:
    scope = scope_for_user(user)
    return qs.filter(scope.path_q("grid_path"))


def party_member_list_for_user(user: Any, *, q: str = "") -> QuerySet[PartyMember]:
    qs = (
        _scoped(PartyMember.objects.all(), user)
        .select_related("branch", "community", "user")
        .defer("community__geometry")
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(work_unit__icontains=q))
    return qs.order_by("grid_path", "name", "id")


def volunteer_list_for_user(user: Any, *, q: str = "") -> QuerySet[Volunteer]:
    qs = (
        _scoped(Volunteer.objects.all(), user)
        .select_related("community", "user")
        .defer("community__geometry")
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(skills__icontains=q))
    return qs.order_by("grid_path", "name", "id")


def team_list_for_user(user: Any) -> QuerySet[ServiceTeam]:
    return (
        _scoped(ServiceTeam.objects.all(), user)
        .select_related("community", "leader")
        .order_by("grid_path", "name", "id")
    )


def hours_for_user(user: Any) -> QuerySet[VolunteerHours]:
    return (
        VolunteerHours.objects.filter(user=user)
        .select_related("order")
        .order_by("-served_on", "-id")
    )


def hours_total_for_user(user: Any) -> Decimal:
    return hours_for_user(user).aggregate(s=Sum("hours"))["s"] or Decimal(0)


def takers_for_order(user: Any, order: ServiceOrder) -> list[Any]:
    """People staff may assign the order to: active servers of its community who may take it."""
    from wangge.accounts.models import User

    ids: set[int] = set()
    here = Q(community_id=order.community_id, is_active=True, user__isnull=False)
    if order.item.for_party_members:
        ids |= set(PartyMember.objects.filter(here).values_list("user_id", flat=True))
    if order.item.for_volunteers:
        ids |= set(Volunteer.objects.filter(here).values_list("user_id", flat=True))
    if order.item.for_teams:
        ids |= {
            u
            for u in ServiceTeam.objects.filter(
                community_id=order.community_id, is_active=True
            ).values_list("members", flat=True)
            if u
        }
    users = list(User.objects.filter(pk__in=ids).order_by("display_name", "id")[:500])
    return [u for u in users if server_profile(u).kind_for(order) is not None]
