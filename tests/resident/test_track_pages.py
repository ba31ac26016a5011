"""The reporter's way back without an account: the browser's kept link, a private link opened
elsewhere, a one-time SMS code; forged/expired links and wrong codes refused, nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from tests.resident.conftest import handle
from wangge.cases.access import LINK_SALT, link_path, link_token
from wangge.cases.models import CaseEvent, CaseFeedback, CaseState, ReporterCode
from wangge.notify.models import OutboxMessage, WebhookEndpoint

pytestmark = pytest.mark.django_db

ANSWER = {"solved": "solved", "satisfaction": "satisfied", "comment": "很及时"}


def _report(client: Client, county, categories, **extra):
    from tests.conftest import GRID_A, grid_centre

    lat, lng = grid_centre(county[GRID_A])
    data = {
        "description": "小区16号楼楼下掉了一地的碎玻璃渣",
        "category": "E0104",
        "lat": lat,
        "lng": lng,
        "address": "怡园小区16号楼",
        "idempotency_key": "k-" + extra.pop("key", "1"),
        **extra,
    }
    response = client.post("/report/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    code = response["Location"].rstrip("/").split("/")[-1]
    return code, response


@pytest.fixture
def sms_gateway(db):
    return WebhookEndpoint.objects.create(
        name="短信网关", url="http://127.0.0.1:9/sms", secret="s", topics=["sms.*"]
    )


def test_same_browser_answers_without_login(client, county, categories, worker_a):
    code, response = _report(client, county, categories)
    assert "wg_reports" in response.cookies
    done = client.get(f"/report/done/{code}/")
    text = done.content.decode()
    assert "/track/" + code + "/k/" in text and "data-private-link" in text
    assert "将由该网格处理" not in text and "等待工作人员接单" in text

    from wangge.cases.models import Case

    case = Case.objects.get(tracking_code=code)
    page = client.get(f"/track/{code}/").content.decode()
    assert "data-answer-form" not in page  # still being handled: nothing to answer yet
    handle(case, worker_a)
    page = client.get(f"/track/{code}/").content.decode()
    assert "data-answer-form" in page and "问题解决了吗？" in page and "登录后" not in page

    response = client.post(f"/track/{code}/answer/", ANSWER)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    page = client.get(f"/track/{code}/").content.decode()
    assert "data-answer-form" not in page
    assert 'data-answer="solved/satisfied"' in page and "很及时" in page

    # A second answer to the same closure: refused in Chinese, nothing written.
    count = case.event_count
    response = client.post(f"/track/{code}/answer/", {**ANSWER, "solved": "partly"})
    assert response.status_code == 409
    assert "已评价过" in response.content.decode()
    case.refresh_from_db()
    assert case.event_count == count and CaseFeedback.objects.count() == 1

    # The browser lists what it filed on /track/.
    assert code in client.get("/track/").content.decode()


def test_other_browser_is_not_the_reporter(client, resolved):
    stranger = Client()
    page = stranger.get(f"/track/{resolved.tracking_code}/").content.decode()
    assert "data-answer-form" not in page
    response = stranger.post(f"/track/{resolved.tracking_code}/answer/", ANSWER)
    assert response.status_code == 403
    assert "只有反映人" in response.content.decode()
    response = stranger.post(f"/track/{resolved.tracking_code}/info/", {"text": "我来捣乱"})
    assert response.status_code == 403
    assert not CaseFeedback.objects.exists()
    assert not CaseEvent.objects.filter(case=resolved, kind="comment").exists()


def test_private_link_opens_on_another_device(resolved):
    phone = Client()
    response = phone.get(link_path(resolved))
    assert (
        response.status_code == 302 and response["Location"] == f"/track/{resolved.tracking_code}/"
    )
    assert "data-answer-form" in phone.get(response["Location"]).content.decode()
    response = phone.post(f"/track/{resolved.tracking_code}/answer/", ANSWER)
    assert response.status_code == 302
    assert CaseFeedback.objects.get(case=resolved).source == "link"


def test_forged_and_foreign_links_refused(resolved, submit):
    other = submit(None)
    token = link_token(resolved)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    browser = Client()
    for path in (
        f"/track/{resolved.tracking_code}/k/{forged}/",
        f"/track/{resolved.tracking_code}/k/not-a-token/",
        f"/track/{resolved.tracking_code}/k/{link_token(other)}/",
    ):
        response = browser.get(path)
        assert response.status_code == 403, path
        body = response.content.decode()
        assert "链接无效" in body or "不符" in body
    assert "wg_reports" not in browser.cookies
    assert browser.post(f"/track/{resolved.tracking_code}/answer/", ANSWER).status_code == 403


def test_expired_link_refused(resolved, settings):
    settings.CASES_ACCESS_LINK_DAYS = 30
    token = signing.dumps(
        {"c": resolved.pk, "t": resolved.tracking_code}, salt=LINK_SALT, compress=True
    ).replace(":", ".")
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        response = Client().get(f"/track/{resolved.tracking_code}/k/{token}/")
    assert response.status_code == 403
    assert "已过期" in response.content.decode()


def test_sms_code_lets_the_reporter_in(resolved, sms_gateway):
    browser = Client()
    page = browser.get(f"/track/{resolved.tracking_code}/").content.decode()
    assert "138****1111" in page and "获取短信验证码" in page
    response = browser.post(f"/track/{resolved.tracking_code}/sms/")
    assert response.status_code == 302
    message = OutboxMessage.objects.get(topic="sms.send", dedupe_key__startswith="sms:reporter")
    assert message.body["payload"]["phone"] == "13800001111"
    code = message.body["payload"]["text"].split("验证码 ")[1][:6]
    response = browser.post(f"/track/{resolved.tracking_code}/sms/check/", {"code": code})
    assert response.status_code == 302
    assert "wg_reports" in response.cookies  # the link is kept for next time
    response = browser.post(f"/track/{resolved.tracking_code}/answer/", ANSWER)
    assert response.status_code == 302
    assert CaseFeedback.objects.get(case=resolved).source == "sms"
    # The code is spent.
    again = Client().post(f"/track/{resolved.tracking_code}/sms/check/", {"code": code})
    assert again.status_code == 403


def test_wrong_sms_codes_are_limited_then_wait(resolved, sms_gateway, settings):
    settings.CASES_SMS_CODE_TRIES = 3
    settings.CASES_SMS_LOCK_MINUTES = 30
    browser = Client()
    browser.post(f"/track/{resolved.tracking_code}/sms/")
    row = ReporterCode.objects.get(case=resolved)
    right = (
        OutboxMessage.objects.get(topic="sms.send").body["payload"]["text"].split("验证码 ")[1][:6]
    )
    wrong = "000000" if right != "000000" else "111111"
    texts = []
    for _ in range(3):
        response = browser.post(f"/track/{resolved.tracking_code}/sms/check/", {"code": wrong})
        assert response.status_code == 403
        texts.append(response.content.decode())
    assert "还可再试 2 次" in texts[0] and "还可再试 1 次" in texts[1]
    assert "分钟后再试" in texts[2]
    # Even the right code is refused now, and no new code is sent during the wait.
    response = browser.post(f"/track/{resolved.tracking_code}/sms/check/", {"code": right})
    assert response.status_code == 403 and "分钟后再试" in response.content.decode()
    response = browser.post(f"/track/{resolved.tracking_code}/sms/")
    assert response.status_code == 403
    assert ReporterCode.objects.filter(case=resolved).count() == 1
    row.refresh_from_db()
    assert row.used_at is None and row.tries == 3
    assert not CaseFeedback.objects.exists()
    # After the wait a new code can be had.
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        assert browser.post(f"/track/{resolved.tracking_code}/sms/").status_code == 302
    assert ReporterCode.objects.filter(case=resolved).count() == 2


def test_no_phone_no_sms(submit, worker_a, sms_gateway):
    case = handle(submit(None), worker_a)
    response = Client().post(f"/track/{case.tracking_code}/sms/")
    assert response.status_code == 400 and "未留手机号" in response.content.decode()


def test_reporter_adds_information(client, county, categories):
    code, _ = _report(client, county, categories)
    response = client.post(f"/track/{code}/info/", {"text": "玻璃在单元门口右侧"})
    assert response.status_code == 302
    event = CaseEvent.objects.get(case__tracking_code=code, kind="comment")
    assert event.reason == "玻璃在单元门口右侧" and event.actor_name == "反映人"


def test_no_gateway_no_sms_offered(resolved):
    page = Client().get(f"/track/{resolved.tracking_code}/").content.decode()
    assert "获取短信验证码" not in page
    response = Client().post(f"/track/{resolved.tracking_code}/sms/")
    assert response.status_code == 400 and "短信服务未开通" in response.content.decode()
    assert not ReporterCode.objects.exists()
