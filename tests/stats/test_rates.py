"""响应率, 解决率, 满意率, 回访率 on hand-made cases: the formulas of docs/stats.md, the same in
the API, the cockpit page and the Excel export, per subtree and per breakdown."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.conftest import COMMUNITY_A
from tests.stats.scenario import build_week
from tests.stats.test_cockpit import kpi, page
from wangge.stats.rollup import stats_rollup
from wangge.stats.views import pct

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


def test_rates_by_hand(api, week, leader):
    s = api.as_user(leader).get("/api/v1/stats/summary/", PERIOD).json()
    # Accepted: c1 c2 c3 c4 c6 c7 (c5 not accepted). Claimed within the response limit: c1 c2
    # c4 c6 c7 (c3 was suspended unclaimed) → 响应率 5/6.
    assert (s["accepted"], s["responded_on_time"]) == (6, 5)
    assert s["response_rate"] == round(5 / 6, 4)
    # Answered: c1 (solved, satisfied) and c2 (its latest answer, for the second closure: not
    # solved, not satisfied; the first answer "partly, basically" no longer counts).
    assert (s["rated"], s["solve_answered"], s["solved"], s["satisfied"]) == (2, 2, 1, 1)
    assert s["solved_rate"] == 0.5 and s["satisfaction_rate"] == 0.5
    # Closed: c1 c2 c7; answered for their current closure: c1 c2 → 回访率 2/3.
    assert (s["closed"], s["followed_up"]) == (3, 2)
    assert s["follow_up_rate"] == round(2 / 3, 4)


def test_basically_satisfied_counts_as_satisfied(report, act, resident, worker_a, leader, api):
    from tests.stats.conftest import at

    c = report(at(2, 10))
    act(c, worker_a, "claim", at(2, 10, 30))
    act(c, worker_a, "resolve", at(2, 11))
    act(c, resident, "rate", at(2, 12), payload={"solved": "partly", "satisfaction": "basic"})
    stats_rollup()
    s = api.as_user(leader).get("/api/v1/stats/summary/", PERIOD).json()
    assert (s["satisfaction_rate"], s["solved_rate"]) == (1.0, 0.0)
    # The answer at `resolved` did not close it (a transition alone): no closed case yet.
    assert s["follow_up_rate"] is None


def test_cockpit_and_export_equal_the_api(client, api, week, leader, community_staff):
    for user, params in ((leader, {}), (community_staff, {}), (leader, {"grid": COMMUNITY_A})):
        s = api.as_user(user).get("/api/v1/stats/summary/", {**PERIOD, **params}).json()
        html = page(client, user, **params).content.decode()
        for key, name in (
            ("response", "response_rate"),
            ("solved", "solved_rate"),
            ("satisfaction", "satisfaction_rate"),
            ("follow-up", "follow_up_rate"),
            ("completion", "completion_rate"),
            ("on-time", "on_time_rate"),
        ):
            assert kpi(html, key) == pct(s[name]), (user, params, key)
        assert 'data-testid="cockpit-export"' in html
        r = api.as_user(user).get("/api/v1/stats/export/", {**PERIOD, **params})
        assert r.status_code == 200
        book = load_workbook(io.BytesIO(r.content))
        sheet = book["汇总"]
        header = [c.value for c in sheet[4]]
        total = dict(zip(header, [c.value for c in sheet[5]], strict=True))
        assert total["响应率"] == s["response_rate"]
        assert total["解决率"] == s["solved_rate"]
        assert total["满意率"] == s["satisfaction_rate"]
        assert total["回访率"] == s["follow_up_rate"]
        assert total["结案率"] == s["completion_rate"]
        assert total["按期结案率"] == s["on_time_rate"]
        # Each breakdown sheet matches the breakdown endpoint.
        for by, title in (("category", "按类别"), ("channel", "按渠道"), ("grid", "按网格")):
            groups = (
                api.as_user(user)
                .get("/api/v1/stats/breakdown/", {**PERIOD, **params, "by": by})
                .json()
            )
            rows = list(book[title].iter_rows(values_only=True))
            head = rows[0]
            got = {r[0]: dict(zip(head, r, strict=True)) for r in rows[1:]}
            assert set(got) == {g["key"] for g in groups}
            for g in groups:
                assert got[g["key"]]["满意率"] == g["satisfaction_rate"]
                assert got[g["key"]]["回访率"] == g["follow_up_rate"]


def test_export_needs_staff_and_valid_parameters(api, week, resident):
    assert api.as_user(resident).get("/api/v1/stats/export/", PERIOD).status_code == 403
    r = api.get("/api/v1/stats/export/", PERIOD)
    assert r.status_code in (401, 403)
