"""The reporter's answer to a closure: 问题解决了吗？ 对处理满意吗？ (docs/feedback.md).

`case_feedback_give` is the one write path of an answer, whoever brings it: the reporter
signed in, through their private link or SMS code, in the grid chat, or an operator recording
a follow-up call (回访). It writes the answer as a `rate` (or `follow_up`) event and applies
the move it implies through `case_transition`, in one transaction:

- a resolved case the reporter calls solved or partly solved is closed (核查结案 by the
  reporter); "not solved" reopens it (返工) with the comment as the reason;
- a case already closed keeps its state, unless the answer is "not solved" (the call's
  operator may decide not to reopen, e.g. when the demand was beyond the platform's reach).

One answer per closure: `CaseFeedback` is unique on (case, closure), the closure being
`rework_count + 1`, so a reopened case can be answered again after its next resolution.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.cases.access import ReporterPass
from wangge.cases.models import (
    Case,
    CaseFeedback,
    CaseState,
    EventKind,
    FeedbackSatisfaction,
    FeedbackSolved,
    FeedbackSource,
    FollowUpStatus,
    FollowUpTask,
    PublicStatus,
)
from wangge.core.api import Conflict, ServiceError

COMMENT_MAX = 500
ANSWERABLE = (CaseState.RESOLVED, CaseState.CLOSED)


@dataclass(frozen=True)
class FeedbackResult:
    feedback: CaseFeedback
    closed: bool
    reopened: bool


def closure_number(case: Case) -> int:
    """Which closure of the case an answer now concerns (1, then 2 after a reopen …)."""
    return case.rework_count + 1


def feedback_current(case: Case) -> CaseFeedback | None:
    """The answer already given to the case's current closure, if any."""
    return CaseFeedback.objects.filter(case=case, closure=closure_number(case)).first()


def source_of(actor: Any, case: Case) -> str:
    if isinstance(actor, ReporterPass):
        return {"sms": FeedbackSource.SMS, "chat": FeedbackSource.CHAT}.get(
            actor.source, FeedbackSource.LINK
        )
    if getattr(actor, "is_authenticated", False) and case.reporter_id == actor.pk:
        return FeedbackSource.ACCOUNT
    return FeedbackSource.CALL


def clean_answer(payload: Mapping[str, Any]) -> tuple[str, str, str]:
    """The two answers and the comment from an event payload; ServiceError in Chinese."""
    solved = payload.get("solved")
    satisfaction = payload.get("satisfaction")
    if solved not in FeedbackSolved.values:
        raise ServiceError(_("请回答“问题解决了吗？”（已解决、部分解决或没有解决）"), code="solved")
    if satisfaction not in FeedbackSatisfaction.values:
        raise ServiceError(
            _("请回答“对处理满意吗？”（满意、基本满意或不满意）"), code="satisfaction"
        )
    comment = str(payload.get("comment") or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ServiceError(
            _("意见不能超过 %(n)d 字（当前 %(m)d 字）") % {"n": COMMENT_MAX, "m": len(comment)},
            code="comment_too_long",
        )
    return solved, satisfaction, comment


def case_feedback_give(
    *,
    actor: Any,
    case: Case,
    solved: str,
    satisfaction: str,
    comment: str = "",
    reopen: bool | None = None,
    now: datetime | None = None,
) -> FeedbackResult:
    """Record the answer to the case's current closure and apply its move (see the module).

    `actor`: the reporter's user, a `ReporterPass` (link, SMS code, chat), or the staff member
    recording a follow-up call. `reopen` (calls only): whether a "not solved" answer reopens the
    case; the reporter's own "not solved" always does. Raises Conflict for a case still being
    handled or a closure already answered, Forbidden for someone who is neither the reporter
    nor staff over the case, ServiceError for a missing answer; nothing is written then.
    """
    from wangge.cases.workflow import case_transition

    now = now or timezone.now()
    source = source_of(actor, case)
    is_call = source == FeedbackSource.CALL
    payload = {
        "solved": solved,
        "satisfaction": satisfaction,
        "comment": comment,
        "source": source,
    }
    with transaction.atomic():
        current = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        if current.state not in ANSWERABLE:
            raise Conflict(
                _("事件尚未办结（当前：%(s)s），办结后才能评价")
                % {"s": PublicStatus(current.public_status).label},
                code="not_answerable",
            )
        clean_answer(payload)
        summary = _("问题%(a)s，%(b)s") % {
            "a": FeedbackSolved(solved).label,
            "b": FeedbackSatisfaction(satisfaction).label,
        }
        event = case_transition(
            case=case,
            actor=actor,
            action=EventKind.FOLLOW_UP if is_call else EventKind.RATE,
            reason=(comment.strip() or summary) if is_call else comment.strip(),
            payload=payload,
            now=now,
        )
        feedback = CaseFeedback.objects.get(case=case, event_seq=event.seq)
        not_solved = solved == FeedbackSolved.NOT_SOLVED
        reopened = closed = False
        if not_solved and (reopen is None or reopen or not is_call):
            case_transition(
                case=case,
                actor=actor,
                action=EventKind.REOPEN,
                reason=comment.strip() or _("群众反映问题没有解决"),
                payload={"feedback_closure": feedback.closure},
                now=now,
            )
            CaseFeedback.objects.filter(pk=feedback.pk).update(reopened=True)
            feedback.reopened = reopened = True
        elif case.state == CaseState.RESOLVED:
            case_transition(
                case=case,
                actor=actor,
                action=EventKind.CLOSE,
                reason=_("群众确认：%(s)s") % {"s": summary},
                payload={"feedback_closure": feedback.closure},
                now=now,
            )
            closed = True
        FollowUpTask.objects.filter(
            case=case, closure=feedback.closure, status=FollowUpStatus.OPEN
        ).update(
            status=FollowUpStatus.DONE if is_call else FollowUpStatus.ANSWERED,
            done_at=now,
            done_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
    return FeedbackResult(feedback=feedback, closed=closed, reopened=reopened)
