"""Who hears about a service-order event, queued in the outbox inside the caller's transaction."""

from __future__ import annotations

from django.db.models import Q

from wangge.accounts.models import RoleAssignment
from wangge.community.models import (
    OrderEventKind,
    PartyMember,
    ServiceOrder,
    ServiceOrderEvent,
    ServiceTeam,
    Volunteer,
)
from wangge.notify.services import outbox_enqueue

K = OrderEventKind
# event kind → (topic, audience)
TOPICS: dict[str, tuple[str, str]] = {
    K.ORDER: ("service.ordered", "staff"),
    K.CONFIRM: ("service.open", "takers"),
    K.RELEASE: ("service.open", "takers"),
    K.DECLINE: ("service.declined", "orderer"),
    K.TAKE: ("service.taken", "orderer"),
    K.ASSIGN: ("service.taken", "orderer_assignee"),
    K.REASSIGN: ("service.taken", "orderer_assignee"),
    K.COMPLETE: ("service.done", "orderer"),
    K.RATE: ("service.closed", "assignee"),
    K.CLOSE: ("service.closed", "assignee"),
    K.CANCEL: ("service.cancelled", "orderer_assignee"),
    K.TO_CASE: ("service.converted", "orderer"),
    K.REMIND: ("service.overdue", "staff_assignee"),
}
# Open orders are announced to at most this many eligible takers (the nearest grids first).
TAKER_FANOUT = 200


def staff_ids(order: ServiceOrder) -> set[int]:
    from wangge.community.workflow import STAFF_ROLES

    chain = [p for p in _prefixes(order.grid_path)]
    rows = RoleAssignment.objects.filter(role__in=STAFF_ROLES, grid__path__in=chain)
    return set(rows.values_list("user_id", flat=True))


def _prefixes(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def taker_ids(order: ServiceOrder) -> set[int]:
    """Active servers of the order's community whose kind the service allows."""
    item = order.item
    ids: set[int] = set()
    here = Q(community_id=order.community_id, is_active=True, user__isnull=False)
    if item.for_party_members:
        ids |= set(
            PartyMember.objects.filter(here).values_list("user_id", flat=True)[:TAKER_FANOUT]
        )
    if item.for_volunteers:
        ids |= set(Volunteer.objects.filter(here).values_list("user_id", flat=True)[:TAKER_FANOUT])
    if item.for_teams:
        teams = ServiceTeam.objects.filter(community_id=order.community_id, is_active=True)
        ids |= {u for u in teams.values_list("members", flat=True)[:TAKER_FANOUT] if u is not None}
    return ids


def order_notify(*, order: ServiceOrder, event: ServiceOrderEvent) -> None:
    if event.kind not in TOPICS:
        return
    topic, audience = TOPICS[event.kind]
    users: set[int] = set()
    if audience == "staff" or audience == "staff_assignee":
        users |= staff_ids(order)
    if audience == "takers":
        users |= taker_ids(order)
    if audience.startswith("orderer") and order.orderer_id:
        users.add(order.orderer_id)
    if audience.endswith("assignee") and order.assignee_id:
        users.add(order.assignee_id)
    if event.kind == K.REASSIGN and event.payload.get("from_user"):
        users.add(event.payload["from_user"])
    outbox_enqueue(
        topic=topic,
        title=f"[{event.get_kind_display()}] {order.item.name}"[:200],
        body=(event.reason or order.description)[:500],
        link=f"/community/orders/{order.code}/",
        payload={
            "code": order.code,
            "event": event.kind,
            "seq": event.seq,
            "state": order.state,
            "service": order.item.name,
            "grid_path": order.grid_path,
        },
        user_ids=sorted(u for u in users if u != event.actor_id),
        grid_path=order.grid_path,
        dedupe_key=f"service-order:{order.pk}:{event.seq}:{topic}",
    )
