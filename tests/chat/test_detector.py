"""The request detector and the command syntax, on messages as residents write them."""

import pytest

from wangge.chat.commands import Command, parse_command
from wangge.chat.detector import detect

REQUESTS = [
    "3栋楼道的窗户玻璃碎了，小孩进进出出很危险，麻烦处理一下",
    "怡园小区东门那边的路灯不亮好几天了，晚上黑乎乎的",
    "12号楼后面下水道堵了，污水都漫到路上了",
    "楼上漏水，我家天花板都湿了，联系不上房东怎么办",
    "我们这条巷子没有路灯，老人晚上出门摔倒过两次了",
    "求助！我家老人早上出门走失了，穿灰色外套，有看到的请联系我",
    "小区门口的井盖松动了，车一压就响",
    "有人在绿化带私拉电线给电动车充电，太危险了",
    "广场舞音响每天晚上十点多还在放，严重扰民",
]
CHAT = [
    "大家早上好！",
    "哈哈哈哈笑死我了",
    "收到，谢谢网格员！",
    "今晚团购的水果几点到？接龙：3栋 张阿姨 2份",
    "路灯昨天已经修好了，谢谢大家",
    "好的👍",
    "辛苦了🙏",
    "周六社区有免费量血压，大家可以去看看",
    "谁家的快递放错到我这了，3栋的来拿一下",
]


@pytest.mark.parametrize("text", REQUESTS)
def test_requests_are_detected(text):
    d = detect(text)
    assert d.is_request, (text, d)


@pytest.mark.parametrize("text", CHAT)
def test_chit_chat_stays_chit_chat(text):
    d = detect(text)
    assert not d.is_request, (text, d)


def test_mentioning_the_grid_worker_lifts_a_weak_message():
    text = "@王网格员 我家门口那个电梯最近有点问题"
    assert not detect(text, mentions=[], staff_ids=["wx_wang"]).is_request
    d = detect(text, mentions=["wx_wang"], staff_ids=["wx_wang", "wx_li"])
    assert d.is_request and d.mentioned_staff
    # A bare mention with a greeting is still chit-chat.
    assert not detect("@王网格员 早上好", mentions=["wx_wang"], staff_ids=["wx_wang"]).is_request
    # Mentioning someone who is not staff does not help.
    assert not detect(text, mentions=["wx_neighbour"], staff_ids=["wx_wang"]).is_request


@pytest.mark.parametrize(
    "text,command",
    [
        ("认领 ABCD2345", Command("claim", "ABCD2345")),
        ("认领ABCD2345", Command("claim", "ABCD2345")),
        ("接单 abcd2345", Command("claim", "ABCD2345")),
        ("@微网格长 认领 ABCD2345", Command("claim", "ABCD2345")),
        ("办结 ABCD2345 已更换玻璃", Command("resolve", "ABCD2345", "已更换玻璃")),
        (
            "办结：ABCD2345，已疏通下水道，恢复正常",
            Command("resolve", "ABCD2345", "已疏通下水道，恢复正常"),
        ),
        ("办结\u3000ABCD2345\u3000已清理", Command("resolve", "ABCD2345", "已清理")),
        ("办结 ABCD2345", Command("resolve", "ABCD2345", "")),
        ("进度 ABCD2345", Command("status", "ABCD2345")),
    ],
)
def test_commands(text, command):
    assert parse_command(text) == command


@pytest.mark.parametrize(
    "text",
    [
        "认领 ABC",  # too short
        "认领 ABCD23450",  # too long
        "认领 ABCD1234",  # 1 is not in the alphabet
        "我来认领 ABCD2345",  # not at the start
        "认领 ABCD2345 明天去",  # a claim carries no note
        "办结了吗",
        "",
    ],
)
def test_not_commands(text):
    assert parse_command(text) is None
