"""One answer per closure, two questions, one service call (wangge.cases.feedback)."""

from __future__ import annotations

import pytest

from tests.resident.conftest import handle
from wangge.cases.access import ReporterPass
from wangge.cases.feedback import case_feedback_give
from wangge.cases.models import CaseEvent, CaseFeedback, CaseState, FollowUpTask
from wangge.core.api import Conflict, Forbidden, ServiceError

pytestmark = pytest.mark.django_db


def _events(case):
    return list(CaseEvent.objects.filter(case=case).order_by("seq").values_list("kind", flat=True))


def test_link_reporter_confirms_and_rates_in_one_call(resolved):
    result = case_feedback_give(
        actor=ReporterPass(case_id=resolved.pk, source="link"),
        case=resolved,
        solved="solved",
        satisfaction="basic",
        comment="扫得挺干净",
    )
    resolved.refresh_from_db()
    assert resolved.state == CaseState.CLOSED
    assert result.closed and not result.reopened
    fb = CaseFeedback.objects.get(case=resolved)
    assert (fb.closure, fb.solved, fb.satisfaction, fb.comment, fb.source) == (
        1, "solved", "basic", "扫得挺干净", "link"
    )  # fmt: skip
    assert _events(resolved)[-2:] == ["rate", "close"]
    rate = CaseEvent.objects.get(case=resolved, kind="rate")
    assert rate.actor_id is None and rate.actor_name == "反映人"


def test_not_solved_reopens_and_next_closure_can_be_answered(resolved, worker_a):
    me = ReporterPass(case_id=resolved.pk, source="link")
    result = case_feedback_give(
        actor=me,
        case=resolved,
        solved="not_solved",
        satisfaction="not_satisfied",
        comment="还有玻璃",
    )
    resolved.refresh_from_db()
    assert result.reopened and resolved.state == CaseState.DISPATCHED
    assert resolved.rework_count == 1
    reopen = CaseEvent.objects.filter(case=resolved, kind="reopen").get()
    assert reopen.reason == "还有玻璃"
    handle(resolved, worker_a, "已二次清扫")
    case_feedback_give(actor=me, case=resolved, solved="solved", satisfaction="satisfied")
    assert list(
        CaseFeedback.objects.filter(case=resolved)
        .order_by("closure")
        .values_list("closure", "solved")
    ) == [(1, "not_solved"), (2, "solved")]


def test_second_answer_to_same_closure_refused_nothing_written(resolved):
    me = ReporterPass(case_id=resolved.pk, source="link")
    case_feedback_give(actor=me, case=resolved, solved="partly", satisfaction="basic")
    before = resolved.event_count
    with pytest.raises(Conflict) as exc:
        case_feedback_give(actor=me, case=resolved, solved="solved", satisfaction="satisfied")
    assert "已评价" in exc.value.message
    resolved.refresh_from_db()
    assert resolved.event_count == before
    assert CaseFeedback.objects.filter(case=resolved).count() == 1


def test_answer_to_open_case_refused(submit, worker_a):
    case = submit(None)
    with pytest.raises(Conflict) as exc:
        case_feedback_give(
            actor=ReporterPass(case_id=case.pk, source="link"),
            case=case,
            solved="solved",
            satisfaction="satisfied",
        )
    assert "尚未办结" in exc.value.message
    assert not CaseFeedback.objects.exists()


def test_pass_of_another_case_and_strangers_refused(resolved, submit, resident, worker_b):
    other = submit(None)
    for actor in (ReporterPass(case_id=other.pk, source="link"), resident, worker_b):
        with pytest.raises(Forbidden):
            case_feedback_give(
                actor=actor, case=resolved, solved="solved", satisfaction="satisfied"
            )
    resolved.refresh_from_db()
    assert resolved.state == CaseState.RESOLVED
    assert not CaseFeedback.objects.exists()


@pytest.mark.parametrize(
    ("solved", "satisfaction", "message"),
    [
        ("", "satisfied", "问题解决了吗"),
        ("solved", "great", "对处理满意吗"),
    ],
)
def test_missing_answers_refused(resolved, solved, satisfaction, message):
    with pytest.raises(ServiceError) as exc:
        case_feedback_give(
            actor=ReporterPass(case_id=resolved.pk, source="link"),
            case=resolved,
            solved=solved,
            satisfaction=satisfaction,
        )
    assert message in exc.value.message
    assert not CaseFeedback.objects.exists()


def test_signed_in_reporter_answers_as_account(submit, resident, worker_a):
    case = handle(submit(resident), worker_a)
    case_feedback_give(actor=resident, case=case, solved="solved", satisfaction="satisfied")
    fb = CaseFeedback.objects.get(case=case)
    assert fb.source == "account" and fb.actor == resident


def test_operator_call_answers_closed_case_and_may_keep_it_closed(resolved, operator):
    from wangge.cases.workflow import case_transition

    case_transition(case=resolved, actor=operator, action="close")
    result = case_feedback_give(
        actor=operator,
        case=resolved,
        solved="not_solved",
        satisfaction="not_satisfied",
        comment="要求拆除违建，非本平台可办",
        reopen=False,
    )
    resolved.refresh_from_db()
    assert resolved.state == CaseState.CLOSED and not result.reopened
    fb = CaseFeedback.objects.get(case=resolved)
    assert fb.source == "call" and fb.actor == operator
    assert CaseEvent.objects.filter(case=resolved, kind="follow_up").count() == 1
    assert not FollowUpTask.objects.filter(case=resolved, status="open").exists()
