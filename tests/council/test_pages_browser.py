"""Council day, notices and residents' pages in Chromium (phone and desktop), as people use
them: the community runs a meeting at the desk from agenda to archive and prints the minutes;
a notice is written, opened by a grid worker (the read count moves) and withdrawn; a resident
subscribes, reads the notice on the home page, proposes a topic and signs in on the phone."""

from __future__ import annotations

import pytest
import time_machine

from tests.conftest import COMMUNITY_A, GRID_A
from wangge.council.models import Meeting, Topic
from wangge.council.services import topic_propose
from wangge.notices.models import Notice

pytestmark = pytest.mark.browser

EVENING = "2026-11-17T19:35:00+08:00"


def test_meeting_desk_runs_a_council_day(desktop, county, community_staff, worker_a, resident):
    with time_machine.travel(EVENING, tick=True):
        topic_propose(
            actor=resident,
            community=county[COMMUNITY_A],
            title="16号楼前停车难",
            description="晚上消防通道被堵",
        )
        desktop.log_in(community_staff)
        page = desktop.page
        desktop.goto("/council/desk/")
        assert "16号楼前停车难" in page.locator("#pool").inner_text()
        form = page.locator("#new-meeting form")
        form.locator("select[name=community]").select_option(COMMUNITY_A)
        form.locator("input[name=title]").fill("第47期周二说事")
        form.locator("input[name=starts_at]").fill("2026-11-17T19:30")
        form.locator("input[name=place]").fill("社区红色议事厅")
        form.locator("button").click()
        page.wait_for_selector("[data-table=meetings] [data-meeting]")
        assert "安排" in page.locator(".messages").inner_text()
        page.click("[data-table=meetings] [data-meeting] a")

        # Agenda, sign-in by name, then the six steps on the topic.
        page.locator("[data-form=agenda] button").click()
        page.wait_for_selector("[data-topic][data-step=asked]")
        sign = page.locator("[data-form=sign_in]")
        sign.locator("input[name=name]").fill("王大爷")
        sign.locator("input[name=role_note]").fill("楼栋代表")
        sign.locator("button").click()
        page.wait_for_selector("[data-attendance] >> text=王大爷")
        # Signing the same person in twice is refused, in Chinese, on the page.
        sign = page.locator("[data-form=sign_in]")
        sign.locator("input[name=name]").fill("王大爷")
        sign.locator("button").click()
        page.wait_for_selector(".alert-error")
        assert "王大爷 已签到，不能重复签到" in page.locator(".alert-error").inner_text()
        assert page.locator("[data-attendance] li").count() == 1

        item = page.locator("[data-topic]")
        item.locator("textarea[name=minutes]").fill("划定电动车集中停放区")
        item.locator("[data-form=discuss] button").click()
        page.wait_for_selector("[data-topic][data-step=discussed]")
        # A decision without an owner: refused, nothing moves.
        item = page.locator("[data-topic]")
        item.locator("textarea[name=decision]").fill("物业一周内划线")
        item.locator("input[name=due_on]").fill("2026-11-24")
        item.locator("[data-form=decide] button").click()
        page.wait_for_selector(".alert-error")
        assert "请指定责任人" in page.locator(".alert-error").inner_text()
        item = page.locator("[data-topic][data-step=discussed]")
        item.locator("textarea[name=decision]").fill("物业一周内划线")
        item.locator("select[name=owner]").select_option(worker_a.username)
        item.locator("input[name=due_on]").fill("2026-11-24")
        item.locator("[data-form=decide] button").click()
        page.wait_for_selector("[data-topic][data-step=decided]")
        page.locator("[data-topic] textarea[name=answer]").fill("已明确责任人，一周内完成")
        page.locator("[data-form=answer] button").click()
        page.wait_for_selector("[data-topic][data-step=answered]")
        follow = page.locator("[data-form=follow_up]")
        follow.locator("select[name=settled]").select_option("1")
        follow.locator("select[name=satisfaction]").select_option("5")
        follow.locator("input[name=note]").fill("电话回访，满意")
        follow.locator("button").click()
        page.wait_for_selector("[data-topic][data-step=followed]")
        page.locator("[data-form=archive] textarea").fill("议题已解决")
        page.locator("[data-form=archive] button").click()
        page.wait_for_selector("[data-state=archived]")

        page.click("[data-minutes]")
        page.wait_for_selector("text=议事会记录")
        text = page.locator("body").inner_text()
        for expected in (
            "划定电动车集中停放区",
            "王大爷（楼栋代表）",
            "物业一周内划线",
            "满意度 5/5",
        ):
            assert expected in text
        page.emulate_media(media="print")
        assert not page.locator(".no-print").is_visible()
    assert Meeting.objects.get().state == "archived"
    assert Topic.objects.get().step == "archived"


def test_notice_editor_read_counts_and_withdrawal(
    browser_factory, county, community_staff, worker_a, worker_b
):
    staff = browser_factory(viewport={"width": 1440, "height": 900})
    staff.log_in(community_staff)
    page = staff.page
    staff.goto("/notices/")
    page.click("[data-new-notice]")
    page.click("[data-submit=publish]")  # empty: refused in Chinese, nothing written
    page.wait_for_selector(".alert-error")
    assert "请填写标题" in page.locator(".alert-error").inner_text()
    assert Notice.objects.count() == 0
    page.fill("#n-title", "周六上午停水通知")
    page.fill("#n-body", "因管网维修，周六8:00—12:00停水，请提前储水。")
    page.check(f"[data-grid-picks] input[value='{COMMUNITY_A}']")
    page.check("#n-urgent")
    page.click("[data-submit=publish]")
    page.wait_for_selector("#reads")
    reads = page.locator(f"#reads [data-grid='{GRID_A}'] [data-read]")
    assert reads.get_attribute("data-read") == "0"

    worker = browser_factory()
    worker.log_in(worker_a)
    worker.goto("/notices/")
    worker.page.click("[data-table=notices] [data-notice] a")
    worker.page.wait_for_selector("[data-notice][data-state=published]")
    other = browser_factory()
    other.log_in(worker_b)
    other.goto("/notices/")
    assert other.page.locator("[data-table=notices] [data-notice]").count() == 0

    page.reload()
    assert (
        page.locator(f"#reads [data-grid='{GRID_A}'] [data-read]").get_attribute("data-read") == "1"
    )
    page.fill("[data-form=withdraw] input[name=reason]", "维修改期")
    page.click("[data-submit=withdraw]")
    page.wait_for_selector("[data-notice][data-state=withdrawn]")
    worker.page.reload()
    assert worker.page.locator("[data-withdrawn]").is_visible()


def test_resident_pages_on_the_phone(phone, county, community_staff, resident):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from wangge.council.services import meeting_schedule
    from wangge.notices.services import notice_publish

    with time_machine.travel(EVENING, tick=True):
        meeting = meeting_schedule(
            actor=community_staff,
            community=county[COMMUNITY_A],
            title="第47期周二说事",
            starts_at=datetime(2026, 11, 17, 19, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
            place="社区红色议事厅",
        )
        notice_publish(
            actor=community_staff,
            title="周二说事日议题征集",
            body="欢迎提出议题",
            grids=[county[COMMUNITY_A]],
        )
        phone.log_in(resident)
        page = phone.page
        phone.goto("/notices/")
        page.select_option("#subscribe select[name=grid]", GRID_A)
        page.click("[data-submit=subscribe]")
        page.wait_for_selector(f"[data-subscribed='{GRID_A}']")
        phone.goto("/")
        assert "周二说事日议题征集" in page.locator("[data-home-notices]").inner_text()

        phone.goto("/council/")
        page.wait_for_selector("[data-community-pick]")
        # Subscribed to a grid of 怡园社区: the page opens on that community.
        page.fill("#t-title", "小区广场舞音响扰民")
        page.fill("#t-desc", "晚上九点后声音很大")
        page.click("[data-submit=propose]")
        page.wait_for_selector("#mine >> text=小区广场舞音响扰民")
        assert "第47期周二说事" in page.locator("#agenda").inner_text()

        page.click(f"[data-meeting='{meeting.pk}'] >> text=签到")
        page.click("[data-submit=sign-in]")
        page.wait_for_selector("[data-signed]")
        # The page fits the phone: nothing wider than the screen.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
    assert Topic.objects.filter(proposer=resident, source="resident").count() == 1
