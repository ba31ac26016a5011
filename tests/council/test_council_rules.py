"""Council refusals (4xx in Chinese, nothing written), grid B isolation, the overdue sweep, and
the guard that only the workflow assigns a topic's step."""

from __future__ import annotations

import ast
import pathlib

import time_machine
from django.test import Client

from tests.conftest import COMMUNITY_A, COMMUNITY_B, GRID_A
from wangge.council.models import Attendance, Decision, Meeting, Topic, TopicEvent
from wangge.council.services import (
    decisions_sweep,
    meeting_add_topic,
    meeting_schedule,
    topic_decide,
    topic_discuss,
    topic_propose,
)
from wangge.notify.models import InboxItem

EVENING = "2026-11-17T19:40:00+08:00"


def _discussed(county, staff, title="楼道堆物"):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    topic = topic_propose(
        actor=staff, community=county[COMMUNITY_A], title=title, description="清理"
    )
    meeting = meeting_schedule(
        actor=staff,
        community=county[COMMUNITY_A],
        title="第47期周二说事",
        starts_at=datetime(2026, 11, 17, 19, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
        place="红色议事厅",
    )
    meeting_add_topic(actor=staff, meeting=meeting, topic=topic)
    topic_discuss(actor=staff, topic=topic, minutes="大家同意清理")
    return topic, meeting


@time_machine.travel(EVENING, tick=False)
def test_bad_council_input_writes_nothing(api, county, community_staff, worker_a, resident):
    topic, meeting = _discussed(county, community_staff)
    events = TopicEvent.objects.count()
    api.as_user(community_staff)
    url = f"/api/v1/council/topics/{topic.pk}/decide/"
    for body, status, message in [
        ({"text": "清理", "due_on": "2026-11-24"}, 400, "请指定责任人"),
        ({"text": "清理", "owner": worker_a.username}, 400, "请填写完成期限"),
        ({"text": "", "owner": worker_a.username, "due_on": "2026-11-24"}, 400, "请填写决定事项"),
        (
            {"text": "清理", "owner": worker_a.username, "due_on": "2026-11-01"},
            400,
            "完成期限不能早于今天",
        ),
        ({"text": "清理", "owner": "nobody", "due_on": "2026-11-24"}, 400, "责任人不存在：nobody"),
        (
            {"text": "清理", "owner": resident.username, "due_on": "2026-11-24"},
            400,
            "责任人须为本社区或上级的工作人员",
        ),
    ]:
        r = api.post(url, body, format="json")
        assert r.status_code == status, (body, r.json())
        assert message in r.json()["detail"]
    assert not Decision.objects.exists()
    assert TopicEvent.objects.count() == events
    assert Topic.objects.get(pk=topic.pk).step == "discussed"

    # A topic moved backwards through the steps.
    r = api.post(f"/api/v1/council/topics/{topic.pk}/discuss/", {"minutes": "再议"}, format="json")
    assert r.status_code == 409 and r.json()["detail"] == "议题已到「说事」环节，不能退回「说事」"
    r = api.post(f"/api/v1/council/topics/{topic.pk}/answer/", {"text": "答复"}, format="json")
    assert r.status_code == 409 and r.json()["detail"] == "议题处于「说事」环节，不能息事答复"

    # Follow-up without its answers, a blank topic, a meeting outside one's community.
    r = api.post(f"/api/v1/council/topics/{topic.pk}/follow-up/", {}, format="json")
    assert r.status_code == 400 and r.json()["detail"] == "请选择是否已解决"
    r = api.post(
        "/api/v1/council/topics/",
        {"community": COMMUNITY_A, "title": " ", "description": "x"},
        format="json",
    )
    assert r.status_code == 400 and r.json()["detail"] == "请填写议题"
    r = api.post(
        "/api/v1/council/meetings/",
        {
            "community": COMMUNITY_B,
            "title": "越权",
            "starts_at": "2026-11-24T19:30:00+08:00",
            "place": "x",
        },
        format="json",
    )
    assert r.status_code == 403 and "无权" in r.json()["detail"]
    r = api.post(f"/api/v1/council/meetings/{meeting.pk}/archive/", {}, format="json")
    assert r.status_code == 409 and "尚未回访" in r.json()["detail"]
    assert Meeting.objects.count() == 1 and Topic.objects.count() == 1
    assert TopicEvent.objects.count() == events

    # An attendee signing in twice, on the phone and by staff.
    assert (
        api.as_user(resident).post(f"/api/v1/council/meetings/{meeting.pk}/sign-in/").status_code
        == 201
    )
    r = api.as_user(resident).post(f"/api/v1/council/meetings/{meeting.pk}/sign-in/")
    assert r.status_code == 409 and r.json()["detail"] == f"{resident} 已签到，不能重复签到"
    r = api.as_user(community_staff).post(
        f"/api/v1/council/meetings/{meeting.pk}/sign-in/",
        {"user": resident.username},
        format="json",
    )
    assert r.status_code == 409
    assert Attendance.objects.count() == 1


@time_machine.travel(EVENING, tick=False)
def test_grid_b_sees_nothing_of_grid_a(api, county, community_staff, community_b_staff, worker_b):
    topic, meeting = _discussed(county, community_staff)
    for user in (worker_b, community_b_staff):
        api.as_user(user)
        assert api.get("/api/v1/council/topics/").json()["count"] == 0
        assert api.get("/api/v1/council/meetings/").json()["count"] == 0
        assert api.get(f"/api/v1/council/topics/{topic.pk}/").status_code == 404
        assert api.get(f"/api/v1/council/meetings/{meeting.pk}/").status_code == 404
        r = api.post(
            f"/api/v1/council/topics/{topic.pk}/decide/",
            {"text": "x", "owner": user.username, "due_on": "2026-11-30"},
            format="json",
        )
        assert r.status_code == 404
        assert api.post(f"/api/v1/council/meetings/{meeting.pk}/archive/").status_code == 404
        stats = api.get("/api/v1/council/stats/?start=2026-01-01&end=2026-12-31").json()
        assert stats["topics"] == 0 and stats["meetings_held"] == 0
        web = Client()
        web.force_login(user)
        assert web.get(f"/council/meetings/{meeting.pk}/").status_code == 404
        assert web.get(f"/council/meetings/{meeting.pk}/minutes/").status_code == 404
    assert Topic.objects.get(pk=topic.pk).step == "discussed"


def test_overdue_decisions_are_swept_once(api, county, community_staff, worker_a):
    from datetime import date

    with time_machine.travel(EVENING, tick=False):
        topic, _m = _discussed(county, community_staff)
        decision = topic_decide(
            actor=community_staff,
            topic=topic,
            text="清理楼道",
            owner=worker_a,
            due_on=date(2026, 11, 20),
        )
    with time_machine.travel("2026-11-20T23:59:00+08:00", tick=False):
        assert decisions_sweep().flagged == 0  # due today is not yet overdue
    with time_machine.travel("2026-11-21T00:01:00+08:00", tick=False):
        assert decisions_sweep().flagged == 1
        assert decisions_sweep().flagged == 0
        decision.refresh_from_db()
        assert decision.overdue
        assert (
            InboxItem.objects.filter(user=worker_a, topic="council.decision_overdue").count() == 1
        )
        mine = api.as_user(worker_a).get("/api/v1/council/decisions/?mine=1&overdue=1").json()
        assert [d["id"] for d in mine["results"]] == [decision.pk]
        web = Client()
        web.force_login(worker_a)
        page = web.get("/council/decisions/?overdue=1")
        assert page.status_code == 200 and "清理楼道" in page.content.decode()
        assert TopicEvent.objects.filter(topic=topic, kind="decision_overdue").count() == 1


def test_sweep_is_a_periodic_task():
    from wangge.core.periodic import PERIODIC_TASKS

    assert "wangge.council.tasks.sweep_decisions" in dict(PERIODIC_TASKS)


def test_only_the_workflow_assigns_the_step():
    """No code outside wangge/council/workflow.py assigns `step`: no `x.step = …`, no
    `update(step=…)` / `create(step=…)`, no `{"step": …}` changes."""
    root = pathlib.Path(__file__).resolve().parents[2] / "wangge"
    offenders = []
    for path in root.rglob("*.py"):
        if "migrations" in path.parts or path == root / "council" / "workflow.py":
            continue
        text = path.read_text()
        if "Topic" not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            store = isinstance(node, ast.Attribute) and node.attr == "step"
            store = store and isinstance(node.ctx, ast.Store)
            call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            call = call and node.func.attr in ("update", "create", "update_or_create")
            call = call and any(k.arg == "step" for k in node.keywords)
            key = isinstance(node, ast.Dict) and any(
                isinstance(k, ast.Constant) and k.value == "step" for k in node.keys
            )
            if store or call or key:
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []


def test_step_update_outside_the_workflow_raises(county, community_staff):
    import pytest

    topic = topic_propose(
        actor=community_staff, community=county[COMMUNITY_A], title="t", description="d"
    )
    with pytest.raises(RuntimeError, match="topic_transition"):
        Topic.objects.filter(pk=topic.pk).update(step="archived")
    assert Topic.objects.get(pk=topic.pk).step == "asked"


@time_machine.travel(EVENING, tick=False)
def test_list_query_counts(api, county, community_staff, worker_a, django_assert_max_num_queries):
    for i in range(8):
        _discussed(county, community_staff, title=f"议题{i}")
    api.as_user(community_staff)
    with django_assert_max_num_queries(10):
        assert api.get("/api/v1/council/topics/?limit=50").json()["count"] == 8
    with django_assert_max_num_queries(10):
        assert api.get("/api/v1/council/meetings/?limit=50").json()["count"] == 8
    web = Client()
    web.force_login(community_staff)
    with django_assert_max_num_queries(20):
        assert web.get("/council/desk/").status_code == 200
    from tests.exports.util import export_rows

    assert len(export_rows(web, "council.meetings")) == 9  # the header and eight meetings
    assert GRID_A  # the topics sit in community A


def test_cockpit_shows_the_council_panel(county, community_staff, worker_a):
    from django.test import Client

    with time_machine.travel(EVENING, tick=False):
        _discussed(county, community_staff)
        web = Client()
        web.force_login(community_staff)
        page = web.get("/cockpit/?start=2026-11-01&end=2026-11-30")
        assert page.status_code == 200
        html = page.content.decode()
        assert 'data-panel="council"' in html
        assert 'data-council="meetings">1<' in html and 'data-council="topics">1<' in html
