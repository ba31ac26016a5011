"""The chat bridge end to end: signed deliveries, cases in the right grid, replies delivered."""

from __future__ import annotations

import base64
import time

from tests.chat.conftest import message, signed
from tests.conftest import GRID_A
from tests.open311.conftest import png_bytes
from wangge.cases.models import Case
from wangge.chat.models import ChatMessage
from wangge.chat.services import results_send
from wangge.notify.services import outbox_deliver_due

GLASS = "3栋楼道的窗户玻璃碎了，小孩进进出出很危险，麻烦处理一下"


def dispatch(code: str, operator, county, categories) -> Case:
    """The command centre confirms the category and dispatches to grid A (triage)."""
    from wangge.cases.workflow import case_transition

    case = Case.objects.get(tracking_code=code)
    case_transition(
        case=case,
        actor=operator,
        action="accept",
        target_grid=county[GRID_A],
        category=categories["E0104"],
    )
    return case


def test_broken_glass_becomes_a_case_and_the_code_is_replied(api, group, receiver):
    picture = base64.b64encode(png_bytes()).decode()
    r = signed(api, message("m-1", GLASS, images=[{"data": picture, "filename": "glass.png"}]))
    assert r.status_code == 200, r.content
    assert r.data["result"] == "request"
    case = Case.objects.get(tracking_code=r.data["tracking_code"])
    assert case.channel == "chat" and case.grid.code == GRID_A
    assert case.state == "submitted"  # the command centre confirms the category
    assert case.events.get(kind="submit").payload["attachments"]  # the photo came along
    assert case.contact_name == "李阿姨" and case.description == GLASS
    outbox_deliver_due()
    [got] = receiver.received
    assert got.signature_ok
    payload = got.json["payload"]
    assert payload["group_id"] == "wx-group-yiyuan-1" and payload["reply_to"] == "m-1"
    assert case.tracking_code in payload["text"] and payload["tracking_code"] == case.tracking_code


def test_bad_signature_is_401_and_creates_nothing(api, group, receiver):
    assert signed(api, message("m-2", GLASS), secret="wrong").status_code == 401
    old = int(time.time()) - 3600
    assert signed(api, message("m-2", GLASS), timestamp=old).status_code == 401
    other = message("m-2", GLASS, group_id="wx-unknown")
    assert signed(api, other).status_code == 401
    r = api.post("/api/v1/chat/webhook/", b"{not json", content_type="application/json")
    assert r.status_code == 401
    assert Case.objects.count() == 0 and ChatMessage.objects.count() == 0
    outbox_deliver_due()
    assert receiver.received == []


def test_the_same_delivery_twice_creates_one_case(api, group, receiver):
    first = signed(api, message("m-3", GLASS))
    second = signed(api, message("m-3", GLASS))
    assert first.data["result"] == "request" and second.data["result"] == "duplicate"
    assert first.data["tracking_code"] == second.data["tracking_code"]
    assert Case.objects.count() == 1 and ChatMessage.objects.count() == 1
    outbox_deliver_due()
    assert len(receiver.received) == 1


def test_chit_chat_stays_chit_chat(api, group, receiver):
    r = signed(api, message("m-4", "收到，谢谢网格员！辛苦了"))
    assert r.status_code == 200 and r.data == {"result": "chat", "tracking_code": None}
    assert Case.objects.count() == 0
    assert ChatMessage.objects.get(message_id="m-4").kind == "chat"


def test_worker_claims_and_resolves_from_the_chat_and_the_group_hears(
    api, group, receiver, operator, county, categories
):
    code = signed(api, message("m-5", GLASS)).data["tracking_code"]
    dispatch(code, operator, county, categories)
    # A resident typing a command is just chatting.
    r = signed(api, message("m-6", f"认领 {code}"))
    assert r.data["result"] != "command"
    worker = ("wx_worker_a", "王网格员")
    assert signed(api, message("m-7", f"认领 {code}", sender=worker)).data["result"] == "command"
    case = Case.objects.get(tracking_code=code)
    assert case.state == "claimed"
    r = signed(api, message("m-8", f"办结 {code}", sender=worker))  # no note
    assert Case.objects.get(pk=case.pk).state == "claimed"
    signed(api, message("m-9", f"办结 {code} 已更换玻璃", sender=worker))
    case.refresh_from_db()
    assert case.state == "resolved"
    assert results_send() == 0  # the command's reply already told the group
    outbox_deliver_due()
    texts = [r.json["payload"]["text"] for r in receiver.received]
    assert any(code in t for t in texts[:1])  # the acknowledgement
    assert any("认领" in t for t in texts)
    assert any("请写明处理结果" in t for t in texts)
    assert any("已更换玻璃" in t for t in texts)


def test_commands_cannot_reach_another_grids_case(
    api, group, receiver, county, worker_b, operator, categories
):
    from wangge.chat.models import ChatStaff

    ChatStaff.objects.create(group=group, sender_id="wx_worker_b", user=worker_b)
    code = signed(api, message("m-10", GLASS)).data["tracking_code"]
    dispatch(code, operator, county, categories)
    r = signed(api, message("m-11", f"认领 {code}", sender=("wx_worker_b", "赵网格员")))
    assert r.data["result"] == "command"
    assert Case.objects.get(tracking_code=code).state == "dispatched"
    outbox_deliver_due()
    assert any("不在您的网格" in r.json["payload"]["text"] for r in receiver.received)


def test_the_result_is_sent_later_once(
    api, group, receiver, worker_a, operator, county, categories
):
    from wangge.cases.workflow import case_transition

    code = signed(api, message("m-12", GLASS)).data["tracking_code"]
    case = dispatch(code, operator, county, categories)
    case_transition(case=case, actor=worker_a, action="claim")
    case_transition(case=case, actor=worker_a, action="resolve", reason="玻璃已更换")
    assert results_send() == 1
    assert results_send() == 0
    outbox_deliver_due()
    last = receiver.received[-1].json["payload"]
    assert "玻璃已更换" in last["text"] and last["reply_to"] == "m-12"
