"""A chat reporter answers in the group: `评价 CODE 解决 满意` or `没解决 CODE 原因`; anyone
else's rating command is refused in Chinese and nothing about the case is written."""

from __future__ import annotations

import pytest

from tests.chat.conftest import categories, group, message, receiver, signed  # noqa: F401
from tests.resident.conftest import handle
from wangge.cases.models import Case, CaseFeedback
from wangge.chat.commands import parse_rate
from wangge.chat.services import results_send
from wangge.notify.models import OutboxMessage

pytestmark = pytest.mark.django_db
GLASS = "3栋楼道的窗户玻璃碎了，小孩进进出出很危险，麻烦处理一下"


def _texts() -> list[str]:
    return [
        m.body["payload"]["text"]
        for m in OutboxMessage.objects.filter(topic="chat.reply").order_by("id")
    ]


@pytest.fixture
def chat_case(api, group, worker_a, operator, county):  # noqa: F811
    from tests.conftest import GRID_A
    from wangge.cases.models import Category
    from wangge.cases.workflow import case_transition

    r = signed(api, message("m-1", GLASS))
    case = Case.objects.get(tracking_code=r.data["tracking_code"])
    # The keywords are not sure of this one (only "小孩" matches 走失求助): the centre triages.
    assert case.state == "submitted"
    case_transition(
        case=case,
        actor=operator,
        action="accept",
        target_grid=county[GRID_A],
        category=Category.objects.get(code="E0104"),
    )
    return handle(case, worker_a, "玻璃已更换")


def test_result_asks_for_the_answer_and_the_reporter_rates(api, chat_case, group):  # noqa: F811
    assert results_send() == 1
    last = OutboxMessage.objects.filter(topic="chat.reply").order_by("-id").first()
    assert f"评价 {chat_case.tracking_code} 解决 满意" in last.body["payload"]["text"]
    # The private link is for a relay that can message the sender, never in the group text.
    link = last.body["payload"]["private_link"]
    assert f"/track/{chat_case.tracking_code}/k/" in link
    assert link not in last.body["payload"]["text"]

    r = signed(api, message("m-2", f"评价 {chat_case.tracking_code.lower()} 解决 基本满意 谢谢"))
    assert r.status_code == 200
    chat_case.refresh_from_db()
    assert chat_case.state == "closed"
    fb = CaseFeedback.objects.get(case=chat_case)
    assert (fb.source, fb.solved, fb.satisfaction, fb.comment) == (
        "chat", "solved", "basic", "谢谢"
    )  # fmt: skip
    assert "感谢评价" in _texts()[-1]
    # Once per closure.
    signed(api, message("m-3", f"评价 {chat_case.tracking_code} 1 1"))
    assert "已评价过" in _texts()[-1]
    assert CaseFeedback.objects.count() == 1


def test_not_solved_from_the_chat_reopens(api, chat_case):
    signed(api, message("m-2", f"没解决 {chat_case.tracking_code} 楼道还有碎玻璃"))
    chat_case.refresh_from_db()
    assert chat_case.state == "dispatched" and chat_case.rework_count == 1
    assert "已退回重新办理" in _texts()[-1]


def test_someone_else_cannot_rate(api, chat_case):
    before = chat_case.event_count
    r = signed(
        api, message("m-2", f"评价 {chat_case.tracking_code} 解决 满意", sender=("wx_wang", "王叔"))
    )
    assert r.status_code == 200
    assert "不是您在本群反映的问题" in _texts()[-1]
    chat_case.refresh_from_db()
    assert chat_case.event_count == before and chat_case.state == "resolved"
    assert not CaseFeedback.objects.exists()


def test_malformed_rating_is_explained(api, chat_case):
    signed(api, message("m-2", f"评价 {chat_case.tracking_code} 很好"))
    assert "请这样回复" in _texts()[-1]
    assert not CaseFeedback.objects.exists()


def test_parse_rate_forms():
    assert parse_rate("评价 ABCD2345 2 3 一般").solved == "partly"
    assert parse_rate("评价 ABCD2345 2 3 一般").satisfaction == "not_satisfied"
    assert parse_rate("没有解决 ABCD2345").solved == "not_solved"
    assert parse_rate("今天评价一下物业") is None
