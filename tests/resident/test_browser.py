"""The resident's loop in Chromium, without any account: report with a photo and no category,
the worker gets it in the queue, the same browser confirms and rates, a second answer (from a
tab opened before) is refused, and a merged report shows the case that carries on."""

from __future__ import annotations

import re

import pytest

from tests.conftest import GRID_A, grid_centre
from wangge.cases.models import Case, CaseFeedback
from wangge.cases.workflow import case_transition

pytestmark = pytest.mark.browser

DESCRIPTION = "单元门口掉了一地碎玻璃渣，小孩容易踩到"


def _report(person, photo, description=DESCRIPTION) -> str:
    page = person.page
    person.goto("/report/")
    page.wait_for_selector("#pinmap[data-ready]")
    page.fill("#id_description", description)
    page.click("#use-location")
    page.wait_for_selector("#pinmap[data-pinned]")
    page.set_input_files("#id_photos", str(photo))
    page.wait_for_selector(".photo-previews img")
    page.fill("#id_contact_phone", "13800001111")
    page.click("[data-submit]")
    code = page.locator("[data-tracking-code]").get_attribute("data-tracking-code")
    assert re.fullmatch(r"[2-9A-Z]{8}", code)
    return code


def test_anonymous_reporter_confirms_and_rates_in_the_same_browser(
    browser_factory, county, categories, worker_a, operator, photo
):
    lat, lng = grid_centre(county[GRID_A])
    person = browser_factory(
        geolocation={"latitude": lat, "longitude": lng}, permissions=["geolocation"]
    )
    worker = browser_factory()
    worker.log_in(worker_a)

    code = _report(person, photo)
    page = person.page
    # The done page tells the truth: the suggestion was sure, it went to the grid.
    where = page.locator("[data-where]").inner_text()
    assert "已交由" in where and "等待工作人员接单" in where
    assert f"/track/{code}/k/" in page.locator("[data-private-link]").input_value()

    # No category was chosen, yet it is in the worker's queue.
    worker.goto("/grid-work/")
    worker.page.locator(f'[data-list=claimable] [data-case="{code}"]').wait_for(timeout=5_000)
    case = Case.objects.get(tracking_code=code)
    case_transition(case=case, actor=worker_a, action="claim")
    case_transition(case=case, actor=worker_a, action="resolve", reason="已清扫干净")

    # The same browser, no login: /track/ lists the report, its page asks the two questions.
    person.goto("/track/")
    page.click(f'[data-recent] a[href="/track/{code}/"]')
    page.wait_for_selector("[data-answer-form]")
    assert page.locator(".photo-grid img").count() == 1  # the reporter sees their photo
    # A second tab, opened now, will try to answer again later.
    other = person.context.new_page()
    other.goto(person.url(f"/track/{code}/"))
    other.wait_for_selector("[data-answer-form]")

    page.check("input[name=solved][value=solved]")
    page.check("input[name=satisfaction][value=basic]")
    page.fill("#id_comment", "扫得很干净")
    page.click("[data-answer-form] button[type=submit]")
    page.wait_for_selector("[data-public-status=done]")
    assert page.locator("[data-answer-form]").count() == 0
    shown = page.locator("[data-answer]")
    assert shown.get_attribute("data-answer") == "solved/basic"
    assert "扫得很干净" in shown.inner_text()

    other.check("input[name=solved][value=not_solved]")
    other.check("input[name=satisfaction][value=not_satisfied]")
    with other.expect_response(lambda r: r.url.endswith("/answer/")) as got:
        other.click("[data-answer-form] button[type=submit]")
    assert got.value.status == 409
    assert "已评价过" in other.locator("[data-error]").inner_text()
    assert other.locator("[data-answer-form]").count() == 0
    assert CaseFeedback.objects.filter(case=case).count() == 1
    case.refresh_from_db()
    assert case.state == "closed"

    # A second report of the same problem, merged by the centre: its page leads to the first.
    second = _report(person, photo, "单元门口的碎玻璃渣还在")
    twin = Case.objects.get(tracking_code=second)
    case_transition(case=twin, actor=operator, action="merge", merge_into=case)
    person.goto(f"/track/{second}/")
    link = page.locator(f'[data-master="{code}"] a')
    assert "已办结" in link.inner_text()
    link.click()
    page.wait_for_url(person.url(f"/track/{code}/"))
