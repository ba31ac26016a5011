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
