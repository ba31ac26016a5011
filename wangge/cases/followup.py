"""回访 and auto-close: what happens after a case is resolved (docs/feedback.md).

`followup_sweep` runs with the SLA sweep (periodic task `wangge.cases.tasks.sweep_follow_ups`):

1. **Auto-close.** A case resolved more than `CASES_AUTO_CLOSE_DAYS` days ago that its reporter
   neither confirmed nor rejected is closed by the system, with an event saying so.
2. **Follow-up tasks.** A case closed in the last `LOOKBACK_DAYS` days whose current closure
   has no answer yet, and whose reporter left a phone number, gets one `FollowUpTask` for the
   command centre, due `CASES_FOLLOW_UP_WORKING_DAYS` working days after the closing
   (`CASES_FOLLOW_UP_HOTLINE_WORKING_DAYS` for 12345 orders). Patrol reports (a worker's own
   find) are not followed up.

Both steps are idempotent: the close is a compare-and-swap transition, a task is unique per
(case, closure). Operators record a call with `followup_record` (the two questions, through
`case_feedback_give`) or `followup_unreachable`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.selectors import scope_for_user
from wangge.cases.feedback import FeedbackResult, case_feedback_give
from wangge.cases.models import (
    Case,
    CaseFeedback,
    CaseState,
    Channel,
    EventKind,
    FollowUpStatus,
    FollowUpTask,
)
from wangge.cases.sla import deadline
from wangge.core.api import Conflict, Forbidden, NotFound, ServiceError

LOOKBACK_DAYS = 30
NOTE_MAX = 500


@dataclass
class FollowUpSweepResult:
    auto_closed: int = 0
    tasks_created: int = 0
    skipped: int = 0


def _answered(closure_expr: Any) -> Exists:
    return Exists(CaseFeedback.objects.filter(case_id=OuterRef("pk"), closure=closure_expr))


def followup_sweep(*, now: datetime | None = None, batch: int = 1000) -> FollowUpSweepResult:
    from wangge.cases.workflow import case_transition

    now = now or timezone.now()
    result = FollowUpSweepResult()
    days = settings.CASES_AUTO_CLOSE_DAYS
    stale = (
        Case.objects.filter(state=CaseState.RESOLVED, resolved_at__lt=now - timedelta(days=days))
        .order_by("resolved_at")
        .values_list("pk", "version")[:batch]
    )
    for pk, version in list(stale):
        try:
            case_transition(
                case=Case(pk=pk),
                actor=None,
                action=EventKind.CLOSE,
                reason=_("处理结果答复后 %(d)d 天内群众未确认，系统自动结案") % {"d": days},
                payload={"auto_close": True, "after_days": days},
                expected_version=version,
                now=now,
            )
            result.auto_closed += 1
        except Conflict:
            result.skipped += 1  # the reporter answered, or someone acted, since we read it

    owed = (
        Case.objects.filter(
            state=CaseState.CLOSED, closed_at__gte=now - timedelta(days=LOOKBACK_DAYS)
        )
        .exclude(channel=Channel.PATROL)
        .exclude(contact_phone_cipher="")
        .annotate(answered=_answered(OuterRef("rework_count") + 1))
        .annotate(
            tasked=Exists(
                FollowUpTask.objects.filter(
                    case_id=OuterRef("pk"), closure=OuterRef("rework_count") + 1
                )
            )
        )
        .filter(answered=False, tasked=False)
        .order_by("closed_at")
        .values("pk", "rework_count", "closed_at", "channel", "grid_path")[:batch]
    )
    for row in list(owed):
        closed_at = row["closed_at"]
        if closed_at is None:  # pragma: no cover - a closed case always has its closing time
            continue
        working_days = (
            settings.CASES_FOLLOW_UP_HOTLINE_WORKING_DAYS
            if row["channel"] == Channel.HOTLINE
            else settings.CASES_FOLLOW_UP_WORKING_DAYS
        )
        try:
            with transaction.atomic():
                FollowUpTask.objects.create(
                    case_id=row["pk"],
                    closure=row["rework_count"] + 1,
                    grid_path=row["grid_path"],
                    due_at=deadline(closed_at, working_days, "working_days"),
                    created_at=now,
                )
            result.tasks_created += 1
        except IntegrityError:
            result.skipped += 1  # a concurrent sweep made it first
    return result


# ---- the centre's list and the call -------------------------------------------------------------


def followup_list_for_user(
    user: Any, *, status: str = FollowUpStatus.OPEN
) -> QuerySet[FollowUpTask]:
    """Follow-up tasks in the user's subtrees (operators and district/street/community staff):
    calls owed by their deadline, the soonest first; calls made (or given up) the latest first,
    a history that grows by one row per closed case."""
    scope = scope_for_user(user)
    qs = FollowUpTask.objects.all()
    if not scope.everything:
        qs = qs.filter(scope.path_q("grid_path")) if scope.grid_paths else qs.none()
    if status:
        qs = qs.filter(status=status)
    order = ("due_at", "id") if status == FollowUpStatus.OPEN else ("-done_at", "-id")
    return qs.select_related("case", "case__category", "case__handling_grid").order_by(*order)


def followup_get_for_user(user: Any, task_id: int) -> FollowUpTask:
    task = followup_list_for_user(user, status="").filter(pk=task_id).first()
    if task is None:
        raise NotFound(_("回访任务不存在或不在您的管辖范围内"))
    return task


def followup_record(
    *,
    actor: Any,
    task: FollowUpTask,
    solved: str,
    satisfaction: str,
    comment: str = "",
    reopen: bool = True,
    now: datetime | None = None,
) -> FeedbackResult:
    """The answers of a follow-up call, through the one feedback service."""
    if task.status != FollowUpStatus.OPEN:
        raise Conflict(_("该回访任务已完成"), code="follow_up_done")
    if task.closure != task.case.rework_count + 1:
        raise Conflict(_("该事件已重新办理，本次回访已不适用"), code="follow_up_stale")
    return case_feedback_give(
        actor=actor,
        case=task.case,
        solved=solved,
        satisfaction=satisfaction,
        comment=comment,
        reopen=reopen,
        now=now,
    )


@transaction.atomic
def followup_unreachable(
    *,
    actor: Any,
    task: FollowUpTask,
    note: str = "",
    give_up: bool = False,
    now: datetime | None = None,
) -> FollowUpTask:
    """A call that did not get through: counted; `give_up` closes the task as unreachable."""
    from wangge.cases.workflow import Rel, relations

    now = now or timezone.now()
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ServiceError(_("备注不能超过 %(n)d 字") % {"n": NOTE_MAX}, code="note_too_long")
    locked = FollowUpTask.objects.select_for_update().select_related("case").get(pk=task.pk)
    if locked.status != FollowUpStatus.OPEN:
        raise Conflict(_("该回访任务已完成"), code="follow_up_done")
    if Rel.SUPERVISOR not in relations(actor, locked.case):
        raise Forbidden(_("您无权回访该事件"), code="not_allowed")
    locked.attempts += 1
    locked.note = note or locked.note
    fields = ["attempts", "note"]
    if give_up:
        locked.status, locked.done_at, locked.done_by = FollowUpStatus.UNREACHABLE, now, actor
        fields += ["status", "done_at", "done_by"]
    locked.save(update_fields=fields)
    return locked
