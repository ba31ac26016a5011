"""On a phone, as the grid worker: the care ledger by urgency, a visit with a photo and a GPS
check-in that raises a case in one tap; axe-core finds no serious or critical problem."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.workspace.axe import assert_accessible
from tools.browser import PHONE
from wangge.people.models import CareLevel, Visit
from wangge.people.services import care_enrol

pytestmark = pytest.mark.browser


def test_care_visit_with_photo_raises_a_case(
    browser_factory, worker_a, resident_a, building_a, categories, photo
):
    from django.utils import timezone

    care_enrol(
        actor=None,
        resident=resident_a,
        # A browser test's database is flushed between tests: the seeded levels may be gone.
        level=CareLevel.objects.get_or_create(
            code="red",
            defaults={
                "scheme": "elderly",
                "name": "红色（重点关爱）",
                "colour": "#D9363E",
                "visit_interval_days": 7,
            },
        )[0],
        since=timezone.localdate() - dt.timedelta(days=12),
    )
    s = browser_factory(
        PHONE,
        geolocation={"latitude": building_a.lat, "longitude": building_a.lng},
        permissions=["geolocation"],
    )
    s.log_in(worker_a)
    page = s.page
    page.set_default_timeout(30_000)  # a busy shared test machine
    # The tab bar takes the worker to the ledger.
    page.click(".tabbar a:has-text('关爱走访')")
    item = page.locator("[data-scheme=elderly] .care-item").first
    item.wait_for()
    assert "张桂英" in item.inner_text() and "已超期 5 天" in item.inner_text()
    assert_accessible(page)
    item.locator("[data-action=visit]").click()
    page.wait_for_selector("[data-form=visit]")
    assert_accessible(page)

    # Refused first (a case needs findings): what was typed and the chosen photo stay.
    page.fill("#id_notes", "老人独自在家，精神尚可")
    page.check("#id_raise_case")
    page.click("[data-checkin]")
    page.wait_for_selector("[data-form=visit][data-checked-in]")
    page.set_input_files("#id_photos", str(photo))
    page.click("[data-submit-visit]")
    page.wait_for_selector("[data-field=findings] .field-error")
    assert page.input_value("#id_notes") == "老人独自在家，精神尚可"
    assert_accessible(page)
    assert not Visit.objects.exists()

    assert page.get_attribute("[data-kept-photos]", "data-kept-photos") == "1"
    page.fill("#id_findings", "楼道灯坏了，老人夜里下楼看不见")
    page.click("[data-submit-visit]")
    page.wait_for_url("**/cases/*/")
    visit = Visit.objects.get()
    assert visit.case_id and visit.checkin_distance_m is not None
    assert visit.checkin_distance_m < 5
    from wangge.attachments.selectors import attachment_list_for_owner

    assert len(list(attachment_list_for_owner(visit))) == 1  # the photo chosen before the refusal
    assert "楼道灯坏了" in page.inner_text("main")
