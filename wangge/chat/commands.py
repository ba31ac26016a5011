"""Short commands grid workers type in their group (documented in docs/chat.md).

    认领 ABCD2345              claim the case (also: 领, 接单)
    办结 ABCD2345 已更换玻璃    report it handled, with the note (also: 完成, 已办)
    进度 ABCD2345              ask for its status (also: 查询, 查)

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
