"""Whether a report without a category may skip the centre's triage (docs/cases.md, intake).

Nothing should wait silently: a report with a point and a confident category suggestion goes
straight to its grid on that category (the unit corrects it with 更正类别 when wrong). What is
"confident" is decided here, once. The keyword rules are a weak signal: one short word ("小孩")
may point to an urgent category that has nothing to do with the report, so a suggestion from
them counts only when its keywords cover at least `CASES_ROUTE_MIN_KEYWORD_SCORE` characters of
the text and at least twice as many as any other category's.
"""

from __future__ import annotations

from django.conf import settings

from wangge.cases.models import Category


def keyword_scores(text: str) -> list[tuple[int, Category]]:
    """(characters of `text` covered by its keywords, category), best first, zeros left out."""
    scored = []
    for cat in Category.objects.filter(is_active=True, code__length=5):
        score = sum(len(k) for k in cat.keyword_list() if k in text)
        if score:
            scored.append((score, cat))
    scored.sort(key=lambda row: (row[0], row[1].code), reverse=True)
    return scored


def routable_category(text: str, suggested: Category | None) -> Category | None:
    """`suggested` when it is sure enough to dispatch on, else None (the case waits in triage)."""
    if suggested is None:
        return None
    scores = keyword_scores(text)
    mine = next((s for s, c in scores if c.pk == suggested.pk), 0)
    others = max((s for s, c in scores if c.pk != suggested.pk), default=0)
    if mine >= settings.CASES_ROUTE_MIN_KEYWORD_SCORE and mine >= 2 * others:
        return suggested
    return None
