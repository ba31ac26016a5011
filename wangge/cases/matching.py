"""Category suggestion by keyword rules, and duplicate detection for new reports."""

from __future__ import annotations

import functools
import logging
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import jieba
from django.conf import settings
from django.db.models import DateTimeField, ExpressionWrapper, F, Q, QuerySet, Value
from rapidfuzz import fuzz

from wangge.cases.models import DUPLICATE_STATES, Case, Category
from wangge.core.compiled import CompiledQuery
from wangge.core.geo import METRES_PER_DEGREE

if TYPE_CHECKING:
    from wangge.suggest.features import LinearTextModel

jieba.setLogLevel(logging.WARNING)


@dataclass(frozen=True)
class CategorySuggestion:
    category: Category
    # The learned model's probability; None when the keyword rules suggested it.
    confidence: float | None
    source: str  # "model" | "keywords"
    # Good enough to act on (pre-fill the form, route the case); a person still confirms.
    confident: bool


def keyword_ranking(text: str, categories: Iterable[Category]) -> list[Category]:
    """Categories whose keywords occur in `text`, best covered first (longer matches weigh
    more; ties by code)."""
    scored = []
    for cat in categories:
        score = sum(len(k) for k in cat.keyword_list() if k in text)
        if score:
            scored.append((score, cat.code, cat))
    scored.sort(key=lambda row: (row[0], row[1]), reverse=True)
    return [cat for _s, _c, cat in scored]


def category_suggestions(text: str, *, limit: int = 3) -> list[CategorySuggestion]:
    """Up to `limit` categories for a description, best first.

    The model learned from this deployment's closed cases (wangge.suggest) decides when its
    best guess reaches `SUGGEST_MIN_CONFIDENCE`; otherwise the keyword rules do (the only
    source on a fresh deployment); when neither is sure, the model's guesses come back marked
    not confident.
    """
    from wangge.suggest.models import ModelKind
    from wangge.suggest.selectors import learned_model

    text = (text or "").strip()
    if not text:
        return []
    from wangge.cases.reference import categories

    return rank_categories(
        text,
        categories=categories().active_minor,
        model=learned_model(ModelKind.CATEGORY),
        threshold=settings.SUGGEST_MIN_CONFIDENCE,
        limit=limit,
    )


def rank_categories(
    text: str,
    *,
    categories: dict[str, Category],
    model: LinearTextModel | None,
    threshold: float,
    limit: int,
) -> list[CategorySuggestion]:
    """`category_suggestions` over given categories (by code) and model, without the database."""
    ranked = (
        [(categories[code], p) for code, p in model.ranked(text) if code in categories]
        if model
        else []
    )
    if ranked and ranked[0][1] >= threshold:
        return [
            CategorySuggestion(cat, round(p, 4), "model", p >= threshold)
            for cat, p in ranked[:limit]
        ]
    by_keywords = keyword_ranking(text, categories.values())[:limit]
    if by_keywords:
        return [
            CategorySuggestion(cat, None, "keywords", i == 0) for i, cat in enumerate(by_keywords)
        ]
    return [CategorySuggestion(cat, round(p, 4), "model", False) for cat, p in ranked[:limit]]


def suggest_category(text: str) -> Category | None:
    """The category to suggest for `text` when one is confident enough, else None."""
    found = category_suggestions(text, limit=1)
    return found[0].category if found and found[0].confident else None


@dataclass(frozen=True)
class Duplicate:
    tracking_code: str
    distance_m: float
    similarity: float

    def as_dict(self) -> dict:
        return {
            "tracking_code": self.tracking_code,
            "distance_m": round(self.distance_m, 1),
            "similarity": round(self.similarity, 1),
        }


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    # Equirectangular: exact enough below a kilometre.
    x = (lng2 - lng1) * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(x, lat2 - lat1) * METRES_PER_DEGREE


# Words that say nothing about what the problem is.
_STOPWORDS = frozenset(
    [
        "的",
        "了",
        "在",
        "有",
        "是",
        "我",
        "我们",
        "你",
        "他",
        "她",
        "这",
        "那",
        "一个",
        "一地",
        "好多",
        "很多",
        "小区",
        "这里",
        "那里",
        "请",
        "麻烦",
        "一下",
        "下面",
        "楼下",
        "上面",
        "附近",
        "门口",
        "掉",
        "儿",
    ]
)


@functools.lru_cache(maxsize=4096)
def _tokens(text: str) -> str:
    return " ".join(
        t for t in jieba.lcut(text) if t.strip() and t not in _STOPWORDS and not _PUNCT.match(t)
    )


_PUNCT = re.compile(r"^[\W_]+$")


def description_words(text: str) -> str:
    """What `Case.description_words` holds: the words of a report, compared in any order.

    Chinese has no spaces, so plain token matching would compare whole sentences; function
    words and place fillers are dropped so "16号楼楼下一地碎玻璃" meets "16号楼下面好多碎玻璃".
    """
    return _tokens(text)


def _nearby(since: datetime, lat0: float, lat1: float, lng0: float, lng1: float) -> QuerySet:
    """Open cases in the box since `since`, newest first.

    The box is what narrows the search, so the plan must start from `case_open_point` (lat,
    lng). The time is compared and ordered through an expression no index covers: otherwise a
    plan made when the statistics counted few open cases (a prepared statement keeps it) walks
    every open case of the window by `created_at` (`case_unsettled_created`), thousands of rows
    on a busy day for the few inside the box (tests/cases/test_duplicates_plan.py)."""
    return (
        Case.objects.alias(
            reported=ExpressionWrapper(
                F("created_at") + Value(timedelta(0)), output_field=DateTimeField()
            )
        )
        .filter(
            state__in=DUPLICATE_STATES,  # the same list as the index `case_open_point`
            reported__gte=since,
            lat__range=(lat0, lat1),
            lng__range=(lng0, lng1),
        )
        .order_by("-reported")
    )


# The most recent 50 nearby are plenty to offer; older ones are rarely the same problem. Read at
# every intake, so compiled once (wangge.core.compiled).
_COLUMNS = ("tracking_code", "lat", "lng", "description", "description_words")
_nearby_open = CompiledQuery(
    lambda *box: _nearby(*box).values_list(*_COLUMNS)[:50],
    datetime, float, float, float, float,
)  # fmt: skip
# Two reports of different known categories are different problems.
_nearby_open_of_category = CompiledQuery(
    lambda *box_and_category: _nearby(*box_and_category[:5])
    .filter(Q(category_id=box_and_category[5]) | Q(category__isnull=True))
    .values_list(*_COLUMNS)[:50],
    datetime, float, float, float, float, int,
)  # fmt: skip


def find_duplicates(
    *, lat: float, lng: float, text: str, now: datetime, category_id: int | None = None
) -> list[Duplicate]:
    """Open cases close in space and time with similar text, most similar first."""
    radius = settings.CASES_DUPLICATE_RADIUS_M
    dlat = radius / METRES_PER_DEGREE
    dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
    since = now - timedelta(hours=settings.CASES_DUPLICATE_WINDOW_HOURS)
    box = (since, lat - dlat, lat + dlat, lng - dlng, lng + dlng)
    if category_id is None:
        nearby = _nearby_open.rows(*box)
    else:
        nearby = _nearby_open_of_category.rows(*box, category_id)
    found = []
    words = _tokens(text)
    for code, clat, clng, desc, desc_words in nearby:
        if clat is None or clng is None:  # excluded by the lat/lng ranges
            continue
        d = distance_m(lat, lng, clat, clng)
        if d > radius:
            continue
        sim = fuzz.token_set_ratio(words, desc_words or _tokens(desc))
        if sim >= settings.CASES_DUPLICATE_MIN_SIMILARITY:
            found.append(Duplicate(code, d, sim))
    found.sort(key=lambda x: (-x.similarity, x.distance_m))
    return found[:5]
