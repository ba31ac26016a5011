"""Is a chat message a request (诉求) or chit-chat? A jieba-tokenised keyword scorer.

Group chats are mostly greetings, thanks, notices and group-buying; a request names something
broken, blocked, missing or dangerous, or calls on the grid worker. The score adds the weights of
the words found (each counted once), adds a bonus for a mention of the grid's staff, subtracts
for chit-chat markers and for "already fixed" phrases; a message is a request from `THRESHOLD`.
The words are data: extend `REQUEST_WORDS` when residents' wording is missed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

import jieba

THRESHOLD = 2.0

# Word → weight. Strong words (2) alone make a request; weak ones (1) need company.
REQUEST_WORDS: dict[str, float] = {
    # broken, leaking, blocked, missing
    "坏了": 2, "坏掉": 2, "损坏": 2, "破损": 2, "碎了": 2, "破了": 2, "裂缝": 2, "塌陷": 2,
    "漏水": 2, "渗水": 2, "爆管": 2, "积水": 2, "堵了": 2, "堵塞": 2, "不通": 1.5, "冒水": 2,
    "没有路灯": 2, "路灯不亮": 2, "不亮": 1.5, "灯坏": 2, "停水": 2, "停电": 2, "没水": 1.5,
    "井盖": 1.5, "掉下来": 2, "脱落": 2, "松动": 1.5, "倒了": 1.5, "断了": 1.5,
    # nuisance, hazard, disorder
    "垃圾": 1, "没人清": 2, "臭": 1, "异味": 1.5, "噪音": 1.5, "扰民": 2, "漏电": 2,
    "着火": 2, "冒烟": 2, "飞线": 2, "私拉电线": 2, "高空抛物": 2, "乱停": 1.5, "占道": 1.5,
    "违建": 2, "违章搭建": 2, "老鼠": 1.5, "蟑螂": 1, "流浪狗": 1.5, "咬人": 2,
    # people
    "求助": 2, "走失": 2, "找不到": 1.5, "摔倒": 2, "晕倒": 2, "救命": 2, "报警": 1.5,
    # asking for action
    "麻烦": 1, "帮忙": 1, "处理": 1, "反映": 1, "投诉": 1, "怎么办": 1, "没人管": 2,
    "好几天": 1, "一直": 0.5, "修": 1, "维修": 1, "请问": 0.5, "能不能": 0.5,
    "玻璃": 0.5, "路灯": 0.5, "电梯": 0.5, "水管": 0.5,
}  # fmt: skip
# Chit-chat markers and "it is fine now" phrases lower the score.
CHAT_WORDS: dict[str, float] = {
    "哈哈": 1, "哈哈哈": 1, "早上好": 1.5, "晚安": 1.5, "谢谢": 1, "感谢": 1, "收到": 1.5,
    "好的": 1, "辛苦了": 1.5, "红包": 1.5, "团购": 1.5, "接龙": 1.5, "拼团": 1.5, "点赞": 1,
    "修好了": 3, "已经好了": 3, "解决了": 3, "已修复": 3, "已处理": 2, "恢复了": 2,
}  # fmt: skip
MENTION_BONUS = 2.0

_EMOJI_CHAT = re.compile("[\U0001f44d\U0001f64f\U0001f339\U0001f602\U0001f60a]")
_init_lock = threading.Lock()
_initialised = False


def _init() -> None:
    global _initialised
    with _init_lock:
        if _initialised:
            return
        jieba.setLogLevel(60)
        for word in (*REQUEST_WORDS, *CHAT_WORDS):
            jieba.add_word(word, freq=200000)
        _initialised = True


@dataclass
class Detection:
    is_request: bool
    score: float
    matched: list[str] = field(default_factory=list)
    mentioned_staff: bool = False


def detect(text: str, *, mentions: Iterable[str] = (), staff_ids: Iterable[str] = ()) -> Detection:
    """Score one message. `mentions` are the chat ids the message @-mentions, `staff_ids` the
    chat ids of the grid's worker and micro-grid head."""
    _init()
    text = (text or "").strip()
    staff = {s for s in staff_ids if s}
    mentioned = bool(staff & {m for m in mentions if m})
    if not text:
        return Detection(False, 0.0, [], mentioned)
    tokens = set(jieba.lcut(text))
    score = 0.0
    matched: list[str] = []
    for word, weight in REQUEST_WORDS.items():
        if word in tokens:
            score += weight
            matched.append(word)
    for word, weight in CHAT_WORDS.items():
        if word in tokens:
            score -= weight
            matched.append(f"-{word}")
    score -= 0.5 * len(_EMOJI_CHAT.findall(text))
    if mentioned:
        score += MENTION_BONUS
        matched.append("@staff")
    # A few characters ("好", "1", "？") are never a request, whoever they mention.
    if len(re.sub(r"\W", "", text)) < 4:
        score = min(score, THRESHOLD - 0.5)
    return Detection(score >= THRESHOLD, round(score, 2), matched, mentioned)
