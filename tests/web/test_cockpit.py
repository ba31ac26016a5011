"""The cockpit in Chromium: the numbers shown are the API's, charts and map are drawn."""

from __future__ import annotations

import pytest

from tests.stats import conftest as stats_fixtures
from tests.stats.scenario import build_week
from wangge.stats.rollup import stats_rollup
from wangge.stats.views import pct

# The statistics tests' case-building fixtures, used here with the browser harness.
categories = stats_fixtures.categories
report = stats_fixtures.report
act = stats_fixtures.act

PERIOD = "start=2026-11-01&end=2026-11-30"


@pytest.mark.browser
def test_cockpit_shows_the_api_numbers(
    desktop,
    api,
    report,
    act,
    resident,
    worker_a,
    worker_b,
    community_staff,
    operator,
    leader,
):
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
    desktop.log_in(leader)
    desktop.goto(f"/cockpit/?{PERIOD}")
    page = desktop.page
    page.wait_for_selector("#trend-chart canvas")
    page.wait_for_selector("#density-map .leaflet-overlay-pane path")
    api_summary = api.as_user(leader).get(f"/api/v1/stats/cockpit/?{PERIOD}").json()["summary"]
    shown = page.inner_text("[data-testid=kpi-registered]").strip()
    assert shown == str(api_summary["registered"]) == "7"
    assert page.inner_text("[data-testid=kpi-completion]").strip() == pct(
        api_summary["completion_rate"]
    )
    # The leader's district has two streets: two shaded polygons.
    assert page.locator("#density-map .leaflet-overlay-pane path").count() == 2
    desktop.guard.assert_clean()  # nothing asked of any host but 127.0.0.1
