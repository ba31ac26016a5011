"""The incremental roll-up reads the change log: random workflow moves, with runs in between,
end in the same tables as a full run; a run with nothing changed costs a few queries; the month
tables always hold the sums of the daily ones; the selectors give the same figures from either."""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import GRID_B
from tests.stats.conftest import at
from tests.stats.test_rollup import snapshot
from wangge.cases.models import Case, Category
from wangge.cases.workflow import allowed_actions
from wangge.stats import selectors
from wangge.stats.models import (
    COUNT_FIELDS,
    CaseDailyStat,
    CaseDurationStat,
    CaseMonthDurationStat,
    CaseMonthStat,
    CaseStatChange,
)
from wangge.stats.rollup import stats_rollup

# Moves a random walk may take, with what each needs besides the actor.
MOVES = {
    "claim": {},
    "resolve": {},
    "close": {},
    "reopen": {},
    "suspend": {},
    "resume": {},
    "overdue": {},
    "extend_request": {},
    "extend_approve": {},
    "rate": {"payload": {"solved": "solved", "satisfaction": "basic"}},
    "recategorize": {},
    "transfer": {},
}


def month_sums_of_daily() -> dict:
    out: dict = defaultdict(lambda: defaultdict(int))
    for r in CaseDailyStat.objects.values(
        "day", "grid_path", "category_id", "channel", "department_id", *COUNT_FIELDS
    ):
        key = (r["day"].replace(day=1), r["grid_path"], r["category_id"], r["channel"])
        for f in COUNT_FIELDS:
            out[(*key, r["department_id"])][f] += r[f]
    return {k: dict(v) for k, v in out.items() if any(v.values())}


def month_rows() -> dict:
    out: dict = {}
    for r in CaseMonthStat.objects.values(
        "month", "grid_path", "category_id", "channel", "department_id", *COUNT_FIELDS
    ):
        key = (r["month"], r["grid_path"], r["category_id"], r["channel"], r["department_id"])
        assert key not in out, key  # one row per unit and month
        out[key] = {f: r[f] for f in COUNT_FIELDS}
    return out


def month_histogram_matches_daily() -> bool:
    daily: dict = defaultdict(int)
    for r in CaseDurationStat.objects.values("day", "grid_path", "metric", "bucket", "count"):
        daily[(r["day"].replace(day=1), r["grid_path"], r["metric"], r["bucket"])] += r["count"]
    monthly: dict = defaultdict(int)
    for r in CaseMonthDurationStat.objects.values(
        "month", "grid_path", "metric", "bucket", "count"
    ):
        monthly[(r["month"], r["grid_path"], r["metric"], r["bucket"])] += r["count"]
    return dict(daily) == dict(monthly)


@pytest.mark.parametrize("seed", [1, 2])
def test_random_moves_end_as_a_full_run(
    seed, report, act, resident, worker_a, worker_b, community_staff, operator, departments
):
    rng = random.Random(seed)
    stats_rollup(full=True)
    # Cases over two months and two grids; runs interleaved with the moves.
    cases = [
        report(at(d, 9 + i % 8), **({"grid_code": GRID_B} if i % 3 == 0 else {}))
        for i, d in enumerate([2, 2, 3, 5, 9, 16, 27, 30, 30, 4])
    ]
    actors = [resident, worker_a, worker_b, community_staff, operator]
    clock = at(30, 18)
    for _ in range(45):
        case = Case.objects.get(pk=rng.choice(cases).pk)
        options = [
            (actor, action)
            for actor in actors
            for action in allowed_actions(actor, case)
            if action in MOVES
        ]
        if not options:
            continue
        actor, action = rng.choice(options)
        kwargs = dict(MOVES[action])
        if action in ("resolve", "reopen", "suspend", "extend_request"):
            kwargs["reason"] = "说明"
        if action == "recategorize":
            kwargs["category"] = Category.objects.get(code=rng.choice(["E0201", "E0104"]))
        if action == "transfer":
            kwargs["reason"] = "转办"
            kwargs["target_department"] = departments["chengguan"]
        clock += timedelta(minutes=37)
        try:
            act(case, actor, action, clock, **kwargs)
        except Exception as exc:  # a move the rules refuse here (a missing target, a limit)
            assert getattr(exc, "status_code", 400) < 500, exc
        if rng.random() < 0.3:
            stats_rollup()
    stats_rollup()
    assert not CaseStatChange.objects.exists()
    incremental = snapshot()
    incremental_months = month_rows()
    assert incremental_months == month_sums_of_daily()
    assert month_histogram_matches_daily()
    stats_rollup(full=True)
    assert snapshot() == incremental
    assert month_rows() == incremental_months


def test_a_moved_key_leaves_its_old_row(report, act, worker_a, operator, leader, departments):
    case = report(at(2, 10))
    stats_rollup(full=True)
    before = CaseDailyStat.objects.get()
    assert before.assignee_id is None and before.registered == 1
    act(case, worker_a, "claim", at(2, 11))
    r = stats_rollup()
    assert not r.full and r.keys == 2  # the row without assignee and the one with
    row = CaseDailyStat.objects.get()
    assert row.assignee_id == worker_a.pk and row.responded == 1
    # Another lead unit: the department's row replaces the grid's.
    city = departments["chengguan"]
    act(case, operator, "transfer", at(2, 12), reason="转办", target_department=city)
    stats_rollup()
    row = CaseDailyStat.objects.get()
    assert row.department_id == departments["chengguan"].pk
    month = CaseMonthStat.objects.get()
    assert month.department_id == departments["chengguan"].pk and month.registered == 1


def test_writes_outside_the_services_are_counted(report):
    # A bulk fix by SQL (an import, a data repair) goes through the log all the same.
    case = report(at(2, 10))
    stats_rollup(full=True)
    Case.objects.filter(pk=case.pk).update(overdue=True)
    stats_rollup()
    assert CaseDailyStat.objects.get().due == 1
    Case.objects.filter(pk=case.pk).update(urge_count=3)  # counts nothing: not logged
    assert not CaseStatChange.objects.exists()


def test_nothing_changed_costs_a_few_queries(report):
    for day in (2, 3, 4):
        report(at(day, 10))
    stats_rollup(full=True)
    stats_rollup()
    with CaptureQueriesContext(connection) as ctx:
        r = stats_rollup()
    assert r.changes == 0 and r.cases == 0
    assert len(ctx.captured_queries) <= 8, [q["sql"] for q in ctx.captured_queries]
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "cases_case" not in sql and "stats_casedailystat" not in sql


def test_one_change_reads_one_days_grid(report, act, worker_a):
    cases = [report(at(d, 10)) for d in (2, 3, 4, 5)]
    stats_rollup(full=True)
    act(cases[1], worker_a, "claim", at(6, 9))
    with CaptureQueriesContext(connection) as ctx:
        r = stats_rollup()
    assert r.days == 1 and r.cases == 1
    # A fixed number of queries for one change: lock, log, the day's cases and answers, the
    # old rows, the new rows, the month's rows.
    assert len(ctx.captured_queries) <= 25


def test_month_table_gives_the_same_figures(
    report, act, resident, worker_a, worker_b, community_staff, operator, leader
):
    from tests.stats.scenario import build_week

    build_week(
        report,
        act,
        resident=resident,
        worker_a=worker_a,
        worker_b=worker_b,
        community_staff=community_staff,
        operator=operator,
    )
    report(at(30, 10))
    report(at(2, 10).replace(month=10))
    stats_rollup(full=True)
    for start, end in [
        ("2026-10-01", "2026-11-30"),  # two whole months
        ("2026-10-02", "2026-11-30"),  # a partial edge
        ("2026-10-01", "2026-11-15"),  # a partial end with rows after it
        ("2025-12-01", "2026-11-30"),  # a year
    ]:
        sq = selectors.stats_query_for_user(leader, start=start, end=end)
        fine = dataclasses.replace(sq, use_months=False, extra={})
        for interval in ("day", "week", "month"):
            assert selectors.cockpit(sq, interval=interval) == selectors.cockpit(
                fine, interval=interval
            ), (start, end, interval)
    months, days = selectors.split_period(sq, sq.start, sq.end)
    assert months is not None and days == []
