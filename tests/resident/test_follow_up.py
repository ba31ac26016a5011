"""回访 and auto-close: the sweep closes what the reporter never confirmed (with an event that
says so), owes a follow-up call for what was closed without an answer, and the operator's call
goes through the same feedback service."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from tests.resident.conftest import handle
from wangge.cases.access import ReporterPass
from wangge.cases.feedback import case_feedback_give
from wangge.cases.followup import followup_sweep
from wangge.cases.models import CaseEvent, CaseFeedback, CaseState, FollowUpTask
from wangge.cases.workflow import case_transition
from wangge.core.periodic import PERIODIC_TASKS

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
# Monday 2 Nov 2026, an ordinary working week.
MONDAY = datetime(2026, 11, 2, 10, 0, tzinfo=SH)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_sweep_is_a_periodic_task():
    assert "wangge.cases.tasks.sweep_follow_ups" in dict(PERIODIC_TASKS)


def test_unconfirmed_resolved_case_closes_after_n_days(submit, worker_a, settings):
    settings.CASES_AUTO_CLOSE_DAYS = 7
    with time_machine.travel(MONDAY, tick=False):
        case = handle(submit(None, contact_phone="13800001111"), worker_a)
    with time_machine.travel(MONDAY + timedelta(days=6, hours=23), tick=False):
        assert followup_sweep().auto_closed == 0
    case.refresh_from_db()
    assert case.state == CaseState.RESOLVED
    with time_machine.travel(MONDAY + timedelta(days=7, minutes=1), tick=False):
        result = followup_sweep()
    assert result.auto_closed == 1
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    event = CaseEvent.objects.filter(case=case).order_by("-seq").first()
    assert event.kind == "close" and event.actor_id is None and event.payload["auto_close"]
    assert "7 天内群众未确认，系统自动结案" in event.reason
    # The same sweep owes the reporter a call: due 3 working days after the closing.
    task = FollowUpTask.objects.get(case=case)
    assert task.closure == 1 and task.status == "open"
    assert task.due_at.astimezone(SH).date() == datetime(2026, 11, 12).date()  # Mon 9 → Thu 12
    # Sweeping again changes nothing.
    with time_machine.travel(MONDAY + timedelta(days=7, minutes=2), tick=False):
        again = followup_sweep()
    assert (again.auto_closed, again.tasks_created) == (0, 0)


def test_answered_and_phoneless_and_patrol_cases_owe_no_call(submit, worker_a, operator):
    answered = handle(submit(None, contact_phone="13800001111"), worker_a)
    case_feedback_give(
        actor=ReporterPass(case_id=answered.pk, source="link"),
        case=answered,
        solved="solved",
        satisfaction="satisfied",
    )
    phoneless = handle(submit(None), worker_a)
    case_transition(case=phoneless, actor=operator, action="close")
    patrol = handle(submit(worker_a, channel="patrol", contact_phone="13800002222"), worker_a)
    case_transition(case=patrol, actor=operator, action="close")
    assert followup_sweep().tasks_created == 0


def test_hotline_call_is_due_next_working_day(submit, worker_a, operator):
    friday = datetime(2026, 11, 6, 15, 0, tzinfo=SH)
    with time_machine.travel(friday, tick=False):
        case = handle(
            submit(operator, channel="hotline", contact_phone="13800001111", external_id="H1"),
            worker_a,
        )
        case_transition(case=case, actor=operator, action="close")
        followup_sweep()
    task = FollowUpTask.objects.get(case=case)
    assert task.due_at.astimezone(SH).date() == datetime(2026, 11, 9).date()  # Monday


def test_operator_records_the_call_on_the_console(submit, worker_a, operator, worker_b):
    case = handle(submit(None, contact_phone="13800001111", contact_name="李阿姨"), worker_a)
    case_transition(case=case, actor=operator, action="close")
    followup_sweep()
    task = FollowUpTask.objects.get(case=case)
    client = login(operator)
    page = client.get("/console/follow-ups/").content.decode()
    assert case.tracking_code in page and 'data-total="1"' in page
    # The list shows the mask; the full number is revealed on the case page (audited).
    assert "138****1111" in page and "13800001111" not in page
    # Worker B (a grid worker, not the centre) cannot see the list.
    assert login(worker_b).get("/console/follow-ups/").status_code == 403
    # A call without both answers is refused, nothing written.
    response = client.post(f"/console/follow-ups/{task.pk}/", {"solved": "solved"})
    assert response.status_code == 400 and "对处理满意吗" in response.content.decode()
    assert not CaseFeedback.objects.exists()
    # Not solved: reopened for rework.
    response = client.post(
        f"/console/follow-ups/{task.pk}/",
        {
            "solved": "not_solved",
            "satisfaction": "not_satisfied",
            "comment": "玻璃又掉了",
            "reopen": "1",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    task.refresh_from_db()
    assert case.state == CaseState.DISPATCHED and case.rework_count == 1
    assert task.status == "done" and task.done_by == operator
    fb = CaseFeedback.objects.get(case=case)
    assert (fb.source, fb.solved, fb.reopened) == ("call", "not_solved", True)
    # The list can be exported.
    from tests.exports.util import export_rows

    rows = export_rows(client, "cases.follow_ups", "status=done")
    assert [r[0] for r in rows[1:]] == [case.tracking_code]


def test_unreachable_counts_tries_then_gives_up(submit, worker_a, operator):
    case = handle(submit(None, contact_phone="13800001111"), worker_a)
    case_transition(case=case, actor=operator, action="close")
    followup_sweep()
    task = FollowUpTask.objects.get(case=case)
    client = login(operator)
    client.post(f"/console/follow-ups/{task.pk}/", {"outcome": "unreachable", "comment": "无人接"})
    task.refresh_from_db()
    assert (task.attempts, task.status) == (1, "open")
    client.post(f"/console/follow-ups/{task.pk}/", {"outcome": "unreachable", "give_up": "1"})
    task.refresh_from_db()
    assert (task.attempts, task.status) == (2, "unreachable")


@pytest.mark.usefixtures("local_cache")
def test_follow_up_list_query_count(submit, worker_a, operator, django_assert_max_num_queries):
    for _ in range(5):
        case = handle(submit(None, contact_phone="13800001111"), worker_a)
        case_transition(case=case, actor=operator, action="close")
    followup_sweep()
    client = login(operator)
    # 13: the page, its total, session, user, roles and the navigation's serving roles.
    with django_assert_max_num_queries(10):
        assert client.get("/console/follow-ups/").status_code == 200
