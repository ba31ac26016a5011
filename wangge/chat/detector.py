"""Is a chat message a request (诉求) or chit-chat? A learned model when one is trained and sure,
together with a jieba-tokenised keyword scorer.

The learned model (wangge.suggest, trained on the deployment's cases against its chit-chat) is
passed in by the caller; its log-odds are weighed together with the rule score. On a fresh
deployment without a model the rules below decide alone.

Group chats are mostly greetings, thanks, notices and group-buying; a request names something
broken, blocked, missing or dangerous, or calls on the grid worker. The score adds the weights of
the words found (each counted once), adds a bonus for a mention of the grid's staff, subtracts
for chit-chat markers and for "already fixed" phrases; a message is a request from `THRESHOLD`.
The words are data: extend `REQUEST_WORDS` when residents' wording is missed; the category
keywords of the problem catalogue (wangge.cases.categories) count too.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import jieba

from wangge.cases.categories import MINORS

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
    # warnings to neighbours about a hazard ("楼下一地碎玻璃…一定要小心")
    "碎玻璃": 2, "玻璃渣": 2, "伤到": 1, "危险": 1, "小心": 0.5, "注意安全": 0.5,
    "扎到": 1.5, "滑倒": 2, "砸到": 2, "差点": 1, "不见了": 1.5, "滴水": 2, "爆了": 2,
    "裂了": 1.5, "被偷": 2, "没回来": 1.5, "堵住": 2, "贴满": 1.5, "乱扔": 1.5, "堆": 0.5,
    "破裂": 2, "跑水": 2, "黑漆漆": 1, "黑灯瞎火": 1, "坏着": 1.5, "烂了": 1.5,
}  # fmt: skip
# Chit-chat markers and "it is fine now" phrases lower the score.
CHAT_WORDS: dict[str, float] = {
    "哈哈": 1, "哈哈哈": 1, "早上好": 1.5, "晚安": 1.5, "谢谢": 1, "感谢": 1, "收到": 1.5,
    "好的": 1, "辛苦了": 1.5, "红包": 1.5, "团购": 1.5, "接龙": 1.5, "拼团": 1.5, "点赞": 1,
    "修好了": 3, "已经好了": 3, "解决了": 3, "已修复": 3, "已处理": 2, "恢复了": 2,
}  # fmt: skip
MENTION_BONUS = 2.0
# A word of the problem catalogue ("井盖", "牛皮癣", "高空抛物" …) found in the text, once.
CATALOGUE_BONUS = 1.5
CATALOGUE_WORDS: frozenset[str] = frozenset(
    w for row in MINORS for w in row[9].split() if len(w) >= 2
)

_EMOJI_CHAT = re.compile("[\U0001f44d\U0001f64f\U0001f339\U0001f602\U0001f60a]")
_init_lock = threading.Lock()
_initialised = False


def init_dictionary() -> None:
    """Teach jieba the detector's words (process-global; the learned models call it too)."""
    global _initialised
    if _initialised:
        return
    with _init_lock:
        if _initialised:
            return
        jieba.setLogLevel(60)
        for word in (*REQUEST_WORDS, *CHAT_WORDS):
            jieba.add_word(word, freq=200000)
        _initialised = True


class RequestModel(Protocol):
    """What the detector needs of a learned model (wangge.suggest.features.LinearTextModel)."""

    def probability(self, text: str, label: str) -> float: ...


@dataclass
class Detection:
    is_request: bool
    score: float
    matched: list[str] = field(default_factory=list)
    mentioned_staff: bool = False
    # The learned model's probability of "request"; source "model" when it took part.
    probability: float | None = None
    source: str = "rules"


def detect(
    text: str,
    *,
    mentions: Iterable[str] = (),
    staff_ids: Iterable[str] = (),
    learned: RequestModel | None = None,
    rules_weight: float = 1.0,
) -> Detection:
    """Score one message. `mentions` are the chat ids the message @-mentions, `staff_ids` the
    chat ids of the grid's worker and micro-grid head; `learned` a trained request model.

    With a model, its log-odds and the rule score's distance from `THRESHOLD` (times
    `rules_weight`) are added as evidence: a sure model outweighs a word or two, while a
    message full of hazard words the model has not met yet is still a request.
    """
    found = _rules(text, mentions=mentions, staff_ids=staff_ids)
    short = len(re.sub(r"\W", "", (text or "").strip())) < 4
    if learned is None or short:
        return found
    p = learned.probability(text.strip(), "request")
    found.probability = round(p, 4)
    p = min(max(p, 1e-4), 1 - 1e-4)
    evidence = math.log(p / (1 - p)) + rules_weight * (found.score - THRESHOLD)
    found.is_request, found.source = evidence >= 0, "model"
    return found


def _rules(text: str, *, mentions: Iterable[str], staff_ids: Iterable[str]) -> Detection:
    init_dictionary()
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
    catalogue = sorted(w for w in CATALOGUE_WORDS if w in text and w not in matched)
    if catalogue:
        score += CATALOGUE_BONUS
        matched.append(f"+{catalogue[0]}")
    score -= 0.5 * len(_EMOJI_CHAT.findall(text))
    if mentioned:
        score += MENTION_BONUS
        matched.append("@staff")
    # A few characters ("好", "1", "？") are never a request, whoever they mention.
    if len(re.sub(r"\W", "", text)) < 4:
        score = min(score, THRESHOLD - 0.5)
    return Detection(score >= THRESHOLD, round(score, 2), matched, mentioned)
