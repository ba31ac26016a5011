"""The leader cockpit page: who reaches it, and that its numbers are the API's."""

from __future__ import annotations

import re

import pytest

from tests.conftest import COMMUNITY_A
from tests.stats.scenario import build_week
from wangge.stats.rollup import stats_rollup
from wangge.stats.views import pct

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


def kpi(html: str, key: str) -> str:
    m = re.search(rf'data-testid="kpi-{key}">([^<]*)<', html)
    assert m, key
    return m.group(1).strip()


def page(client, user, **params):
    client.force_login(user)
    return client.get("/cockpit/", {**PERIOD, **params})


def test_page_numbers_equal_the_api(
    client, api, week, leader, operator, community_staff, admin_user
):
    for user in (leader, operator, community_staff, admin_user):
        r = page(client, user)
        assert r.status_code == 200
        html = r.content.decode()
        s = api.as_user(user).get("/api/v1/stats/cockpit/", PERIOD).json()["summary"]
        assert kpi(html, "registered") == str(s["registered"])
        assert kpi(html, "closed") == str(s["closed"])
        assert kpi(html, "completion") == pct(s["completion_rate"])
        assert kpi(html, "on-time") == pct(s["on_time_rate"])
        assert kpi(html, "satisfaction") == pct(s["satisfaction_rate"])
        assert kpi(html, "overdue") == str(s["overdue_open"])
    # The community's staff see their community only.
    html = page(client, community_staff).content.decode()
    assert (kpi(html, "registered"), kpi(html, "overdue")) == ("5", "0")
    html = page(client, leader, grid=COMMUNITY_A, interval="week").content.decode()
    assert kpi(html, "registered") == "5" and "cockpit-data" in html


def test_others_are_turned_away(client, county, worker_a, resident, handler):
    for user in (worker_a, resident, handler):
        assert page(client, user).status_code == 403


def test_visitors_are_sent_to_sign_in(client, county):
    r = client.get("/cockpit/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


@pytest.mark.parametrize(
    "params, status, words",
    [
        ({"start": "2026-11-30", "end": "2026-11-01"}, 400, "结束日期不能早于开始日期"),
        ({"grid": "999"}, 404, "不存在"),
        ({"start": "2020-01-01"}, 400, "最长"),
    ],
)
def test_bad_filters_show_a_chinese_message(client, county, community_staff, params, status, words):
    r = page(client, community_staff, **params)
    assert r.status_code == status
    assert words in r.content.decode()


def test_leader_is_offered_the_cockpit(client, leader):
    client.force_login(leader)
    assert 'href="/cockpit/"' in client.get("/").content.decode()
