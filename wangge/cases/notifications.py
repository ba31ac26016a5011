"""Who hears about a case event, queued in the outbox inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from wangge.accounts.models import READ_ONLY_ROLES, Role, RoleAssignment
from wangge.cases.models import Case, CaseEvent
from wangge.core.compiled import BoundQuery, CompiledQuery
from wangge.notify.services import Notice, outbox_enqueue_many, reader_ids

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


def unit_members(
    case: Case, *, with_co: bool = False, co_department_ids: Iterable[int] | None = None
) -> QuerySet[RoleAssignment]:
    """Role assignments of users holding a working (not read-only) role on the case's lead unit
    (and co-units: `co_department_ids` when the caller has them in hand, else the case's)."""
    q = Q(pk__in=[])
    if case.handling_grid_id:
        q |= Q(grid_id=case.handling_grid_id)
    if case.handling_department_id:
        q |= Q(department_id=case.handling_department_id)
    if co_department_ids is not None:
        ids = list(co_department_ids)
        if ids:
            q |= Q(department_id__in=ids)
    elif with_co:
        q |= Q(department__in=case.co_departments.all())
    return _working(q)


def _working(q: Q) -> QuerySet[RoleAssignment]:
    """The assignments matching `q` whose role works cases (not a read-only one)."""
    return RoleAssignment.objects.filter(q).exclude(role__in=READ_ONLY_ROLES)


def unit_member_ids(case: Case, *, with_co: bool = False) -> set[int]:
    """Users holding a working (not read-only) role on the case's lead unit (and co-units)."""
    return set(unit_members(case, with_co=with_co).values_list("user_id", flat=True))


def triage_operators(case: Case) -> QuerySet[RoleAssignment]:
    return _operators_on(case.root_id)


def _operators_on(root_id: int | None) -> QuerySet[RoleAssignment]:
    # No root (a case not located yet): the ORM reads `grid_id IS NULL`, no operator.
    return RoleAssignment.objects.filter(Q(role=Role.OPERATOR), Q(grid_id=root_id))


def triage_operator_ids(case: Case) -> set[int]:
    return set(triage_operators(case).values_list("user_id", flat=True))


# The readers of a new case's two notices, compiled once (wangge.core.compiled): every intake
# names them, and building and compiling their querysets cost more than the database's answer.
_TRIAGE_READERS = CompiledQuery(lambda root_id: reader_ids(_operators_on(root_id)), int)
_GRID_READERS = CompiledQuery(lambda grid_id: reader_ids(_working(Q(grid_id=grid_id))), int)
_DEPARTMENT_READERS = CompiledQuery(
    lambda department_id: reader_ids(_working(Q(department_id=department_id))), int
)


def triage_operator_readers(case: Case) -> QuerySet[RoleAssignment] | BoundQuery:
    """`triage_operators` as a notice's readers."""
    if case.root_id is None:
        return triage_operators(case)
    return _TRIAGE_READERS.bind(case.root_id)


def unit_member_readers(
    case: Case, co_department_ids: Iterable[int]
) -> QuerySet[RoleAssignment] | BoundQuery:
    """`unit_members` as a notice's readers: compiled for the common lead unit alone (a grid or
    a department, no co-handlers), the queryset otherwise."""
    co = list(co_department_ids)
    if not co and case.handling_grid_id and not case.handling_department_id:
        return _GRID_READERS.bind(case.handling_grid_id)
    if not co and case.handling_department_id and not case.handling_grid_id:
        return _DEPARTMENT_READERS.bind(case.handling_department_id)
    return unit_members(case, co_department_ids=co)


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


def case_notice(
    *,
    case: Case,
    event: CaseEvent,
    topic: str,
    user_ids: Iterable[int] = (),
    readers: QuerySet[RoleAssignment] | BoundQuery | None = None,
) -> Notice:
    """What `topic` says about `event`, to `user_ids` and/or the users of `readers` (role
    assignments, expanded by the database), never to the event's own actor."""
    assert topic in TOPICS, topic
    title = f"[{event.get_kind_display()}] {case.title}"
    body = event.reason if event.public or not event.reason else ""
    return Notice(
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
        user_ids=user_ids,
        readers=readers,
        exclude_user_id=event.actor_id,
        grid_path=case.grid_path,
        dedupe_key=f"case:{case.pk}:{event.seq}:{topic}",
    )


def case_notify(*, case: Case, event: CaseEvent, topic: str, user_ids: Iterable[int]) -> None:
    outbox_enqueue_many([case_notice(case=case, event=event, topic=topic, user_ids=user_ids)])
    if topic in RESIDENT_TOPICS:
        from wangge.cases.followers import residents_notify

        residents_notify(case=case, event=event)
