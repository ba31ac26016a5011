"""In Chromium, as the centre's operator: phone entry with a typed address that resolves to a
building, dispatch with the category and grid pickers, and 2,000 cases paged and filtered —
axe-core finds no serious or critical problem."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import DISTRICT, GRID_A, GRID_A2
from tests.workspace.axe import assert_accessible
from tools.browser import DESKTOP
from wangge.cases.models import Case, CaseState, Channel, workflow_writes

pytestmark = pytest.mark.browser


def test_phone_entry_resolves_the_address_and_dispatch_uses_the_pickers(
    browser_factory, operator, building_a, categories, county
):
    s = browser_factory(DESKTOP)
    s.log_in(operator)
    page = s.page
    page.set_default_timeout(30_000)  # a busy shared test machine
    s.goto("/console/phone/")
    page.wait_for_selector("#pinmap[data-ready]")
    assert_accessible(page)
    page.fill("#id_description", "怡园小区16号楼门口的路灯坏了好几天，晚上很黑")
    page.fill("#address_q", "怡园小区16号楼")
    page.wait_for_selector("[data-address-match]")
    assert page.input_value("#id_lat") and page.input_value("#id_address") == "怡园小区16号楼"
    page.wait_for_selector("#pinmap[data-pinned]")
    assert_accessible(page)
    page.click("#report-form button[type=submit]")
    page.wait_for_url("**/cases/*/")
    case = Case.objects.get(channel=Channel.PHONE)
    assert case.grid.code == GRID_A and abs(case.lat - building_a.lat) < 1e-6

    if case.state == CaseState.SUBMITTED:
        page.click("details[data-action=accept] summary")
        page.fill("details[data-action=accept] [data-filter-select]", "路灯")
        assert page.input_value("#cat-accept") == "A0106"
        page.fill("details[data-action=accept] [data-grid-search]", "2号微网格")
        page.click(f"#gp-accept [data-pick-grid='{GRID_A2}']")
        assert page.input_value("#grid-accept") == GRID_A2
        assert_accessible(page)
        page.click("details[data-action=accept] button[type=submit]")
        page.wait_for_selector("[data-state=dispatched]")
        case.refresh_from_db()
        assert case.category.code == "A0106" and case.handling_grid.code == GRID_A2


def _many_cases(county, n: int = 2000) -> None:
    root = county[DISTRICT]
    grid = county[GRID_A]
    now = timezone.now()
    channels = [Channel.H5, Channel.PATROL, Channel.PHONE, Channel.HOTLINE]
    # Written directly in the state wanted, as the demo loader does; the intake is not tested.
    with workflow_writes():
        _bulk(n, channels, grid, root, now)


def _bulk(n, channels, grid, root, now) -> None:
    Case.objects.bulk_create(
        [
            Case(
                tracking_code=f"T{i:07d}",
                title=f"第 {i} 号反映",
                description=f"第 {i} 号反映的描述",
                channel=channels[i % 4],
                state=CaseState.SUBMITTED,
                grid=grid,
                grid_path=grid.path,
                root=root,
                created_at=now - dt.timedelta(minutes=i),
                updated_at=now,
            )
            for i in range(n)
        ],
        batch_size=500,
    )


def test_page_through_2000_cases_with_filters(browser_factory, operator, county, categories):
    _many_cases(county)
    s = browser_factory(DESKTOP)
    s.log_in(operator)
    page = s.page
    page.set_default_timeout(30_000)  # a busy shared test machine
    s.goto("/console/?tab=all")
    assert page.get_attribute(".pager", "data-total") == "2000"
    assert page.locator("[data-table=all] tbody tr").count() == 50
    assert_accessible(page)
    # 全部 pages by cursor: the next page starts right after the last row shown.
    page.click(".pager [data-page=next] >> nth=0")
    page.wait_for_url("**cursor=*")
    assert "共 2000 条" in page.inner_text(".pager >> nth=0")
    first = page.locator("[data-table=all] tbody tr").first.get_attribute("data-case")
    assert first == "T0000050"
    assert page.locator(".pager [data-page=prev]").count() >= 1
    # Filter: phone calls only; the total follows, and paging keeps the filter.
    page.click(".case-filters summary")
    page.select_option("#id_channel", "phone")
    page.click("[data-apply-filters]")
    page.wait_for_selector(".pager[data-total='500']")
    page.click(".pager [data-page=next] >> nth=0")
    page.wait_for_url("**cursor=*")
    assert "channel=phone" in page.url
    codes = page.locator("[data-table=all] tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.case)"
    )
    assert len(codes) == 50 and all(int(c[1:]) % 4 == 2 for c in codes)
    assert_accessible(page)
    # A date range that ends before it starts: refused next to the field, filters kept.
    s.goto("/console/?tab=all&channel=phone&start=2026-12-01&end=2026-11-01")
    assert "结束日期不能早于开始日期" in page.inner_text(".case-filters")
