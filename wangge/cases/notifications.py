"""Who hears about a case event, queued in the outbox inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from wangge.accounts.models import READ_ONLY_ROLES, Role, RoleAssignment
from wangge.cases.models import Case, CaseEvent
from wangge.notify.services import outbox_enqueue

TOPICS = (
    "case.created",
    "case.dispatched",
    "case.assigned",
    "case.prioritized",
    "case.escalated",
    "case.replied",
    "case.overdue",
    "case.resolved",
    "case.closed",
)


def unit_member_ids(case: Case, *, with_co: bool = False) -> set[int]:
    """Users holding a working (not read-only) role on the case's lead unit (and co-units)."""
    q = Q(pk__in=[])
    if case.handling_grid_id:
        q |= Q(grid_id=case.handling_grid_id)
    if case.handling_department_id:
        q |= Q(department_id=case.handling_department_id)
    if with_co:
        q |= Q(department__in=case.co_departments.all())
    rows = RoleAssignment.objects.filter(q).exclude(role__in=READ_ONLY_ROLES)
    return set(rows.values_list("user_id", flat=True))


def triage_operator_ids(case: Case) -> set[int]:
    rows = RoleAssignment.objects.filter(role=Role.OPERATOR, grid_id=case.root_id)
    return set(rows.values_list("user_id", flat=True))


def reporter_ids(case: Case) -> set[int]:
    """The reporter and the reporters of cases merged into this one: they all get the answer."""
    ids = set(
        Case.objects.filter(merged_into=case, reporter__isnull=False).values_list(
            "reporter_id", flat=True
        )
    )
    if case.reporter_id:
        ids.add(case.reporter_id)
    from wangge.cases.followers import follower_user_ids

    return ids | follower_user_ids(case)  # 我也遇到了: followers hear what the reporter hears


# What a resident hears about; these also go out by SMS (wangge.cases.followers).
RESIDENT_TOPICS = ("case.replied", "case.resolved", "case.closed")


def case_notify(*, case: Case, event: CaseEvent, topic: str, user_ids: Iterable[int]) -> None:
    assert topic in TOPICS, topic
    actor = event.actor_id
    title = f"[{event.get_kind_display()}] {case.title}"
    body = event.reason if event.public or not event.reason else ""
    outbox_enqueue(
        topic=topic,
        title=title[:200],
        body=(body or case.description)[:500],
        # What residents hear opens the public case page (followers have no staff access).
        link=f"/track/{case.tracking_code}/"
        if topic in RESIDENT_TOPICS
        else f"/cases/{case.tracking_code}/",
        payload={
            "tracking_code": case.tracking_code,
            "event": event.kind,
            "seq": event.seq,
            "state": case.state,
            "public_status": case.public_status,
            "category": case.category.code if case.category is not None else None,
            "grid_path": case.grid_path,
        },
        user_ids=sorted(u for u in set(user_ids) if u != actor),
        grid_path=case.grid_path,
        dedupe_key=f"case:{case.pk}:{event.seq}:{topic}",
    )
    if topic in RESIDENT_TOPICS:
        from wangge.cases.followers import residents_notify

        residents_notify(case=case, event=event)
