"""Grid worker assessment (考核): score people or units by a scheme's weighted rules.

Read from the summary tables like every other statistic. Small samples are kept apart twice:
subjects with fewer than `scheme.min_cases` cases due are listed as "样本不足" and not ranked,
and (when `use_wilson`) rates are scored at the lower bound of their 95 % Wilson interval, so
9 of 10 on time (lower bound 59.6 %) scores below 490 of 500 (lower bound 96.4 %).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from wangge.accounts.models import User
from wangge.core.api import NotFound
from wangge.stats.models import (
    COUNT_FIELDS,
    RATE_INDICATORS,
    AssessmentScheme,
    AssessmentSubject,
)
from wangge.stats.selectors import StatsQuery, breakdown, indicators, rate_denominator, stat_rows

Z95 = 1.959964


def wilson_lower(successes: int, n: int, z: float = Z95) -> float | None:
    if n <= 0:
        return None
    p = successes / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, (centre - margin) / (1 + z2 / n))


# Numerator of each rate indicator (the denominator: selectors.rate_denominator).
_NUMERATOR = {
    "completion_rate": "closed",
    "on_time_rate": "closed_on_time",
    "response_rate": "responded_on_time",
    "response_on_time_rate": "responded_on_time",
    "satisfaction_rate": "satisfied",
    "solved_rate": "solved",
    "follow_up_rate": "followed_up",
}


def _rate_for_scoring(row: dict[str, Any], indicator: str, wilson: bool) -> float | None:
    den = rate_denominator(row, indicator)
    num = row[_NUMERATOR[indicator]]
    if den <= 0:
        return None
    return wilson_lower(num, den) if wilson else num / den


def score_row(scheme: AssessmentScheme, row: dict[str, Any]) -> tuple[float, list[dict]]:
    """The total and the per-rule parts of one subject's score."""
    total = 0.0
    parts = []
    for rule in scheme.rules.all():
        if rule.indicator in RATE_INDICATORS:
            rate = _rate_for_scoring(row, rule.indicator, scheme.use_wilson)
            pct = None if rate is None else rate * 100
            if pct is None:
                pts = 0.0
            elif pct >= (rule.threshold or 0):
                pts = rule.points
            elif rule.deduct_per_point:
                pts = max(0.0, rule.points - rule.deduct_per_point * ((rule.threshold or 0) - pct))
            else:
                pts = 0.0
            parts.append(
                {
                    "indicator": rule.indicator,
                    "value": None if pct is None else round(pct, 2),
                    "points": round(pts, 2),
                }
            )
        else:
            n = row[rule.indicator]
            pts = (rule.per_unit or 0) * n
            parts.append({"indicator": rule.indicator, "value": n, "points": round(pts, 2)})
        total += pts
    return round(total, 2), parts


def _subject_rows(sq: StatsQuery, subject: str) -> list[dict[str, Any]]:
    if subject == AssessmentSubject.GRID:
        return breakdown(sq, "grid")
    if subject == AssessmentSubject.DEPARTMENT:
        return breakdown(sq, "department")
    grouped: list[Mapping[str, Any]] = list(
        stat_rows(sq)
        .filter(assignee__isnull=False)
        .values("assignee_id")
        .annotate(**{f: Sum(f) for f in COUNT_FIELDS})
    )
    users = {u.pk: u for u in User.objects.filter(pk__in=[g["assignee_id"] for g in grouped])}
    out = []
    for g in grouped:
        u = users[g["assignee_id"]]
        out.append({"key": u.username, "name": u.display_name or u.username, **indicators(g)})
    return out


def assessment(sq: StatsQuery, scheme_id: int | None = None) -> dict[str, Any]:
    """Ranked subjects of the scheme (the first active one when none is named)."""
    schemes = AssessmentScheme.objects.filter(is_active=True).prefetch_related("rules")
    scheme = schemes.filter(pk=scheme_id).first() if scheme_id else schemes.first()
    if scheme is None:
        raise NotFound(_("没有可用的考核方案，请管理员在后台配置"))
    ranked: list[dict[str, Any]] = []
    small: list[dict[str, Any]] = []
    for row in _subject_rows(sq, scheme.subject):
        base = row["due"] - row["suspended"]
        total, parts = score_row(scheme, row)
        entry = {
            "key": row["key"],
            "name": row["name"],
            "cases": base,
            "score": total,
            "parts": parts,
            "indicators": row,
        }
        (ranked if base >= scheme.min_cases else small).append(entry)
    ranked.sort(key=lambda e: (-e["score"], -e["cases"], e["key"]))
    for i, e in enumerate(ranked, 1):
        e["rank"] = i
    return {
        "scheme": {
            "id": scheme.pk,
            "name": scheme.name,
            "subject": scheme.subject,
            "min_cases": scheme.min_cases,
            "use_wilson": scheme.use_wilson,
        },
        "ranked": ranked,
        "small_samples": sorted(small, key=lambda e: e["key"]),
    }
