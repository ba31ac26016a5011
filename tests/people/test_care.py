"""The care ledger: due and overdue visits per worker, visits move the due date, journals."""

import datetime as dt

import time_machine
from django.utils import timezone

from wangge.people.models import CareLevel, CareRecord, Visit
from wangge.people.services import care_enrol, next_visit_due


def test_next_visit_due_is_a_pure_function():
    d = dt.date(2026, 11, 1)
    assert next_visit_due(since=d, last_visited=None, interval_days=7) == dt.date(2026, 11, 8)
    assert next_visit_due(since=d, last_visited=dt.date(2026, 11, 20), interval_days=30) == dt.date(
        2026, 12, 20
    )


def test_default_levels_are_configuration(db):
    levels = {lv.code: (lv.scheme, lv.visit_interval_days) for lv in CareLevel.objects.all()}
    # The elderly 五色台账 and the children's 四色管理, side by side.
    assert levels == {
        "red": ("elderly", 7),
        "orange": ("elderly", 15),
        "yellow": ("elderly", 30),
        "blue": ("elderly", 90),
        "green": ("elderly", 180),
        "child-red": ("children", 7),
        "child-orange": ("children", 15),
        "child-yellow": ("children", 30),
        "child-green": ("children", 90),
    }


def test_due_list_is_scoped_and_ordered(api, worker_a, worker_b, resident_a, resident_b):
    red = CareLevel.objects.get(code="red")
    blue = CareLevel.objects.get(code="blue")
    today = timezone.localdate()
    care_enrol(actor=None, resident=resident_a, level=red, since=today - dt.timedelta(days=10))
    care_enrol(actor=None, resident=resident_b, level=blue, since=today)
    rows = api.as_user(worker_a).get("/api/v1/people/care/due/").json()["results"]
    assert [r["resident_id"] for r in rows] == [resident_a.pk]
    assert rows[0]["overdue_days"] == 3 and rows[0]["level"]["code"] == "red"
    # Grid B's person is blue and due in 90 days: not on the 7-day list, even for worker B.
    assert api.as_user(worker_b).get("/api/v1/people/care/due/").json()["results"] == []
    rows = api.as_user(worker_b).get("/api/v1/people/care/due/?within_days=90").json()
    assert [r["resident_id"] for r in rows["results"]] == [resident_b.pk]
    assert api.as_user(worker_b).get("/api/v1/people/care/due/?within_days=x").status_code == 400


def test_visit_moves_the_due_date(api, worker_a, resident_a):
    red = CareLevel.objects.get(code="red")
    care_enrol(actor=None, resident=resident_a, level=red, since=dt.date(2026, 1, 1))
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)):
        resp = api.as_user(worker_a).post(
            "/api/v1/people/visits/",
            {"resident_id": resident_a.pk, "notes": "身体尚好，独自在家", "findings": ""},
            format="json",
        )
        assert resp.status_code == 201, resp.json()
        assert resp.json()["place"] == "怡园小区16号楼2单元301室"
        rec = CareRecord.objects.get(resident=resident_a)
        assert rec.next_due_on == dt.date(2026, 11, 30)
        # Due in 7 days: no longer overdue, on the list only when looking a week ahead.
        due = api.as_user(worker_a).get("/api/v1/people/care/due/?within_days=0").json()
        assert due["results"] == []


def test_visit_in_other_grid_refused(api, worker_a, resident_b):
    resp = api.as_user(worker_a).post(
        "/api/v1/people/visits/", {"resident_id": resident_b.pk, "notes": "x"}, format="json"
    )
    assert resp.status_code == 404
    assert not Visit.objects.exists()


def test_visit_raising_a_case_needs_findings(api, worker_a, resident_a):
    resp = api.as_user(worker_a).post(
        "/api/v1/people/visits/",
        {"resident_id": resident_a.pk, "raise_case": True, "findings": ""},
        format="json",
    )
    assert resp.status_code == 400 and "发现的问题" in resp.json()["detail"]
    assert not Visit.objects.exists()


def test_visits_list_scoped(api, worker_a, worker_b, resident_a):
    api.as_user(worker_a).post(
        "/api/v1/people/visits/", {"resident_id": resident_a.pk}, format="json"
    )
    assert len(api.as_user(worker_a).get("/api/v1/people/visits/").json()["results"]) == 1
    assert api.as_user(worker_b).get("/api/v1/people/visits/").json()["results"] == []


def test_enrol_via_api_and_change_level(api, worker_a, resident_a, resident_b):
    c = api.as_user(worker_a)
    resp = c.post("/api/v1/people/care/", {"resident_id": resident_a.pk, "level": "yellow"})
    assert resp.status_code == 201 and resp.json()["level"]["visit_interval_days"] == 30
    resp = c.post("/api/v1/people/care/", {"resident_id": resident_a.pk, "level": "red"})
    assert resp.json()["level"]["code"] == "red"
    assert CareRecord.objects.count() == 1
    assert (
        c.post("/api/v1/people/care/", {"resident_id": resident_a.pk, "level": "x"}).status_code
        == 400
    )
    resp = c.post("/api/v1/people/care/", {"resident_id": resident_b.pk, "level": "red"})
    assert resp.status_code == 404


def test_journal(api, worker_a, worker_b, county):
    from tests.conftest import GRID_A, GRID_B

    c = api.as_user(worker_a)
    resp = c.post(
        "/api/v1/people/journal/",
        {
            "grid_code": GRID_A,
            "kind": "patrol",
            "content": "巡查发现16号楼楼道堆放杂物，已劝导清理",
        },
        format="json",
    )
    assert resp.status_code == 201, resp.json()
    resp = c.post("/api/v1/people/journal/", {"grid_code": GRID_B, "content": "x"}, format="json")
    assert resp.status_code == 404
    resp = c.post("/api/v1/people/journal/", {"grid_code": GRID_A, "content": "  "}, format="json")
    assert resp.status_code == 400
    assert len(c.get("/api/v1/people/journal/").json()["results"]) == 1
    assert api.as_user(worker_b).get("/api/v1/people/journal/").json()["results"] == []


def test_visit_with_photos_seen_by_its_grid_only(
    api, worker_a, worker_b, resident_a, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.attachments.conftest import jpeg_bytes

    settings.MEDIA_ROOT = tmp_path / "media"
    c = api.as_user(worker_a)
    up = c.post(
        "/api/v1/attachments/",
        {"file": SimpleUploadedFile("door.jpg", jpeg_bytes((64, 48)))},
        format="multipart",
    )
    assert up.status_code == 201, up.content
    resp = c.post(
        "/api/v1/people/visits/",
        {"resident_id": resident_a.pk, "notes": "门口照片", "photo_ids": [up.json()["id"]]},
        format="json",
    )
    assert resp.status_code == 201, resp.json()
    photo = resp.json()["photos"][0]
    assert photo["id"] == up.json()["id"]
    assert c.get(photo["url"]).status_code == 200
    assert api.as_user(worker_b).get(photo["url"]).status_code == 404


def test_visit_with_someone_elses_photo_saves_nothing(
    api, worker_a, worker_b, resident_a, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.attachments.conftest import jpeg_bytes

    settings.MEDIA_ROOT = tmp_path / "media"
    up = api.as_user(worker_b).post(
        "/api/v1/attachments/",
        {"file": SimpleUploadedFile("x.jpg", jpeg_bytes((64, 48)))},
        format="multipart",
    )
    resp = api.as_user(worker_a).post(
        "/api/v1/people/visits/",
        {"resident_id": resident_a.pk, "photo_ids": [up.json()["id"]]},
        format="json",
    )
    assert resp.status_code == 404
    assert not Visit.objects.exists()


def test_visit_raises_a_case_in_one_step(api, worker_a, resident_a):
    from wangge.cases.categories import category_seed
    from wangge.cases.models import Case

    category_seed()
    resp = api.as_user(worker_a).post(
        "/api/v1/people/visits/",
        {
            "resident_id": resident_a.pk,
            "notes": "入户走访",
            "findings": "楼道内电线老化裸露，存在触电和火灾隐患",
            "raise_case": True,
        },
        format="json",
    )
    assert resp.status_code == 201, resp.json()
    case = Case.objects.get(pk=resp.json()["case_id"])
    assert case.channel == "patrol"
    assert "电线老化" in case.description
    assert resident_a.name not in case.description + case.title + case.address
    assert Visit.objects.get().case_id == case.pk
