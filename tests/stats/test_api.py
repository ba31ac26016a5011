"""The statistics API: figures, breakdowns, scope and bad parameters."""

from __future__ import annotations

import pytest

from tests.conftest import COMMUNITY_A, COMMUNITY_B, GRID_A, GRID_B, STREET
from tests.stats.scenario import EXPECTED_DISTRICT, build_week
from wangge.stats.rollup import stats_rollup

PERIOD = {"start": "2026-11-01", "end": "2026-11-30"}


@pytest.fixture
def week(report, act, resident, worker_a, worker_b, community_staff, operator):
    cases = build_week(
        report,
        act,
        resident=resident,
        worker_a=worker_a,
        worker_b=worker_b,
        community_staff=community_staff,
        operator=operator,
    )
    stats_rollup()
    return cases


def get(api, user, path, **params):
    return api.as_user(user).get(f"/api/v1/stats/{path}/", {**PERIOD, **params})


def test_summary_matches_the_definitions(api, week, leader):
    r = get(api, leader, "summary")
    assert r.status_code == 200, r.content
    for key, value in EXPECTED_DISTRICT.items():
        assert r.json()[key] == value, key


def test_subtree_filter(api, week, leader):
    a = get(api, leader, "summary", grid=COMMUNITY_A).json()
    b = get(api, leader, "summary", grid=COMMUNITY_B).json()
    # c6 is the only case in community B; c5 (unlocated, district) is in neither.
    assert b["registered"] == 1 and b["overdue_open"] == 1
    assert a["registered"] == 5


def test_breakdowns(api, week, leader):
    by_grid = get(api, leader, "breakdown", by="grid", grid=STREET).json()
    assert {r["key"]: r["registered"] for r in by_grid} == {COMMUNITY_A: 5, COMMUNITY_B: 1}
    by_channel = get(api, leader, "breakdown", by="channel").json()
    assert by_channel == [pytest.approx(by_channel[0])] and by_channel[0]["key"] == "h5"
    by_cat = get(api, leader, "breakdown", by="category").json()
    assert sum(r["registered"] for r in by_cat) == 7
    assert get(api, leader, "breakdown", by="department").status_code == 200


def test_trend_sums_to_the_summary(api, week, leader):
    for interval in ("day", "week", "month"):
        rows = get(api, leader, "trend", interval=interval).json()
        assert sum(r["registered"] for r in rows) == 7
        assert sum(r["closed"] for r in rows) == 3
    days = get(api, leader, "trend", interval="day").json()
    assert len(days) == 30  # every day of the period, empty ones too
    assert days[1]["period"] == "2026-11-02" and days[1]["registered"] == 2


def test_density_and_ranking(api, week, leader):
    dens = get(api, leader, "density", grid=STREET).json()
    assert {r["key"]: r["open"] for r in dens} == {COMMUNITY_A: 1, COMMUNITY_B: 1}
    assert all(r["area_km2"] and r["area_km2"] > 0 for r in dens)
    rank = get(api, leader, "ranking", by="grid", grid=STREET).json()
    # Four or fewer cases per community: below the minimum sample, listed apart, not ranked.
    assert rank["top"] == [] and {r["key"] for r in rank["small_samples"]} == {
        COMMUNITY_A,
        COMMUNITY_B,
    }


def test_ranking_with_a_lower_minimum(api, week, leader, settings):
    settings.STATS_RANK_MIN_CASES = 1
    rank = get(api, leader, "ranking", by="grid", grid=STREET, indicator="completion_rate").json()
    # A: 3 closed of 3 due (c3 suspended is taken out) = 100 %; B: 0 of 1.
    assert [r["key"] for r in rank["top"]] == [COMMUNITY_A, COMMUNITY_B]
    assert rank["top"][0]["completion_rate"] == 1.0


def test_community_staff_see_only_their_community(api, week, community_staff, worker_b):
    mine = get(api, community_staff, "summary").json()
    assert mine["registered"] == 5 and mine["overdue_open"] == 0
    # Another community's grid reads as nonexistent.
    r = get(api, community_staff, "summary", grid=COMMUNITY_B)
    assert r.status_code == 404 and "不存在" in r.json()["detail"]
    assert get(api, worker_b, "summary").json()["registered"] == 1
    assert get(api, worker_b, "summary", grid=GRID_A).status_code == 404
    assert get(api, worker_b, "breakdown", by="grid", grid=GRID_B).status_code == 200


def test_residents_and_visitors_get_no_statistics(api, county, resident):
    r = get(api, resident, "summary")
    assert r.status_code == 403 and "权限" in r.json()["detail"]
    assert api.get("/api/v1/stats/summary/").status_code in (401, 403)


@pytest.mark.parametrize(
    "params, status, words",
    [
        ({"grid": "999999"}, 404, "不存在"),
        ({"start": "2026-11-30", "end": "2026-11-01"}, 400, "不能早于"),
        ({"start": "2020-01-01", "end": "2026-11-30"}, 400, "最长"),
        ({"start": "2026-13-01"}, 400, "日期格式"),
        ({"channel": "fax"}, 400, "未知的渠道"),
        ({"category": "Z99"}, 400, "未知的事件类别"),
        ({"department": "nope"}, 404, "部门"),
    ],
)
def test_bad_parameters(api, leader, params, status, words):
    r = api.as_user(leader).get("/api/v1/stats/summary/", params)
    assert r.status_code == status, r.content
    assert words in r.json()["detail"]


@pytest.mark.parametrize(
    "path, params, words",
    [
        ("breakdown", {"by": "weather"}, "分组方式"),
        ("trend", {"interval": "hour"}, "时间粒度"),
        ("ranking", {"by": "grid", "indicator": "luck"}, "指标"),
        ("ranking", {"by": "grid", "limit": "x"}, "整数"),
        ("ranking", {"by": "grid", "limit": "0"}, "名次数"),
        ("ranking", {"by": "person"}, "排名对象"),
    ],
)
def test_bad_choices(api, leader, path, params, words):
    r = get(api, leader, path, **params)
    assert r.status_code == 400 and words in r.json()["detail"]


def test_schema_documents_the_endpoints(api, admin_user):
    r = api.as_user(admin_user).get("/api/schema/")
    assert r.status_code == 200
    body = r.content.decode()
    for p in ("summary", "breakdown", "trend", "density", "ranking", "assessment", "cockpit"):
        assert f"/api/v1/stats/{p}/" in body
