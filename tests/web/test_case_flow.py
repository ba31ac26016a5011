"""The main loop in a real browser on phone-sized screens: a resident reports with a photo and
a map position, the grid worker sees it appear without reloading, claims it, resolves it with
a photo; the resident confirms and rates; a worker of another grid never sees it."""

from __future__ import annotations

import re

import pytest

from tests.conftest import GRID_A, grid_centre

pytestmark = pytest.mark.browser

DESCRIPTION = "16号楼楼下有一地碎玻璃，小孩容易踩到"


def _report(resident_session, photo, *, description=DESCRIPTION) -> str:
    page = resident_session.page
    resident_session.goto("/report/")
    page.wait_for_selector("#pinmap[data-ready]")
    page.fill("#id_description", description)
    # The keywords suggest 道路不洁; one tap accepts it.
    page.click("[data-accept-category]")
    assert page.input_value("#id_category") == "E0104"
    page.click("#use-location")
    page.wait_for_selector("#pinmap[data-pinned]")
    page.fill("#id_address", "怡园小区16号楼")
    page.set_input_files("#id_photos", str(photo))
    page.wait_for_selector(".photo-previews img")
    page.click("[data-submit]")
    code = page.locator("[data-tracking-code]").get_attribute("data-tracking-code")
    assert re.fullmatch(r"[2-9A-Z]{8}", code)
    return code


def test_report_claim_resolve_confirm(
    browser_factory, county, categories, resident, worker_a, worker_b, photo
):
    lat, lng = grid_centre(county[GRID_A])
    person = browser_factory(
        geolocation={"latitude": lat, "longitude": lng}, permissions=["geolocation"]
    )
    person.log_in(resident)
    worker = browser_factory()
    worker.log_in(worker_a)
    worker.goto("/grid-work/")
    other = browser_factory()
    other.log_in(worker_b)
    other.goto("/grid-work/")

    code = _report(person, photo)

    # The worker's open queue shows it within 5 seconds, without a reload.
    row = worker.page.locator(f'[data-list=claimable] [data-case="{code}"]')
    row.wait_for(timeout=5_000)
    assert DESCRIPTION[:10] in row.inner_text()
    # The worker of grid B never sees it, in the queue or by address.
    other.page.wait_for_timeout(500)
    assert other.page.locator(f'[data-case="{code}"]').count() == 0
    assert other.page.request.get(other.url(f"/cases/{code}/")).status == 404

    # One tap claims it and opens the case.
    row.locator(".claim-btn").click()
    worker.page.wait_for_url(worker.url(f"/cases/{code}/"))
    assert worker.page.locator("[data-state]").get_attribute("data-state") == "claimed"
    photos_before = worker.page.locator(".photo-grid img").count()
    assert photos_before == 1

    # Resolve with a note and an after photo.
    resolve = worker.page.locator("details[data-action=resolve]")
    resolve.locator("summary").click()
    resolve.locator("textarea[name=reason]").fill("已清扫干净，并提醒物业加强巡查")
    resolve.locator("input[name=photos]").set_input_files(str(photo))
    resolve.locator("button[type=submit]").click()
    worker.page.wait_for_selector("[data-state=resolved]")
    assert worker.page.locator(".photo-grid img").count() == 2

    # The resident sees the answer in plain words, confirms and rates.
    person.goto(f"/track/{code}/")
    page = person.page
    assert page.locator("[data-public-status]").get_attribute("data-public-status") == "answered"
    assert "已清扫干净" in page.locator(".timeline").inner_text()
    page.check("input[name=solved][value=solved]")
    page.check("input[name=satisfaction][value=satisfied]")
    page.fill("#id_comment", "很快，谢谢")
    page.click("[data-answer-form] button[type=submit]")
    page.wait_for_selector("[data-public-status=done]")
    assert "群众评价：已解决，满意" in page.locator(".timeline").inner_text()
    assert page.locator("[data-answer-form]").count() == 0


def test_claim_race_is_answered_kindly(browser_factory, county, categories, worker_a, resident):
    from tests.conftest import make_user
    from wangge.accounts.models import Role
    from wangge.cases.services import case_submit

    lat, lng = grid_centre(county[GRID_A])
    case = case_submit(
        actor=resident, channel="h5", description=DESCRIPTION, lat=lat, lng=lng,
        category_code="E0104",
    ).case  # fmt: skip
    code = case.tracking_code
    colleague = make_user("worker_a2", Role.GRID_WORKER, county[GRID_A])
    first = browser_factory()
    first.log_in(worker_a)
    first.goto("/grid-work/")
    second = browser_factory()
    second.log_in(colleague)
    # The colleague has the case open, with its claim button, when the first worker claims it.
    second.goto(f"/cases/{code}/")
    first.page.locator(f'[data-case="{code}"] .claim-btn').click()
    first.page.wait_for_url(first.url(f"/cases/{code}/"))
    second.page.click("[data-action=claim]")
    second.page.wait_for_url(second.url("/grid-work/"))
    note = second.page.locator(".messages .alert")
    assert "慢了一步：已被 worker_a 认领" in note.inner_text()
    assert second.page.locator(f'[data-list=claimable] [data-case="{code}"]').count() == 0


def test_invalid_report_shows_chinese_error_next_to_field_and_keeps_input(
    browser_factory, county, categories
):
    visitor = browser_factory()
    visitor.goto("/report/")
    page = visitor.page
    page.fill("#id_address", "府前路口公交站")
    page.fill("#id_contact_phone", "abc")
    page.click("[data-submit]")
    error = page.locator("[data-field=description] .field-error")
    error.wait_for()
    assert "请描述您遇到的问题" in error.inner_text()
    assert page.input_value("#id_address") == "府前路口公交站"
    # Fix the description; the service's phone check answers next to the phone field.
    page.fill("#id_description", "公交站的雨棚玻璃碎了")
    page.click("[data-submit]")
    phone_error = page.locator("[data-field=contact_phone] .field-error")
    phone_error.wait_for()
    assert "联系电话格式不正确" in phone_error.inner_text()
    assert page.input_value("#id_description") == "公交站的雨棚玻璃碎了"
    assert page.input_value("#id_contact_phone") == "abc"
