"""Reads of the council day, always scoped to the caller.

Staff see topics, meetings and decisions inside their grid subtrees; a decision's owner sees
it wherever it is; a proposer sees their own topics. What any signed-in resident may see of a
community — its agenda and outcomes — is read through the `public_*` functions, which the
views render with public fields only (no proposer, no phone).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet

from wangge.accounts.selectors import scope_for_user
from wangge.core.api import NotFound
from wangge.council.models import Decision, Meeting, MeetingState, Topic, TopicEvent, TopicStep
from wangge.grids.models import Grid, GridLevel


def _scope_q(user: Any, field: str = "grid_path") -> Q:
    if user is None or not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    scope = scope_for_user(user)
    if scope.everything:
        return Q()
    return scope.path_q(field)


def topic_visible_q(user: Any) -> Q:
    q = _scope_q(user)
    if getattr(user, "is_authenticated", False):
        q |= Q(proposer_id=user.pk) | Q(decision__owner_id=user.pk)
    return q


def topic_list_for_user(
    user: Any,
    *,
    step: list[str] | None = None,
    source: str | None = None,
    community: str | None = None,
    meeting: int | None = None,
    unscheduled: bool = False,
    q: str | None = None,
) -> QuerySet[Topic]:
    qs = Topic.objects.filter(topic_visible_q(user))
    if step:
        qs = qs.filter(step__in=step)
    if source:
        qs = qs.filter(source=source)
    if community:
        qs = qs.filter(community__code=community)
    if meeting:
        qs = qs.filter(meeting_id=meeting)
    if unscheduled:
        qs = qs.filter(meeting__isnull=True)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q))
    return qs.select_related("community", "meeting", "case", "decision__owner").order_by(
        "-created_at", "-id"
    )


def topic_get_for_user(user: Any, pk: int | str) -> Topic:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("议题不存在") from None
    topic = (
        Topic.objects.filter(topic_visible_q(user), pk=pk)
        .select_related("community", "meeting", "case", "proposer")
        .first()
    )
    if topic is None:
        raise NotFound("议题不存在或不在您的管辖范围内")
    return topic


def topic_events(topic: Topic) -> QuerySet[TopicEvent]:
    return topic.events.order_by("seq")


def meeting_list_for_user(
    user: Any,
    *,
    state: str | None = None,
    community: str | None = None,
    year: int | None = None,
) -> QuerySet[Meeting]:
    qs = Meeting.objects.filter(_scope_q(user))
    if state:
        qs = qs.filter(state=state)
    if community:
        qs = qs.filter(community__code=community)
    if year:
        qs = qs.filter(starts_at__year=year)
    return (
        qs.select_related("community")
        .annotate(
            topic_count=Count("topics", distinct=True),
            attendance_count=Count("attendance", distinct=True),
        )
        .order_by("-starts_at", "-id")
    )


def meeting_get_for_user(user: Any, pk: int | str) -> Meeting:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("议事会不存在") from None
    meeting = Meeting.objects.filter(_scope_q(user), pk=pk).select_related("community").first()
    if meeting is None:
        raise NotFound("议事会不存在或不在您的管辖范围内")
    return meeting


def meeting_agenda(meeting: Meeting) -> list[Topic]:
    return list(
        meeting.topics.select_related("decision__owner", "decision__case", "case").order_by(
            "agenda_order", "id"
        )
    )


def decision_list_for_user(
    user: Any, *, owned: bool = False, overdue: bool | None = None, open_only: bool = False
) -> QuerySet[Decision]:
    if owned:
        qs = Decision.objects.filter(owner_id=getattr(user, "pk", None))
    else:
        qs = Decision.objects.filter(_scope_q(user) | Q(owner_id=getattr(user, "pk", None)))
    if overdue is not None:
        qs = qs.filter(overdue=overdue)
    if open_only:
        qs = qs.filter(done_at__isnull=True)
    return qs.select_related("topic__community", "owner", "case").order_by(
        "-overdue", "due_on", "id"
    )


def decision_get_for_user(user: Any, pk: int | str) -> Decision:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("议定事项不存在") from None
    d = (
        decision_list_for_user(user).filter(pk=pk).first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    if d is None:
        raise NotFound("议定事项不存在或不在您的管辖范围内")
    return d


# --- what residents see of a community --------------------------------------------------------


def public_communities() -> QuerySet[Grid]:
    return Grid.objects.filter(level=GridLevel.COMMUNITY, is_active=True).order_by("path")


def public_meetings(community: Grid, *, limit: int = 10) -> list[Meeting]:
    return list(
        Meeting.objects.filter(community=community)
        .prefetch_related("topics__decision")
        .order_by("-starts_at", "-id")[:limit]
    )


def public_outcomes(community: Grid, *, limit: int = 20) -> list[Topic]:
    """Topics past 解事, newest first: what was decided and how it went."""
    return list(
        Topic.objects.filter(
            community=community,
            step__in=[
                TopicStep.DECIDED,
                TopicStep.ANSWERED,
                TopicStep.FOLLOWED,
                TopicStep.ARCHIVED,
            ],
        )
        .select_related("decision", "meeting")
        .order_by("-updated_at", "-id")[:limit]
    )


def my_topics(user: Any) -> QuerySet[Topic]:
    return (
        Topic.objects.filter(proposer_id=user.pk)
        .select_related("meeting", "decision")
        .order_by("-created_at", "-id")
    )


# --- statistics -----------------------------------------------------------------------------


def council_stats(user: Any, *, start: date, end: date) -> dict[str, Any]:
    """Meetings held, topics, settled rate and mean satisfaction within the user's scope,
    for meetings between `start` and `end` (inclusive, local dates)."""
    meetings = Meeting.objects.filter(
        _scope_q(user), starts_at__date__gte=start, starts_at__date__lte=end
    )
    held = meetings.exclude(state=MeetingState.SCHEDULED).count()
    topics = Topic.objects.filter(
        _scope_q(user), created_at__date__gte=start, created_at__date__lte=end
    )
    followed = topics.filter(settled__isnull=False)
    agg = followed.aggregate(
        n=Count("id"),
        settled=Count("id", filter=Q(settled=True)),
        satisfied=Count("id", filter=Q(satisfaction__gte=4)),
    )
    from django.db.models import Avg

    avg = followed.aggregate(a=Avg("satisfaction"))["a"]
    by_step = dict(topics.values_list("step").annotate(n=Count("id")).values_list("step", "n"))
    n = agg["n"] or 0
    return {
        "meetings_held": held,
        "meetings_scheduled": meetings.filter(state=MeetingState.SCHEDULED).count(),
        "topics": sum(by_step.values()),
        "topics_by_step": {s.value: by_step.get(s.value, 0) for s in TopicStep},
        "followed_up": n,
        "settled_rate": round(agg["settled"] / n, 4) if n else None,
        "satisfaction": round(float(avg), 2) if avg is not None else None,
        "satisfied_rate": round(agg["satisfied"] / n, 4) if n else None,
    }
