"""Push API, located orders with the hotline's deadline, 回单 export and webhook, phone entry."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from django.utils import timezone
from openpyxl import load_workbook

from tests.conftest import GRID_A
from wangge.cases.contact import case_contact_phone
from wangge.cases.models import Case
from wangge.cases.workflow import case_transition
from wangge.hotline.models import HotlineOrder
from wangge.hotline.services import results_send
from wangge.notify.models import WebhookEndpoint
from wangge.notify.services import outbox_deliver_due


def push(api, source, key, **data):
    body = {
        "order_no": "SX20261123001",
        "received_at": "2026-11-23T09:15:00+08:00",
        "caller_name": "赵六",
        "caller_phone": "13600004444",
        "content": "怡园小区16号楼门口一地碎玻璃，老人小孩容易摔",
        "address": "怡园社区16号楼",
        "category": "道路不洁",
    }
    body.update(data)
    api.credentials(HTTP_AUTHORIZATION=f"Hotline {key}")
    return api.post(f"/api/v1/hotline/sources/{source.code}/orders/", body, format="json")


def test_push_creates_then_updates_never_duplicates(api, source, push_key, building_a):
    deadline = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    r = push(api, source, push_key, deadline=deadline.isoformat())
    assert r.status_code == 201, r.content
    case = Case.objects.get(tracking_code=r.data["tracking_code"])
    # The address resolved to a building: located in grid A and dispatched there.
    assert case.grid.code == GRID_A and case.state == "dispatched"
    # The hotline's own deadline wins over the category's (E0104: 5 working hours).
    assert case.resolve_by == deadline
    assert case.contact_name == "赵六" and case.reporter is None

    r = push(api, source, push_key, deadline=deadline.isoformat())
    assert r.status_code == 200 and r.data["outcome"] == "unchanged"
    r = push(api, source, push_key, deadline=deadline.isoformat(), content="碎玻璃还没人扫")
    assert r.status_code == 200 and r.data["outcome"] == "updated"
    assert r.data["tracking_code"] == case.tracking_code
    order = HotlineOrder.objects.get(order_no="SX20261123001")
    assert order.content == "碎玻璃还没人扫" and order.revision == 1
    assert Case.objects.count() == 1


def test_push_refusals(api, source, push_key):
    assert push(api, source, "wrong-key").status_code == 403
    assert push(api, source, "").status_code == 403
    r = push(api, source, push_key, received_at="刚才")
    assert r.status_code == 400 and "受理时间" in r.data["detail"]
    r = push(api, source, push_key, category="外星人")
    assert r.status_code == 400 and "诉求分类" in r.data["detail"]
    assert push(api, source, push_key, content="").status_code == 400
    source.active = False
    source.save()
    assert push(api, source, push_key).status_code == 403
    assert Case.objects.count() == 0


def test_results_export_and_webhook_on_close(
    api,
    source,
    push_key,
    building_a,
    worker_a,
    operator,
    receiver,
    worker_b,
):
    source.webhook = WebhookEndpoint.objects.create(
        name="12345 回单", url=receiver.url, secret=receiver.secret, topics=[]
    )
    source.save()
    code = push(api, source, push_key).data["tracking_code"]
    case = Case.objects.get(tracking_code=code)
    assert results_send() == 0  # still open: nothing to send
    case_transition(case=case, actor=worker_a, action="claim")
    case_transition(case=case, actor=worker_a, action="resolve", reason="已清扫干净")
    case_transition(case=case, actor=None, action="close")
    assert results_send() == 1
    assert results_send() == 0  # sent once
    outbox_deliver_due()
    [got] = receiver.received
    assert got.signature_ok
    payload = got.json["payload"]
    assert payload["order_no"] == "SX20261123001" and payload["result"] == "已清扫干净"
    assert payload["tracking_code"] == code and payload["status"] == "done"

    api.credentials()
    url = f"/api/v1/hotline/sources/{source.code}/replies/"
    assert api.as_user(worker_b).get(url).status_code == 404
    r = api.as_user(operator).get(url + "?filetype=xlsx")
    assert r.status_code == 200, r.content
    sheet = load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0]
    header, row = list(sheet.iter_rows(values_only=True))
    assert header[:4] == ("工单编号", "查询码", "办理状态", "办理结果")
    assert row[0] == "SX20261123001" and row[3] == "已清扫干净" and row[5]
    r = api.as_user(operator).get(url + "?filetype=csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[1][0] == "SX20261123001" and rows[1][2] == "已结案"
    assert api.as_user(operator).get(url + "?filetype=pdf").status_code == 400


def test_phone_entry_uses_the_common_intake(api, operator, resident, county, categories):
    body = {
        "description": "电话反映：府前路路灯不亮",
        "caller_name": "钱七",
        "caller_phone": "13500005555",
        "address": "府前路",
        "category": "A0106",
    }
    assert (
        api.as_user(resident).post("/api/v1/phone/cases/", body, format="json").status_code == 403
    )
    r = api.as_user(operator).post(
        "/api/v1/phone/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="call-1"
    )
    assert r.status_code == 201, r.content
    case = Case.objects.get(tracking_code=r.data["tracking_code"])
    assert case.channel == "phone" and case_contact_phone(case) == "13500005555"
    again = api.as_user(operator).post(
        "/api/v1/phone/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="call-1"
    )
    assert again.status_code == 200 and again.data["tracking_code"] == case.tracking_code
