"""答复模板: kept per unit (page, API, admin), offered on the unit's cases filled from the case,
edited and sent as an ordinary reply."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import COMMUNITY_A, COMMUNITY_B, DISTRICT
from wangge.cases.models import CaseEvent, ReplyTemplate
from wangge.cases.replies import reply_render, reply_template_save, reply_templates_for_case
from wangge.core.api import Forbidden, ServiceError

BODY = "{反映人}您好：您反映的{类别}问题（查询码 {查询码}）已由{处置单位}处理完毕。"


@pytest.fixture
def template_a(community_staff, county):
    return reply_template_save(
        actor=community_staff, grid=county[COMMUNITY_A], title="办结答复", body=BODY
    )


def test_filled_from_the_case(submit, resident, template_a):
    case = submit(resident, contact_name="王阿姨")
    text = reply_render(template=template_a, case=case)
    assert text == (
        f"王阿姨您好：您反映的{case.category.name}问题（查询码 {case.tracking_code}）"
        f"已由{case.handling_grid.name}处理完毕。"
    )
    anonymous = submit(resident, anonymous=True, description="路口有碎玻璃，请处理")
    assert reply_render(template=template_a, case=anonymous).startswith("群众您好")


def test_offered_on_the_units_cases_only(submit, resident, template_a, county, operator):
    from tests.conftest import GRID_B

    case_a = submit(resident)
    case_b = submit(resident, GRID_B, description="府前社区路面有碎玻璃")
    district = reply_template_save(
        actor=operator, grid=county[DISTRICT], title="区通用", body="已收到，{日期}前答复。"
    )
    assert set(reply_templates_for_case(case_a)) == {template_a, district}
    assert list(reply_templates_for_case(case_b)) == [district]
    reply_template_save(
        actor=operator, template=district, title="区通用", body="停用", is_active=False
    )
    assert list(reply_templates_for_case(case_b)) == []


def test_only_the_units_keepers_and_known_placeholders(
    community_staff, worker_a, county, template_a
):
    with pytest.raises(Forbidden):  # another community's
        reply_template_save(
            actor=community_staff, grid=county[COMMUNITY_B], title="越权", body="你好"
        )
    with pytest.raises(Forbidden):  # a grid worker keeps none
        reply_template_save(actor=worker_a, grid=county[COMMUNITY_A], title="x", body="你好")
    with pytest.raises(ServiceError) as exc:
        reply_template_save(
            actor=community_staff, grid=county[COMMUNITY_A], title="坏", body="{电话}你好"
        )
    assert "{电话}" in exc.value.message
    with pytest.raises(ServiceError) as exc:
        reply_template_save(
            actor=community_staff, grid=county[COMMUNITY_A], title="办结答复", body="重名"
        )
    assert exc.value.code == "title"
    assert ReplyTemplate.objects.count() == 1


def test_api_keeps_and_fills(api, submit, resident, community_staff, worker_a, worker_b):
    staff = api.as_user(community_staff)
    r = staff.post(
        "/api/v1/reply-templates/",
        {"grid": COMMUNITY_A, "title": "已派单", "body": "{反映人}您好，已派{处置单位}处理"},
        format="json",
    )
    assert r.status_code == 201, r.data
    pk = r.data["id"]
    r = staff.post(
        "/api/v1/reply-templates/", {"grid": COMMUNITY_B, "title": "越权", "body": "你好"}
    )
    assert r.status_code == 403
    r = staff.post("/api/v1/reply-templates/", {"grid": COMMUNITY_A, "title": "", "body": "x"})
    assert r.status_code == 400 and "名称" in r.data["detail"]
    r = staff.put(
        f"/api/v1/reply-templates/{pk}/",
        {"title": "已派单", "body": "{反映人}您好，已派{处置单位}处理，请留意电话"},
        format="json",
    )
    assert r.status_code == 200 and "留意电话" in r.data["body"]
    assert api.as_user(worker_b).put(f"/api/v1/reply-templates/{pk}/", {}).status_code == 404
    case = submit(resident, contact_name="李先生")
    filled = api.as_user(worker_a).get(f"/api/v1/cases/{case.tracking_code}/reply-templates/")
    assert filled.status_code == 200
    assert filled.data[0]["text"].startswith("李先生您好，已派")
    assert (
        api.as_user(worker_b).get(f"/api/v1/cases/{case.tracking_code}/reply-templates/")
    ).status_code == 404


def test_case_page_offers_filled_templates_and_sends_the_edited_text(
    submit, resident, worker_a, template_a
):
    case = submit(resident, contact_name="王阿姨")
    client = Client()
    client.force_login(worker_a)
    html = client.get(f"/cases/{case.tracking_code}/").content.decode()
    assert 'data-reply-template="reason-reply"' in html and "王阿姨您好" in html
    r = client.post(f"/cases/{case.tracking_code}/do/reply/", {"reason": "王阿姨您好：已改过"})
    assert r.status_code == 302
    assert CaseEvent.objects.filter(case=case, kind="reply").get().reason == "王阿姨您好：已改过"


def test_page_lists_adds_refuses_and_edits(client_for_staff, community_staff, template_a):
    client = client_for_staff
    html = client.get("/console/replies/").content.decode()
    assert "办结答复" in html and "{查询码}" in html
    r = client.post(
        "/console/replies/", {"unit": f"g:{COMMUNITY_A}", "title": "坏", "body": "{手机}"}
    )
    assert r.status_code == 400
    body = r.content.decode()
    assert "不认识的占位符" in body and "{手机}" in body  # what was typed is kept
    r = client.post(
        f"/console/replies/{template_a.pk}/",
        {"unit": f"g:{COMMUNITY_A}", "title": "办结答复", "body": "已办结。", "is_active": ""},
    )
    assert r.status_code == 302
    template_a.refresh_from_db()
    assert template_a.body == "已办结。" and not template_a.is_active
    r = client.post("/console/replies/", {"unit": f"g:{COMMUNITY_B}", "title": "x", "body": "y"})
    assert r.status_code == 400  # not one of the offered units


def test_page_refuses_other_units_and_workers(client_for_staff, worker_a, template_a, county):
    from tests.conftest import make_user
    from wangge.accounts.models import Role

    staff_b = make_user("staff_b", Role.COMMUNITY_STAFF, county[COMMUNITY_B])
    other = Client()
    other.force_login(staff_b)
    assert other.get(f"/console/replies/{template_a.pk}/").status_code == 404
    assert "办结答复" not in other.get("/console/replies/").content.decode()
    worker = Client()
    worker.force_login(worker_a)
    assert worker.get("/console/replies/").status_code == 403


def test_admin_checks_placeholders(admin_user, county):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = Client()
    client.force_login(admin_user)
    r = client.post(
        "/admin/cases/replytemplate/add/",
        {"grid": county[DISTRICT].pk, "title": "t", "body": "{不存在}", "is_active": "on"},
    )
    assert r.status_code == 200 and "不认识的占位符" in r.content.decode()
    assert not ReplyTemplate.objects.exists()


@pytest.fixture
def client_for_staff(community_staff):
    client = Client()
    client.force_login(community_staff)
    return client
