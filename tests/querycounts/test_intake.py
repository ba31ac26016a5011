"""Case intake on every channel in at most eight SQL statements, BEGIN and COMMIT included.

Each test reports once to warm the per-process caches (categories, routing rules, departments,
webhook endpoints, grids, the working calendar, the case ids taken ahead), then counts the
statements of a second report through the channel's own endpoint: authentication, the
duplicate search, the named building, the writes. Inside the test's transaction the intake's
BEGIN and COMMIT are a SAVEPOINT and its RELEASE, and are counted as such.

The caches re-read their version stamps every few seconds (CONFIG_CHECK_SECONDS and the like);
the checks are pushed out of the measured window so the count is the steady state, one version
read per interval being what a running server adds (docs/cases.md).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import GRID_A, grid_centre
from wangge.cases.chain import chain_verify
from wangge.cases.models import Case, CaseState
from wangge.notify.models import InboxItem, OutboxMessage, WebhookEndpoint
from wangge.notify.signing import sign

pytestmark = pytest.mark.django_db

BUDGET = 8


@pytest.fixture(autouse=True)
def _steady_state(settings):
    for name in (
        "CONFIG_CHECK_SECONDS",
        "GRID_INDEX_CHECK_SECONDS",
        "WORKCAL_CHECK_SECONDS",
        "SUGGEST_RELOAD_SECONDS",
    ):
        setattr(settings, name, 3600)


# With an API token the caller's roles come with the token's read: one statement fewer.
TOKEN_BUDGET = BUDGET - 1


def measured(report: Callable[[int], Any]) -> tuple[Any, list[str]]:
    """Report once to warm the caches, then count a second report's statements."""
    report(0)
    with CaptureQueriesContext(connection) as ctx:
        result = report(1)
    return result, [q["sql"] for q in ctx.captured_queries]


def assert_lean(sql: list[str], budget: int = BUDGET) -> None:
    assert len(sql) <= budget, f"{len(sql)} statements:\n" + "\n".join(s[:160] for s in sql)
    # The case is written once, in its final state: no UPDATE of the row just inserted.
    assert not any(s.startswith("UPDATE") for s in sql), sql


def assert_dispatched(code: str, worker) -> Case:
    case = Case.objects.get(tracking_code=code)
    assert case.state == CaseState.DISPATCHED and case.handling_grid.code == GRID_A
    assert case.events.count() == 2 and case.event_count == 2
    assert chain_verify(case_ids=[case.pk]) == []
    assert InboxItem.objects.filter(user=worker, payload__tracking_code=code).exists()
    return case


def test_rest_intake_by_a_resident(api, county, categories, resident, worker_a, operator):
    api.as_user(resident)
    lat, lng = grid_centre(county[GRID_A])

    def report(i: int):
        r = api.post(
            "/api/v1/cases/",
            {"description": f"楼下一地碎玻璃（{i}）", "lat": lat, "lng": lng,
             "category_code": "E0104"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"rest-{i}",
        )  # fmt: skip
        assert r.status_code == 201, r.content
        return r.json()

    body, sql = measured(report)
    assert_lean(sql, TOKEN_BUDGET)
    # The answer is the detail, rendered from what was written.
    assert [e["kind"] for e in body["timeline"]] == ["submit", "accept"]
    assert body["handling_unit"]["code"] == GRID_A and body["allowed_actions"]
    assert_dispatched(body["tracking_code"], worker_a)
    # Triage operators hear of every new case, as before.
    assert InboxItem.objects.filter(user=operator, topic="case.created").count() == 2


def test_rest_intake_without_a_category_routes_on_the_suggestion(
    api, county, categories, resident, worker_a
):
    api.as_user(resident)
    lat, lng = grid_centre(county[GRID_A])

    def report(i: int):
        r = api.post(
            "/api/v1/cases/",
            {"description": f"门口一地碎玻璃渣和油污，路面脏（{i}）", "lat": lat, "lng": lng},
            format="json",
        )
        assert r.status_code == 201, r.content
        return r.json()

    body, sql = measured(report)
    assert_lean(sql, TOKEN_BUDGET)
    assert body["category_code"] == "E0104" and body["suggested_category"] == "E0104"
    assert_dispatched(body["tracking_code"], worker_a)


def test_patrol_report_by_a_grid_worker(api, county, categories, worker_a):
    api.as_user(worker_a)
    lat, lng = grid_centre(county[GRID_A])

    def report(i: int):
        r = api.post(
            "/api/v1/cases/",
            {"description": f"巡查发现路面油污（{i}）", "lat": lat, "lng": lng,
             "category_code": "E0104", "channel": "patrol"},
            format="json",
        )  # fmt: skip
        assert r.status_code == 201, r.content
        return r.json()

    body, sql = measured(report)
    assert_lean(sql, TOKEN_BUDGET)
    case = Case.objects.get(tracking_code=body["tracking_code"])
    assert case.channel == "patrol" and case.state == CaseState.DISPATCHED
    assert "claim" in body["allowed_actions"]


def test_phone_entry_by_an_operator(api, county, categories, operator, worker_a):
    api.as_user(operator)
    lat, lng = grid_centre(county[GRID_A])

    def report(i: int):
        r = api.post(
            "/api/v1/phone/cases/",
            {"description": f"电话反映：门口碎玻璃（{i}）", "lat": lat, "lng": lng,
             "category": "E0104", "caller_name": "钱七", "caller_phone": "13500005555"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"call-{i}",
        )  # fmt: skip
        assert r.status_code == 201, r.content
        return r.json()

    body, sql = measured(report)
    assert_lean(sql, TOKEN_BUDGET)
    assert_dispatched(body["tracking_code"], worker_a)


def test_open311_post(county, categories, worker_a):
    from wangge.open311.models import Open311Request
    from wangge.open311.services import api_client_create

    key = api_client_create(actor=None, name="市民通 App")[1]
    lat, lng = grid_centre(county[GRID_A])
    client = Client()

    def report(i: int):
        r = client.post(
            "/open311/v2/requests.json",
            {"api_key": key, "service_code": "E0104", "lat": lat, "long": lng,
             "description": f"小区门口一地碎玻璃（{i}）", "first_name": "明", "last_name": "王"},
        )  # fmt: skip
        assert r.status_code == 200, r.content
        return r.json()[0]

    row, sql = measured(report)
    assert_lean(sql)
    assert_dispatched(row["service_request_id"], worker_a)
    assert (
        str(Open311Request.objects.get(case__tracking_code=row["service_request_id"]).token)
        == (row["token"])
    )


def test_hotline_push(api, county, categories, worker_a):
    from tests.conftest import COMMUNITY_A
    from wangge.hotline.models import HotlineOrder, HotlineSource
    from wangge.hotline.services import source_key_issue
    from wangge.people.services import building_create

    lat, lng = grid_centre(county[GRID_A])
    building_create(actor=None, community=county[COMMUNITY_A], number="16号楼", lat=lat, lng=lng)
    source = HotlineSource.objects.create(code="city12345", name="市 12345 热线")
    key = source_key_issue(actor=None, source=source)
    api.credentials(HTTP_AUTHORIZATION=f"Hotline {key}")

    def report(i: int):
        r = api.post(
            f"/api/v1/hotline/sources/{source.code}/orders/",
            {"order_no": f"SX2026112300{i}", "received_at": "2026-11-23T09:15:00+08:00",
             "caller_name": "赵六", "caller_phone": "13600004444",
             "content": f"怡园小区16号楼门口一地碎玻璃（{i}）", "address": "怡园社区16号楼",
             "category": "道路不洁"},
            format="json",
        )  # fmt: skip
        assert r.status_code == 201, r.content
        return r.json()

    body, sql = measured(report)
    assert_lean(sql)
    assert_dispatched(body["tracking_code"], worker_a)
    assert HotlineOrder.objects.filter(order_no="SX20261123001").exists()


def test_hotline_file_import_per_order(county, categories, worker_a, operator):
    """A file import costs one statement for the file's known orders, then the same per new
    order as a push (here: without a building, so no point and no duplicate search)."""
    from tests.hotline.conftest import order_rows, xlsx_bytes
    from wangge.hotline.models import HotlineSource
    from wangge.hotline.services import import_rows

    source = HotlineSource.objects.create(code="city12345", name="市 12345 热线")
    rows = order_rows(6)
    import_rows(actor=operator, source=source, data=xlsx_bytes(rows[:1]), filename="a.xlsx")
    with CaptureQueriesContext(connection) as ctx:
        report = import_rows(
            actor=operator, source=source, data=xlsx_bytes(rows), filename="b.xlsx"
        )
    assert report.created == 5 and report.unchanged == 1, report
    per_order = (len(ctx.captured_queries) - 1) / 5
    assert per_order <= BUDGET, [q["sql"][:120] for q in ctx.captured_queries]


def test_chat_bridge_request(api, county, categories, worker_a):
    from wangge.chat.models import ChatGroup, ChatStaff

    endpoint = WebhookEndpoint.objects.create(
        name="怡园一网格群机器人", url="http://127.0.0.1:9/", secret="s", topics=[]
    )
    group = ChatGroup.objects.create(
        group_id="wx-group-yiyuan-1", name="怡园小区一网格群", grid=county[GRID_A],
        secret="群密钥", endpoint=endpoint,
    )  # fmt: skip
    ChatStaff.objects.create(group=group, sender_id="wx_worker_a", user=worker_a)

    def report(i: int):
        body = {
            "group_id": group.group_id, "message_id": f"m{i}",
            "sender": {"id": "wx_li", "name": "李阿姨"},
            "text": f"@网格员 楼下一地碎玻璃没人扫，小孩容易踩到（{i}）",
            "mentions": ["wx_worker_a"], "images": [],
        }  # fmt: skip
        raw = json.dumps(body, ensure_ascii=False).encode()
        ts = str(int(time.time()))
        r = api.post(
            "/api/v1/chat/webhook/", raw, content_type="application/json",
            HTTP_X_WANGGE_TIMESTAMP=ts, HTTP_X_WANGGE_SIGNATURE=sign("群密钥", ts, raw),
        )  # fmt: skip
        assert r.status_code == 200 and r.json()["result"] == "request", r.content
        return r.json()

    body, sql = measured(report)
    assert_lean(sql)
    case = Case.objects.get(tracking_code=body["tracking_code"])
    assert case.channel == "chat" and case.grid.code == GRID_A
    # The acknowledgement into the group is queued in the same transaction.
    assert OutboxMessage.objects.filter(endpoint=endpoint, topic="chat.reply").count() == 2


def test_a_subscribed_webhook_costs_one_statement_for_all_its_rows(
    api, county, categories, resident, worker_a
):
    """Every delivery of an intake (case.created and case.dispatched) is one INSERT."""
    WebhookEndpoint.objects.create(
        name="短信网关", url="http://127.0.0.1:9/hook", secret="s", topics=["case.*"]
    )
    api.as_user(resident)
    lat, lng = grid_centre(county[GRID_A])

    def report(i: int):
        r = api.post(
            "/api/v1/cases/",
            {"description": f"楼下一地碎玻璃（{i}）", "lat": lat, "lng": lng,
             "category_code": "E0104"},
            format="json",
        )  # fmt: skip
        assert r.status_code == 201, r.content
        return r.json()

    body, sql = measured(report)
    assert len(sql) <= BUDGET + 1, sql
    assert sum('"notify_outboxmessage"' in s.split("(")[0] for s in sql) == 1
    assert set(
        OutboxMessage.objects.filter(
            body__payload__tracking_code=body["tracking_code"]
        ).values_list("topic", flat=True)
    ) == {"case.created", "case.dispatched"}
