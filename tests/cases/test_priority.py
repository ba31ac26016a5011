"""Priorities (普通 / 紧急 / 特急): from the category at intake, set by dispatchers with an event,
filtered and sorted in the console, shown as a badge."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import GRID_B
from wangge.cases.models import Case, CaseEvent, Priority
from wangge.cases.workflow import case_transition
from wangge.core.api import Forbidden, ServiceError
from wangge.notify.models import InboxItem


def test_urgent_categories_start_urgent(submit, resident):
    assert submit(resident).priority == Priority.NORMAL
    flooded = submit(resident, description="小区门口道路积水很深", category_code="E0403")
    assert flooded.urgent and flooded.priority == Priority.URGENT


def test_dispatcher_sets_priority_with_an_event(api, submit, resident, operator, worker_a):
    case = submit(resident)
    url = f"/api/v1/cases/{case.tracking_code}/actions/prioritize/"
    r = api.as_user(operator).post(
        url, {"payload": {"priority": 2}, "reason": "涉及学生上学路"}, format="json"
    )
    assert r.status_code == 200, r.data
    assert r.data["priority"] == 2 and r.data["priority_display"] == "特急"
    event = CaseEvent.objects.filter(case=case).last()
    assert event.kind == "prioritize" and event.payload == {"priority": 2, "from_priority": 0}
    assert InboxItem.objects.filter(user=worker_a, topic="case.prioritized").exists()
    # Unchanged, unknown or missing values are refused with nothing written.
    for bad in (2, 7, "高", None, True):
        r = api.as_user(operator).post(url, {"payload": {"priority": bad}}, format="json")
        assert r.status_code == 400 and r.data["code"] == "priority", bad
    assert CaseEvent.objects.filter(case=case, kind="prioritize").count() == 1
    # A grid worker handles, but does not decide priorities.
    r = api.as_user(worker_a).post(url, {"payload": {"priority": 0}}, format="json")
    assert r.status_code == 403


def test_recategorizing_to_an_urgent_category_raises_but_never_lowers(
    submit, resident, operator, categories
):
    case = submit(resident)
    case_transition(case=case, actor=operator, action="prioritize", payload={"priority": 2})
    case_transition(case=case, actor=operator, action="recategorize", category=categories["E0403"])
    assert Case.objects.get(pk=case.pk).priority == Priority.CRITICAL
    other = submit(resident, description="楼下路面有一片碎玻璃")
    case_transition(case=other, actor=operator, action="recategorize", category=categories["E0403"])
    assert Case.objects.get(pk=other.pk).priority == Priority.URGENT


def test_outside_scope_and_plain_save_cannot_change_it(submit, resident, worker_b, county):
    from tests.conftest import make_user
    from wangge.accounts.models import Role

    case = submit(resident)
    staff_b = make_user("staff_b", Role.COMMUNITY_STAFF, county[GRID_B].parent.parent)
    with pytest.raises(Forbidden):
        case_transition(case=case, actor=staff_b, action="prioritize", payload={"priority": 1})
    # The workflow's effects own the column: a stale copy's save leaves it alone.
    copy = Case.objects.get(pk=case.pk)
    copy.priority = 2
    copy.save()
    assert Case.objects.get(pk=case.pk).priority == Priority.NORMAL


def test_api_list_filters_by_priority(api, submit, resident, operator):
    plain = submit(resident)
    urgent = submit(resident, description="小区门口道路积水很深", category_code="E0403")
    rows = api.as_user(operator).get("/api/v1/cases/", {"priority": 1}).data["results"]
    assert [r["tracking_code"] for r in rows] == [urgent.tracking_code]
    assert plain.tracking_code not in str(rows)
    r = api.as_user(operator).get("/api/v1/cases/", {"priority": "9"})
    assert r.status_code == 400 and "优先级" in r.data["detail"]


def test_console_filters_sorts_and_badges(submit, resident, operator):
    plain = submit(resident, description="楼道灯坏了好几天")
    urgent = submit(resident, description="小区门口道路积水很深", category_code="E0403")
    case_transition(case=plain, actor=operator, action="prioritize", payload={"priority": 2})
    client = Client()
    client.force_login(operator)
    html = client.get("/console/", {"tab": "open", "sort": "priority"}).content.decode()
    assert html.index(plain.tracking_code) < html.index(urgent.tracking_code)
    assert 'data-priority="2"' in html and "特急" in html and 'data-priority="1"' in html
    html = client.get("/console/", {"tab": "all", "priority": "1"}).content.decode()
    assert urgent.tracking_code in html and plain.tracking_code not in html
    r = client.get("/console/", {"tab": "all", "priority": "x"})
    assert r.status_code == 200 and "选择一个有效的选项" in r.content.decode()
    detail = client.get(f"/cases/{plain.tracking_code}/").content.decode()
    assert 'data-action="prioritize"' in detail and 'data-priority="2"' in detail


def test_page_refusal_keeps_the_form(submit, resident, operator):
    case = submit(resident)
    client = Client()
    client.force_login(operator)
    r = client.post(f"/cases/{case.tracking_code}/do/prioritize/", {"priority": "0"})
    assert r.status_code == 400 and "优先级未改变" in r.content.decode()


def test_effect_refuses_without_a_value(submit, resident, operator):
    case = submit(resident)
    with pytest.raises(ServiceError):
        case_transition(case=case, actor=operator, action="prioritize")
