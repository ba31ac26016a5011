"""The grid worker's field kit: ledgers side by side by urgency, the visit form (photos,
check-in, one-tap case), 民情日志; each only for the worker's own grids."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.workspace.conftest import id_number
from wangge.people.models import CareLevel, CareRecord, JournalEntry, Visit
from wangge.people.services import care_enrol, resident_create

pytestmark = pytest.mark.django_db
NOW = "2026-11-19T09:40:00+08:00"


@pytest.fixture
def ledger(resident_a, building_a):
    """An elderly resident 10 days overdue (red) and a child due in 3 days (children yellow)."""
    child = resident_create(
        actor=None,
        name="小明",
        id_number=id_number(777, birth=dt.date(2016, 3, 1)),
        building=building_a,
        unit="2",
        room="302",
        residence_type="户籍",
        tags=["留守儿童"],
    )
    with time_machine.travel(NOW, tick=False):
        care_enrol(
            actor=None,
            resident=resident_a,
            level=CareLevel.objects.get(code="red"),
            since=dt.date(2026, 11, 2),
        )
        care_enrol(
            actor=None,
            resident=child,
            level=CareLevel.objects.get(code="child-yellow"),
            since=dt.date(2026, 10, 23),
        )
    return resident_a, child


@time_machine.travel(NOW, tick=False)
def test_due_list_shows_ledgers_side_by_side_most_urgent_first(client_for, worker_a, ledger):
    html = client_for(worker_a).get("/people/care/").content.decode()
    assert 'data-scheme="elderly"' in html and 'data-scheme="children"' in html
    assert "已超期 10 天" in html and "3 天后到期" in html
    assert html.index("张桂英") < html.index("小明")
    assert 'data-total="2"' in html
    # Five colours in the elderly legend, four in the children's.
    elderly = html.split('data-scheme="elderly"')[1].split('data-scheme="children"')[0]
    assert elderly.count("care-dot") == 5


@time_machine.travel(NOW, tick=False)
def test_other_grid_sees_none_of_my_ledger(client_for, worker_b, ledger):
    html = client_for(worker_b).get("/people/care/").content.decode()
    assert "张桂英" not in html and 'data-total="0"' in html


@time_machine.travel(NOW, tick=False)
def test_visit_with_photo_and_checkin_raises_a_case(
    client_for, worker_a, ledger, categories, photo, building_a
):
    from wangge.cases.models import Case

    resident, _child = ledger
    c = client_for(worker_a)
    with open(photo, "rb") as fh:
        resp = c.post(
            f"/people/care/visit/{resident.pk}/",
            {
                "notes": "老人身体尚可，独自在家",
                "findings": "楼道灯不亮，老人夜间出行不便",
                "raise_case": "on",
                "checkin_lat": f"{building_a.lat + 0.0001:.6f}",
                "checkin_lng": f"{building_a.lng:.6f}",
                "photos": SimpleUploadedFile("p.jpg", fh.read(), content_type="image/jpeg"),
            },
        )
    assert resp.status_code == 302
    visit = Visit.objects.get()
    case = Case.objects.get(pk=visit.case_id)
    assert resp["Location"] == f"/cases/{case.tracking_code}/"
    assert "楼道灯不亮" in case.description and "张桂英" not in case.title + case.description
    assert 5 <= visit.checkin_distance_m <= 20
    assert CareRecord.objects.get(resident=resident).next_due_on == dt.date(2026, 11, 26)
    from wangge.attachments.selectors import attachment_list_for_owner

    assert len(list(attachment_list_for_owner(visit))) == 1


@time_machine.travel(NOW, tick=False)
def test_refused_visit_keeps_what_was_typed(client_for, worker_a, ledger):
    resident, _child = ledger
    resp = client_for(worker_a).post(
        f"/people/care/visit/{resident.pk}/", {"notes": "入户看望", "raise_case": "on"}
    )
    html = resp.content.decode()
    assert resp.status_code == 400
    assert "上报事件需要填写发现的问题" in html and "入户看望</textarea>" in html
    assert not Visit.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_journal_entries(client_for, worker_a, worker_b, county):
    from tests.conftest import GRID_A, GRID_B

    c = client_for(worker_a)
    resp = c.post(
        "/people/journal/",
        {"day": "2026-11-19", "kind": "patrol", "grid": GRID_A, "content": "巡查怡园小区消防通道"},
    )
    assert resp.status_code == 302
    assert "巡查怡园小区消防通道" in c.get("/people/journal/").content.decode()
    # Tomorrow: refused next to the date, the text kept.
    resp = c.post(
        "/people/journal/",
        {"day": "2026-11-20", "kind": "patrol", "grid": GRID_A, "content": "明天的日志"},
    )
    assert resp.status_code == 400 and "日志日期不能晚于今天" in resp.content.decode()
    assert "明天的日志" in resp.content.decode()
    # Someone else's grid: not offered, and refused when forced.
    resp = c.post(
        "/people/journal/", {"day": "2026-11-19", "kind": "patrol", "grid": GRID_B, "content": "x"}
    )
    assert resp.status_code == 400
    assert JournalEntry.objects.count() == 1
    other = client_for(worker_b).get("/people/journal/").content.decode()
    assert "巡查怡园小区消防通道" not in other
