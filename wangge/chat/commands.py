"""Short commands grid workers type in their group (documented in docs/chat.md).

    认领 ABCD2345              claim the case (also: 领, 接单)
    办结 ABCD2345 已更换玻璃    report it handled, with the note (also: 完成, 已办)
    进度 ABCD2345              ask for its status (also: 查询, 查)

and the one command of residents, for the case they reported in the group:

    评价 ABCD2345 解决 满意 谢谢   answer 问题解决了吗？ and 对处理满意吗？, an optional comment
    评价 ABCD2345 1 1               the same with digits (1 解决 2 部分解决 3 没解决;
                                    1 满意 2 基本满意 3 不满意)
    没解决 ABCD2345 玻璃还在        not solved (not satisfied): back to work, with the reason

A command is the whole message: the verb, a space (or none) and an 8-character tracking code,
then for 办结 the note. Full-width spaces and colons are accepted, codes are case-insensitive.
Anything else is an ordinary message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VERBS = {
    "认领": "claim",
    "领": "claim",
    "接单": "claim",
    "办结": "resolve",
    "完成": "resolve",
    "已办": "resolve",
    "进度": "status",
    "查询": "status",
    "查": "status",
}
# The tracking alphabet has no 0, 1, I, L or O.
CODE = r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}"
COMMAND_RE = re.compile(
    r"^\s*(?:@\S+\s+)*(?P<verb>" + "|".join(sorted(VERBS, key=len, reverse=True)) + r")"
    r"[\s:：]*(?P<code>" + CODE + r")(?![0-9A-Za-z])[\s:：,，]*(?P<note>.*?)\s*$",
    re.IGNORECASE | re.DOTALL,
)


SOLVED_WORDS = {
    "1": "solved",
    "解决": "solved",
    "已解决": "solved",
    "解决了": "solved",
    "2": "partly",
    "部分": "partly",
    "部分解决": "partly",
    "3": "not_solved",
    "没解决": "not_solved",
    "未解决": "not_solved",
    "没有解决": "not_solved",
}
SATISFACTION_WORDS = {
    "1": "satisfied",
    "满意": "satisfied",
    "2": "basic",
    "基本": "basic",
    "基本满意": "basic",
    "3": "not_satisfied",
    "不满意": "not_satisfied",
}
RATE_RE = re.compile(
    r"^\s*(?:@\S+\s+)*(?P<verb>评价|没解决|没有解决|未解决)[\s:：]*(?P<code>" + CODE + r")"
    r"(?![0-9A-Za-z])[\s:：,，]*(?P<rest>.*?)\s*$",
    re.IGNORECASE | re.DOTALL,
)
RATE_HELP = "评价 查询码 解决 满意（或：评价 查询码 1 1）"


@dataclass(frozen=True)
class RateCommand:
    """A resident's answer from the chat; `error` says what was wrong with a malformed one."""

    code: str
    solved: str = ""
    satisfaction: str = ""
    comment: str = ""
    error: str = ""


def parse_rate(text: str) -> RateCommand | None:
    """`评价 CODE 解决 满意 …` / `没解决 CODE 原因`; None when the message is no such command."""
    match = RATE_RE.match((text or "").replace("\u3000", " "))
    if not match:
        return None
    code = match.group("code").upper()
    rest = match.group("rest").strip()
    if match.group("verb") != "评价":
        return RateCommand(code, "not_solved", "not_satisfied", rest)
    words = re.split(r"[\s,，、]+", rest, maxsplit=2) if rest else []
    if len(words) < 2 or words[0] not in SOLVED_WORDS or words[1] not in SATISFACTION_WORDS:
        return RateCommand(code, error=RATE_HELP)
    comment = words[2].strip() if len(words) > 2 else ""
    return RateCommand(code, SOLVED_WORDS[words[0]], SATISFACTION_WORDS[words[1]], comment)


@dataclass(frozen=True)
class Command:
    action: str  # claim | resolve | status
    code: str
    note: str = ""


def parse_command(text: str) -> Command | None:
    match = COMMAND_RE.match((text or "").replace("\u3000", " "))
    if not match:
        return None
    action = VERBS[match.group("verb")]
    note = match.group("note").strip()
    if action != "resolve" and note:
        return None  # "认领 ABCD2345 明天去" is chat, not a claim with a stray note
    return Command(action=action, code=match.group("code").upper(), note=note)
