"""Who hears about a case: outbox rows written in the same transaction as the event."""

from __future__ import annotations

import pytest

from tests.conftest import COMMUNITY_A, ZONE_A
from wangge.cases.workflow import case_transition
from wangge.core.api import ServiceError
from wangge.notify.models import InboxItem, OutboxMessage, WebhookEndpoint


def inbox(user):
    return list(InboxItem.objects.filter(user=user).order_by("id").values_list("topic", flat=True))


def test_dispatch_reaches_the_grid_and_answers_reach_the_reporter(
    submit, resident, worker_a, worker_b, community_staff
):
    case = submit(resident)
    assert inbox(worker_a) == ["case.dispatched"]
    assert inbox(worker_b) == []
    case_transition(case=case, actor=worker_a, action="claim")
    case_transition(case=case, actor=worker_a, action="reply", reason="马上去清理")
    case_transition(case=case, actor=worker_a, action="resolve", reason="已清理")
    assert inbox(resident) == ["case.replied", "case.resolved"]
    item = InboxItem.objects.filter(user=resident).first()
    assert item.payload["tracking_code"] == case.tracking_code
    # Residents' messages open the public case page (a follower has no staff access).
    assert item.link == f"/track/{case.tracking_code}/"


def test_escalation_reaches_the_next_level(submit, resident, worker_a, community_staff, county):
    from tests.conftest import make_user
    from wangge.accounts.models import Role

    zone_head = make_user("zone_head", Role.GRID_HEAD, county[ZONE_A])
    case = submit(resident)
    case_transition(case=case, actor=worker_a, action="escalate", reason="处理不了")
    assert inbox(zone_head) == ["case.escalated"]
    case_transition(case=case, actor=zone_head, action="escalate", reason="涉及多个片区")
    assert case.handling_grid.code == COMMUNITY_A
    assert inbox(community_staff) == ["case.escalated"]


def test_webhooks_subscribed_to_a_topic_get_a_row(submit, resident, county):
    WebhookEndpoint.objects.create(
        name="短信网关", url="http://127.0.0.1:9/hook", topics=["case.dispatched"]
    )
    submit(resident)
    assert OutboxMessage.objects.filter(topic="case.dispatched").count() == 1


def test_a_refused_intake_leaves_no_notification(submit, resident, worker_a):
    with pytest.raises(ServiceError):
        submit(resident, category_code="X0000")
    assert InboxItem.objects.count() == 0


def test_a_new_cases_compiled_readers_are_the_querysets_readers(
    submit, resident, worker_a, operator, county, departments
):
    """The intake names its notices' readers by compiled queries (a grid, a department, the
    district's operators); each yields the users its queryset would, and a case with
    co-handlers keeps the queryset."""
    from django.db import connection

    from tests.conftest import GRID_A, make_user
    from wangge.accounts.models import Role
    from wangge.cases.notifications import (
        triage_operator_readers,
        triage_operators,
        unit_member_readers,
        unit_members,
    )
    from wangge.core.compiled import BoundQuery
    from wangge.notify.services import reader_ids

    head = make_user("head_a", Role.BUILDING_HEAD, county[GRID_A])
    handler = make_user("handler_x", Role.DEPARTMENT_HANDLER, department=departments["chengguan"])

    def ids(readers) -> set[int]:
        if isinstance(readers, BoundQuery):
            sql, params = readers.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return {row[0] for row in cursor.fetchall()}
        return set(reader_ids(readers))

    case = submit(resident)
    by_grid, triage = unit_member_readers(case, []), triage_operator_readers(case)
    assert isinstance(by_grid, BoundQuery) and isinstance(triage, BoundQuery)
    assert ids(by_grid) == ids(unit_members(case, co_department_ids=[])) != set()
    assert {worker_a.pk, head.pk} <= ids(by_grid)
    assert ids(triage) == ids(triage_operators(case)) == {operator.pk}

    # A community handles it: its staff hear, its leader (a read-only role) does not.
    staff = make_user("staff_c", Role.COMMUNITY_STAFF, county[COMMUNITY_A])
    make_user("leader_c", Role.LEADER, county[COMMUNITY_A])
    case.handling_grid_id = county[COMMUNITY_A].pk
    by_community = unit_member_readers(case, [])
    assert ids(by_community) == ids(unit_members(case, co_department_ids=[])) == {staff.pk}

    case.handling_grid_id, case.handling_department_id = None, departments["chengguan"].pk
    by_department = unit_member_readers(case, [])
    assert isinstance(by_department, BoundQuery)
    assert ids(by_department) == ids(unit_members(case, co_department_ids=[])) == {handler.pk}
    assert not isinstance(unit_member_readers(case, [departments["chengguan"].pk]), BoundQuery)
