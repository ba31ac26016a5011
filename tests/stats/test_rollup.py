"""The roll-up: definitions on hand-built cases, incremental equals full, idempotence."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.stats.conftest import at
from tests.stats.scenario import EXPECTED_DISTRICT, build_week
from wangge.core.periodic import PERIODIC_TASKS
from wangge.stats import selectors
from wangge.stats.models import CaseDailyStat, CaseDurationStat, RollupState
from wangge.stats.rollup import bucket_bounds, bucket_of, stats_rollup


@pytest.fixture
def week(report, act, resident, worker_a, worker_b, community_staff, operator):
    return build_week(
        report,
        act,
        resident=resident,
        worker_a=worker_a,
        worker_b=worker_b,
        community_staff=community_staff,
        operator=operator,
    )


def snapshot() -> tuple[list, list]:
    daily = sorted(
        (
            tuple(r.values())
            for r in CaseDailyStat.objects.values(
                *[f.attname for f in CaseDailyStat._meta.fields][1:]
            )
        ),
        key=repr,
    )
    durations = sorted(
        (
            tuple(r.values())
            for r in CaseDurationStat.objects.values(
                *[f.attname for f in CaseDurationStat._meta.fields][1:]
            )
        ),
        key=repr,
    )
    return daily, durations


def district_summary(leader):
    sq = selectors.stats_query_for_user(leader, start="2026-11-01", end="2026-11-30")
    return selectors.summary(sq)


def test_definitions_on_a_hand_built_week(week, leader):
    stats_rollup(full=True)
    got = district_summary(leader)
    for key, value in EXPECTED_DISTRICT.items():
        assert got[key] == value, key
    # Claims: c1 30 min; c2 16 h (reopened at 17:00, claimed again at 9:00 next day, the latest
    # dispatch counts); c4, c6, c7 1 h each. Median 1 h (read from buckets: ±19 %), mean 3.9 h.
    assert got["median_claim_hours"] == pytest.approx(1.0, rel=0.2)
    assert got["mean_claim_hours"] == pytest.approx((0.5 + 16 + 1 + 1 + 1) / 5, abs=0.01)


def test_days_are_shanghai_days(report, leader):
    # 23:30 in Shanghai on the 2nd is 15:30 UTC: it counts on the 2nd, not the 3rd.
    report(at(2, 23, 30))
    stats_rollup(full=True)
    assert list(CaseDailyStat.objects.values_list("day", flat=True)) == [at(2).date()]


def test_incremental_equals_full(
    report, act, resident, worker_a, worker_b, community_staff, operator
):
    c1 = report(at(2, 10))
    c2 = report(at(3, 10))
    first = stats_rollup()
    assert first.full and first.cases == 2
    act(c1, worker_a, "claim", at(5, 9))
    act(c1, worker_a, "resolve", at(5, 10))
    act(c2, community_staff, "suspend", at(5, 11))
    c3 = report(at(5, 12))
    act(c3, worker_a, "claim", at(5, 13))
    inc = stats_rollup()
    assert not inc.full
    # Only the days touched are recomputed (2nd, 3rd, 5th), not every day since the start.
    assert inc.days == 3
    incremental = snapshot()
    stats_rollup(full=True)
    assert snapshot() == incremental
    again = stats_rollup()
    assert snapshot() == incremental  # idempotent
    assert again.cases == 0 or snapshot() == incremental


def test_the_whole_week_rolled_up_after_every_case(
    report, act, resident, worker_a, worker_b, community_staff, operator
):
    # An incremental run after each case's story: later moves re-count days counted before.
    build_week(
        report,
        act,
        resident=resident,
        worker_a=worker_a,
        worker_b=worker_b,
        community_staff=community_staff,
        operator=operator,
        between=stats_rollup,
    )
    stats_rollup()
    incremental = snapshot()
    stats_rollup(full=True)
    assert snapshot() == incremental
    assert CaseDailyStat.objects.exists()


def test_state_records_the_run(report):
    report(at(2, 10))
    out = io.StringIO()
    call_command("stats_rollup", "--full", stdout=out)
    assert "full" in out.getvalue()
    state = RollupState.objects.get()
    assert state.last_full_at is not None and state.runs == 1
    call_command("stats_rollup", stdout=out)
    state.refresh_from_db()
    assert state.runs == 2


def test_registered_as_a_periodic_task():
    assert any(path == "wangge.stats.tasks.rollup_cases" for path, _ in PERIODIC_TASKS)


def test_reads_only_the_summary_tables(week, leader, settings):
    settings.STATS_COCKPIT_CACHE_SECONDS = 0  # the computation itself, not the cache
    stats_rollup(full=True)
    sq = selectors.stats_query_for_user(leader, start="2026-11-01", end="2026-11-30")
    with CaptureQueriesContext(connection) as ctx:
        selectors.cockpit(sq)
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert '"cases_case"' not in sql and "cases_case " not in sql
    # A fixed number of queries, however many rows the period holds.
    assert len(ctx.captured_queries) <= 20


def test_cockpit_is_computed_once_between_roll_ups(report, leader, local_cache):
    for day in (2, 3, 4):
        report(at(day, 10))
    stats_rollup(full=True)
    sq = selectors.stats_query_for_user(leader, start="2026-11-01", end="2026-11-30")
    first = selectors.cockpit(sq)
    assert first["summary"]["registered"] == 3
    with CaptureQueriesContext(connection) as ctx:
        again = selectors.cockpit(sq)
    assert again == first
    # The summary tables' stamp (newest rows, the roll-up's runs) and nothing else.
    assert len(ctx.captured_queries) == 2, [q["sql"][:120] for q in ctx.captured_queries]
    # Another period, or another scope, is another entry.
    other = selectors.stats_query_for_user(leader, start="2026-11-03", end="2026-11-30")
    assert selectors.cockpit(other)["summary"]["registered"] == 2
    # A roll-up that writes is seen by the next read at once.
    report(at(5, 10))
    stats_rollup()
    assert selectors.cockpit(sq)["summary"]["registered"] == 4


def test_query_count_does_not_grow_with_cases(report, leader, django_assert_max_num_queries):
    for day in (2, 3, 4, 5, 6):
        report(at(day, 10))
    stats_rollup(full=True)
    sq = selectors.stats_query_for_user(leader, start="2026-11-01", end="2026-11-30")
    with django_assert_max_num_queries(3):
        selectors.summary(sq)


def test_buckets_cover_their_seconds():
    for seconds in (0, 59, 60, 61, 3600, 86400 * 3, 86400 * 400):
        lo, hi = bucket_bounds(bucket_of(seconds))
        assert lo <= seconds < hi or bucket_of(seconds) == 47
