"""Nothing waits silently and residents hear back: an unclassified report with a sure
suggestion goes to its grid, the page says where a case is, a merged report links to the case
that carries on, status changes reach the reporter's phone and inbox, followers (我也遇到了)
hear too, and nearby open reports are offered on the report form."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import GRID_A, grid_centre
from tests.resident.conftest import handle
from wangge.cases.followers import follower_phone
from wangge.cases.models import CaseFollower, CaseState
from wangge.cases.workflow import case_transition
from wangge.notify.models import InboxItem, OutboxMessage, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_gateway(db):
    return WebhookEndpoint.objects.create(
        name="短信网关", url="http://127.0.0.1:9/sms", secret="s", topics=["sms.*"]
    )


def test_sure_suggestion_goes_to_the_grid_and_the_worker_can_correct(submit, worker_a, categories):
    case = submit(None, category_code=None, description="单元门口一地碎玻璃渣，很危险")
    assert case.state == CaseState.DISPATCHED and case.handling_grid.code == GRID_A
    assert case.category.code == "E0104"
    accept = case.events.get(kind="accept")
    assert accept.payload["suggested"] and "可更正类别" in accept.reason
    # The worker sees it in the queue and corrects the category.
    client = Client()
    client.force_login(worker_a)
    assert case.tracking_code in client.get("/grid-work/").content.decode()
    case_transition(case=case, actor=worker_a, action="recategorize", category=categories["A0106"])
    case.refresh_from_db()
    assert case.category.code == "A0106"
    event = case.events.get(kind="recategorize")
    assert event.payload == {"category": "A0106", "from_category": "E0104"}


def test_unsure_or_unlocated_reports_wait_in_triage_and_say_so(submit, county, categories):
    unsure = submit(None, category_code=None, description="小孩在楼下玩，太吵了")
    assert unsure.state == CaseState.SUBMITTED
    page = Client().get(f"/track/{unsure.tracking_code}/").content.decode()
    assert "等待指挥中心确认类别后派给网格办理" in page
    from wangge.cases.services import case_submit

    nowhere = case_submit(actor=None, channel="h5", description="路灯不亮，晚上很黑").case
    page = Client().get(f"/track/{nowhere.tracking_code}/").content.decode()
    assert "未能定位，正在由指挥中心确定办理单位" in page


def test_merged_report_links_to_the_case_that_carries_on(submit, operator, worker_a):
    master = submit(None)
    twin = submit(None, category_code=None, description="小区16号楼楼下的碎玻璃还没人扫")
    case_transition(case=twin, actor=operator, action="merge", merge_into=master)
    case_transition(case=master, actor=worker_a, action="claim")
    page = Client().get(f"/track/{twin.tracking_code}/").content.decode()
    assert f'data-master="{master.tracking_code}"' in page
    assert f"/track/{master.tracking_code}/" in page
    assert "工作人员已接单，正在处理" in page  # the master's progress, in plain words


def test_reporter_hears_by_sms_with_link_and_followers_hear_too(
    submit, worker_a, resident, sms_gateway
):
    case = submit(None, contact_phone="13800001111")
    follower = Client()
    follower.force_login(resident)
    assert follower.post(f"/track/{case.tracking_code}/follow/", {}).status_code == 302
    Client().post(f"/track/{case.tracking_code}/follow/", {"phone": "13900002222"})
    assert CaseFollower.objects.filter(case=case).count() == 2
    handle(case, worker_a, "已清扫干净")
    sms = {
        m.body["payload"]["phone"]: m.body["payload"]["text"]
        for m in OutboxMessage.objects.filter(topic="sms.send")
    }
    assert "已答复待确认" in sms["13800001111"] and "已清扫干净" in sms["13800001111"]
    assert f"/track/{case.tracking_code}/k/" in sms["13800001111"]
    assert "您关注的问题" in sms["13900002222"] and "/k/" not in sms["13900002222"]
    assert InboxItem.objects.filter(user=resident, topic="case.resolved").exists()
    page = Client().get(f"/track/{case.tracking_code}/").content.decode()
    assert 'data-followers="2"' in page


def test_follow_refusals(submit, resident, operator):
    own = submit(resident)
    client = Client()
    client.force_login(resident)
    response = client.post(f"/track/{own.tracking_code}/follow/", {})
    assert response.status_code == 409 and "自己反映" in response.content.decode()
    response = Client().post(f"/track/{own.tracking_code}/follow/", {"phone": "12345"})
    assert response.status_code == 400 and "11 位手机号" in response.content.decode()
    assert not CaseFollower.objects.exists()


def test_nearby_open_reports_are_offered_before_submitting(submit, county, operator):
    near = submit(None)
    done = submit(None, description="另一处碎玻璃")
    case_transition(case=done, actor=operator, action="merge", merge_into=near)
    far = submit(None, grid_code="350427001002001001")
    lat, lng = grid_centre(county[GRID_A])
    html = Client().get("/report/nearby/", {"lat": lat, "lng": lng}).content.decode()
    assert f'data-nearby="{near.tracking_code}"' in html
    assert done.tracking_code not in html and far.tracking_code not in html
    assert "我也遇到了" in html
    assert Client().get("/report/nearby/", {"lat": "x", "lng": "1"}).status_code == 204
    # "我也遇到了" from the report form posts the form there: a +1, not a second report.
    response = Client().post(
        f"/track/{near.tracking_code}/follow/",
        {"description": "楼下碎玻璃", "contact_phone": "13700003333"},
    )
    assert response.status_code == 302
    assert follower_phone(CaseFollower.objects.get(case=near)) == "13700003333"
