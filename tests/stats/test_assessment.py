"""Assessment (考核): the example scheme's points, and small samples kept apart."""

from __future__ import annotations

import pytest

from tests.stats.scenario import build_week
from wangge.stats import selectors
from wangge.stats.assessment import assessment, wilson_lower
from wangge.stats.models import AssessmentScheme
from wangge.stats.rollup import stats_rollup
from wangge.stats.services import assessment_scheme_seed

PERIOD = {"start": "2026-11-01", "end": "2026-11-30"}


@pytest.fixture
def week(report, act, resident, worker_a, worker_b, community_staff, operator):
    build_week(
        report,
        act,
        resident=resident,
        worker_a=worker_a,
        worker_b=worker_b,
        community_staff=community_staff,
        operator=operator,
    )
    stats_rollup()


def test_wilson_keeps_small_samples_modest():
    assert wilson_lower(2, 2) < wilson_lower(490, 500)
    assert wilson_lower(9, 10) == pytest.approx(0.596, abs=0.001)
    assert wilson_lower(0, 0) is None


def test_example_scheme_points(week, leader, api):
    scheme = assessment_scheme_seed()
    assert assessment_scheme_seed().pk == scheme.pk  # idempotent
    AssessmentScheme.objects.filter(pk=scheme.pk).update(min_cases=1, use_wilson=False)
    sq = selectors.stats_query_for_user(leader, **PERIOD)
    result = assessment(sq, scheme.pk)
    ranked = {e["key"]: e for e in result["ranked"]}
    # worker_a: c1, c2, c7 due and closed, c7 late → 按期 66.67 %: 50 − 3.33; 结案 100 % → 20;
    # one rework → −0.2. worker_b: c6 overdue, nothing closed → 0.
    assert ranked["worker_a"]["score"] == pytest.approx(50 - (70 - 200 / 3) + 20 - 0.2, abs=0.01)
    assert ranked["worker_b"]["score"] == 0
    assert [e["key"] for e in result["ranked"]] == ["worker_a", "worker_b"]
    assert result["ranked"][0]["rank"] == 1
    # The API answers the same.
    r = api.as_user(leader).get("/api/v1/stats/assessment/", {**PERIOD, "scheme": scheme.pk})
    assert r.status_code == 200 and r.json()["ranked"][0]["key"] == "worker_a"


def test_small_samples_are_not_ranked(week, leader):
    scheme = assessment_scheme_seed()
    AssessmentScheme.objects.filter(pk=scheme.pk).update(min_cases=2, use_wilson=False)
    sq = selectors.stats_query_for_user(leader, **PERIOD)
    result = assessment(sq, scheme.pk)
    assert [e["key"] for e in result["ranked"]] == ["worker_a"]
    assert [e["key"] for e in result["small_samples"]] == ["worker_b"]


def test_wilson_scores_lower_than_the_raw_rate(week, leader):
    scheme = assessment_scheme_seed()
    AssessmentScheme.objects.filter(pk=scheme.pk).update(min_cases=1, use_wilson=False)
    sq = selectors.stats_query_for_user(leader, **PERIOD)
    raw = assessment(sq, scheme.pk)["ranked"][0]["score"]
    AssessmentScheme.objects.filter(pk=scheme.pk).update(use_wilson=True)
    assert assessment(sq, scheme.pk)["ranked"][0]["score"] < raw


def test_no_scheme_is_a_clear_404(api, leader):
    r = api.as_user(leader).get("/api/v1/stats/assessment/", PERIOD)
    assert r.status_code == 404 and "考核方案" in r.json()["detail"]


def test_worker_b_scope_sees_only_own_grid(week, worker_b, api):
    scheme = assessment_scheme_seed()
    AssessmentScheme.objects.filter(pk=scheme.pk).update(min_cases=1)
    r = api.as_user(worker_b).get("/api/v1/stats/assessment/", {**PERIOD, "scheme": scheme.pk})
    keys = {e["key"] for e in r.json()["ranked"] + r.json()["small_samples"]}
    assert keys == {"worker_b"}
