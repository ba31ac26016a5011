"""三单制 in a real browser: a resident orders on the phone, the community builds the task at
the desktop order desk, a party member takes and completes it with a photo on the phone, the
resident rates it; the desk shows refusals in Chinese."""

from __future__ import annotations

import pytest

from tools import browser as wb
from wangge.community.models import ServiceOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def photo_file(tmp_path):
    from PIL import Image

    path = tmp_path / "done.jpg"
    Image.new("RGB", (640, 480), (120, 170, 110)).save(path, "JPEG", quality=85)
    return path


def test_order_build_take_complete_rate(
    browser_factory, zhao, dangyuan, community_staff, catalogue, hh_a, photo_file
):
    from wangge.community.services import resident_account_bind

    resident_account_bind(actor=None, user=dangyuan, household=hh_a["303"])

    # 群众点单 on the phone.
    person = browser_factory(wb.PHONE)
    person.log_in(zhao)
    person.goto("/community/services/")
    page = person.page
    page.locator('[data-service="代办医保"] [data-order]').click()
    page.fill("#id_description", "老伴住院的医保报销材料不会弄，想请人代办")
    page.click("[data-submit]")
    page.wait_for_selector("[data-state=ordered]")
    code = ServiceOrder.objects.get().code
    assert code in page.content()

    # 组织建单 at the desk: one click in the 待建单 list.
    staff = browser_factory(wb.DESKTOP)
    staff.log_in(community_staff)
    staff.goto("/community/desk/")
    staff.page.locator(f'[data-confirm="{code}"]').click()
    staff.page.wait_for_selector(".alert-success")
    assert staff.page.locator(f'[data-order="{code}"]').count() == 0
    staff.goto("/community/desk/?tab=open")
    assert staff.page.locator(f'[data-order="{code}"]').count() == 1

    # 党员接单 on the phone, then completes with a photo.
    member = browser_factory(wb.PHONE)
    member.log_in(dangyuan)
    member.goto("/community/serve/")
    member.page.locator(f'[data-take="{code}"]').click()
    member.page.wait_for_selector(f'[data-list=mine] [data-order="{code}"]')
    member.goto(f"/community/orders/{code}/")
    mp = member.page
    assert mp.locator("[data-state]").get_attribute("data-state") == "taken"
    mp.fill("#done-reason", "已到医保中心递交报销材料，回执交给赵先生")
    mp.fill("#done-hours", "2.5")
    mp.set_input_files("#done-photos", str(photo_file))
    mp.click("[data-action=complete]")
    mp.wait_for_selector("[data-state=done]")
    assert mp.locator(".photo-grid img").count() == 1

    # 群众评价: five stars, then hours and points show on the member's page.
    person.goto(f"/community/orders/{code}/")
    page.click("label[for=score-5]")
    page.fill("#rate-reason", "孙师傅跑了两趟，太感谢了")
    page.click("[data-action=rate]")
    page.wait_for_selector("[data-state=closed]")
    assert "记服务时长 2.5 小时" in page.locator(".timeline").inner_text()
    member.goto("/community/serve/")
    assert member.page.locator("[data-stat=hours] strong").inner_text() == "2.5"
    assert member.page.locator("[data-stat=points] strong").inner_text().startswith("5")


def test_desk_refusal_in_chinese_and_resident_points_store(
    browser_factory, zhao, community_staff, catalogue, store_a, hh_a
):
    from wangge.community.services import order_place
    from wangge.points.services import points_award

    order = order_place(actor=zhao, item=catalogue["理发"], description="想请师傅上门理发")
    staff = browser_factory(wb.DESKTOP)
    staff.log_in(community_staff)
    staff.goto(f"/community/orders/{order.code}/")
    sp = staff.page
    sp.locator("details:has([data-action=decline]) summary").click()
    sp.click("[data-action=decline]")
    sp.wait_for_selector("#act-error")
    assert "请填写不予受理的说明" in sp.locator("#act-error").inner_text()
    assert ServiceOrder.objects.get(pk=order.pk).state == "ordered"

    # The resident redeems in the store with his points and sees the code to show.
    points_award(
        actor=None,
        household=hh_a["301"],
        rule_code="good_deed",
        source_type="mediation",
        source_id="1",
        amount="12",
    )
    person = browser_factory(wb.PHONE)
    person.log_in(zhao)
    person.goto("/points/")
    page = person.page
    assert page.locator("[data-balance]").get_attribute("data-balance") == "12.0"
    page.locator('[data-goods="洗衣液"] button').click()
    page.wait_for_selector(".alert-success")
    assert "兑换码" in page.locator(".alert-success").inner_text()
    assert page.locator("[data-balance]").get_attribute("data-balance") == "2.0"
    assert page.locator("[data-redemption] .code-big").count() == 1
