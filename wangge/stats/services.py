"""Writes of the statistics app: the example assessment scheme (the roll-up is in rollup.py)."""

from __future__ import annotations

from django.db import transaction

from wangge.core.services import audit_record
from wangge.stats.models import AssessmentIndicator, AssessmentRule, AssessmentScheme

EXAMPLE_SCHEME = "网格员月度考核（示例）"


@transaction.atomic
def assessment_scheme_seed(*, actor=None) -> AssessmentScheme:
    """One city's published scheme, as a starting point administrators edit in the admin:
    按期结案率 ≥ 70 % full 50 points, −1 per point below; 结案率 ≥ 90 % 20 points; −0.2 per
    rework. Idempotent: an existing scheme of that name is left as it is."""
    scheme, created = AssessmentScheme.objects.get_or_create(
        name=EXAMPLE_SCHEME,
        defaults={
            "subject": "person",
            "min_cases": 10,
            "use_wilson": True,
            "note": (
                "按期结案率≥70%得满分50分，每低1个百分点扣1分；结案率≥90%得20分；每返工1件扣0.2分"
            ),
        },
    )
    if created:
        AssessmentRule.objects.bulk_create(
            [
                AssessmentRule(
                    scheme=scheme,
                    indicator=AssessmentIndicator.ON_TIME_RATE,
                    points=50,
                    threshold=70,
                    deduct_per_point=1,
                ),
                AssessmentRule(
                    scheme=scheme,
                    indicator=AssessmentIndicator.COMPLETION_RATE,
                    points=20,
                    threshold=90,
                ),
                AssessmentRule(
                    scheme=scheme, indicator=AssessmentIndicator.REWORK_COUNT, per_unit=-0.2
                ),
            ]
        )
        audit_record(actor=actor, action="stats.scheme_seed", target=scheme)
    return scheme
