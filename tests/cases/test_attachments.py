"""Photos on reports, results and on-the-spot settlements, seen only by who sees the case."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.conftest import GRID_A, grid_centre
from wangge.cases.models import Case


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 80, 40)).save(out, "JPEG")
    return out.getvalue()


def upload(api, user, purpose="photo", data=None, name="p.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api.as_user(user) if user else api
    f = SimpleUploadedFile(name, data or jpeg(), content_type="image/jpeg")
    r = client.post("/api/v1/attachments/", {"file": f, "purpose": purpose}, format="multipart")
    return r


def test_settle_on_spot_needs_photos_before_and_after(api, county, categories, worker_a):
    lat, lng = grid_centre(county[GRID_A])
    body = {
        "description": "绿化带有装修垃圾",
        "lat": lat,
        "lng": lng,
        "category_code": "C0403",
        "channel": "patrol",
        "settled": True,
        "resolution": "已联系业主清运",
    }
    r = api.as_user(worker_a).post("/api/v1/cases/", body, format="json")
    assert r.status_code == 400 and "照片" in r.data["detail"]
    assert Case.objects.count() == 0

    before = upload(api, worker_a, "before").data["id"]
    after = upload(api, worker_a, "after").data["id"]
    body.update(attachments=[before], result_attachments=[after])
    r = api.as_user(worker_a).post("/api/v1/cases/", body, format="json")
    assert r.status_code == 201, r.data
    assert r.data["state"] == "closed"
    timeline = r.data["timeline"]
    assert [e["kind"] for e in timeline] == ["submit", "accept", "settle_on_spot"]
    assert timeline[0]["attachments"][0]["id"] == before
    assert timeline[2]["attachments"][0]["id"] == after


def test_report_photo_is_served_only_within_scope(
    api, county, categories, resident, worker_a, worker_b
):
    photo = upload(api, resident).data["id"]
    lat, lng = grid_centre(county[GRID_A])
    r = api.as_user(resident).post(
        "/api/v1/cases/",
        {"description": "车棚顶漏雨", "lat": lat, "lng": lng, "attachments": [photo]},
        format="json",
    )
    assert r.status_code == 201, r.data
    url = f"/attachments/{photo}/"
    assert api.as_user(worker_a).get(url).status_code == 200
    assert api.as_user(worker_b).get(url).status_code == 404


def test_a_pdf_renamed_jpg_is_refused(api, resident):
    r = upload(
        api, resident, data=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", name="x.jpg"
    )
    assert r.status_code == 400


def test_someone_elses_photo_cannot_be_attached(api, county, categories, resident, worker_a):
    photo = upload(api, worker_a).data["id"]
    lat, lng = grid_centre(county[GRID_A])
    r = api.as_user(resident).post(
        "/api/v1/cases/",
        {"description": "车棚顶漏雨", "lat": lat, "lng": lng, "attachments": [photo]},
        format="json",
    )
    assert r.status_code == 404
    assert Case.objects.count() == 0
