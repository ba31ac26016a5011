"""Whether a report without a category may skip the centre's triage (docs/cases.md, intake).

Nothing should wait silently: a report with a point and a confident category suggestion goes
straight to its grid on that category (the unit corrects it with 更正类别 when wrong). What
is "confident" is decided here, once. The learned model's confident guess is trusted (its
threshold is measured, docs/suggest.md). The keyword rules are a weak signal: one short word
("小孩") may point to an urgent category that has nothing to do with the report, so a keyword
suggestion counts only when its keywords cover at least `CASES_ROUTE_MIN_KEYWORD_SCORE`
characters of the text and at least twice as many as any other category's.
"""

from __future__ import annotations

from django.conf import settings

from wangge.cases.matching import CategorySuggestion
from wangge.cases.models import Category


def keyword_scores(text: str) -> list[tuple[int, Category]]:
    """(characters of `text` covered by its keywords, category), best first, zeros left out."""
    from wangge.cases.reference import categories

    scored = []
    for cat in categories().active_minor.values():
        score = sum(len(k) for k in cat.keyword_list() if k in text)
        if score:
            scored.append((score, cat))
    scored.sort(key=lambda row: (row[0], row[1].code), reverse=True)
    return scored


def routable_category(text: str, suggestion: CategorySuggestion | None) -> Category | None:
    """The suggested category when it is sure enough to dispatch on, else None (the case waits
    in triage): the learned model's confident guess, or a keyword suggestion that covers at
    least `CASES_ROUTE_MIN_KEYWORD_SCORE` characters and twice any other category's."""
    if suggestion is None or not suggestion.confident:
        return None
    if suggestion.source == "model":
        return suggestion.category
    scores = keyword_scores(text)
    mine = next((s for s, c in scores if c.pk == suggestion.category.pk), 0)
    others = max((s for s, c in scores if c.pk != suggestion.category.pk), default=0)
    if mine >= settings.CASES_ROUTE_MIN_KEYWORD_SCORE and mine >= 2 * others:
        return suggestion.category
    return None
