"""Open311 requests over raw HTTP: POST (url-encoded and multipart), GET filters, errors."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.conftest import GRID_A, GRID_B, grid_centre
from tests.open311.conftest import png_bytes
from wangge.cases.models import Case
from wangge.cases.services import case_submit
from wangge.cases.workflow import case_transition
from wangge.open311.models import Open311Request

FORM = "application/x-www-form-urlencoded"


def errors(response) -> list[tuple[str, str]]:
    if response["Content-Type"].startswith("application/json"):
        return [(str(e["code"]), e["description"]) for e in response.json()]
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    return [(e.findtext("code"), e.findtext("description")) for e in root.findall("error")]


def body(county, api_key, **extra) -> dict:
    lat, lng = grid_centre(county[GRID_A])
    data = {
        "api_key": api_key,
        "service_code": "E0104",
        "lat": str(lat),
        "long": str(lng),
        "description": "怡园小区门口一地碎玻璃，小孩容易划伤",
        "first_name": "小红",
        "last_name": "李",
        "phone": "13900002222",
        "email": "",
        "attribute[area]": "3",
        "attribute[kind][]": ["glass", "oil"],
    }
    data.update(extra)
    return data


def post(fmt: str, data: dict):
    return Client().post(
        f"/open311/v2/requests.{fmt}", urlencode(data, doseq=True), content_type=FORM
    )


def test_post_url_encoded_creates_a_located_case(county, categories, api_key, glass_attributes):
    r = post("json", body(county, api_key))
    assert r.status_code == 200, r.content
    [row] = r.json()
    case = Case.objects.get(tracking_code=row["service_request_id"])
    assert case.channel == "open311" and case.grid.code == GRID_A
    assert case.category.code == "E0104" and case.contact_name == "李小红"
    extra = Open311Request.objects.get(case=case)
    assert str(extra.token) == row["token"]
    assert extra.attributes == {"area": 3, "kind": ["glass", "oil"]}
    # The token resolves to the request id.
    r = Client().get(f"/open311/v2/tokens/{row['token']}.xml")
    assert ET.fromstring(r.content).findtext("request/service_request_id") == case.tracking_code


def test_post_multipart_with_media_stores_a_photo(county, categories, api_key, glass_attributes):
    data = body(county, api_key, media_url="https://example.org/p/1.jpg")
    data["media"] = SimpleUploadedFile("IMG_0001.png", png_bytes(), content_type="image/png")
    r = Client().post("/open311/v2/requests.xml", data)  # multipart
    assert r.status_code == 200, r.content
    root = ET.fromstring(r.content)
    assert root.tag == "service_requests"
    code = root.findtext("request/service_request_id")
    extra = Open311Request.objects.get(case__tracking_code=code)
    assert extra.media is not None and extra.media.original_name == "IMG_0001.png"
    assert extra.media_url == "https://example.org/p/1.jpg"
    # The request shows a signed URL of the uploaded photo, which anyone can open.
    [shown] = Client().get(f"/open311/v2/requests/{code}.json").json()
    assert f"/attachments/{extra.media.pk}/" in shown["media_url"]
    assert Client().get(shown["media_url"]).status_code == 200


def test_an_address_without_point_goes_to_triage_unlocated(county, categories, api_key):
    data = body(county, api_key, lat="", long="", address_string="无名路 88 号")
    del data["attribute[area]"], data["attribute[kind][]"]
    r = post("json", data)
    assert r.status_code == 200, r.content
    case = Case.objects.get(tracking_code=r.json()[0]["service_request_id"])
    assert case.grid is None and case.address == "无名路 88 号"


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_post_errors_in_the_spec_shape(
    fmt, county, categories, api_key, glass_attributes, settings
):
    settings.OPEN311_JURISDICTION_ID = "350427"
    cases = [
        (body(county, ""), 403),  # empty api_key = missing
        ({k: v for k, v in body(county, api_key).items() if k != "api_key"}, 403),
        (body(county, "not-a-key"), 403),
        (body(county, api_key, jurisdiction_id="chicago"), 404),
        (body(county, api_key, service_code="E9999"), 404),
        (body(county, api_key, service_code=""), 400),
        ({k: v for k, v in body(county, api_key).items() if k != "attribute[area]"}, 400),
        (body(county, api_key, **{"attribute[kind][]": ["lava"]}), 400),
        (body(county, api_key, description="长" * 4001), 400),
        (body(county, api_key, lat="", long="", address_string=""), 400),
        (body(county, api_key, phone="call me maybe"), 400),
    ]
    for data, status in cases:
        r = post(fmt, data)
        assert r.status_code == status, (data, r.content)
        [(code, description)] = errors(r)
        assert code == str(status) and description
    assert Case.objects.count() == 0
    # An empty jurisdiction_id is the same as none.
    assert post(fmt, body(county, api_key, jurisdiction_id="")).status_code == 200


def test_bad_media_is_a_400_and_writes_nothing(county, categories, api_key, glass_attributes):
    data = body(county, api_key)
    data["media"] = SimpleUploadedFile(
        "x.jpg", b"%PDF-1.4 not a picture", content_type="image/jpeg"
    )
    r = Client().post("/open311/v2/requests.json", data)
    assert r.status_code == 400 and errors(r)[0][0] == "400"
    assert Case.objects.count() == 0


def make_case(county, grid=GRID_A, channel="h5", **kw):
    lat, lng = grid_centre(county[grid])
    kw.setdefault("category_code", "E0104")
    return case_submit(
        actor=None, channel=channel, description=kw.pop("description", "碎玻璃"), lat=lat, lng=lng,
        contact_name="王五", contact_phone="13700003333", **kw,
    ).case  # fmt: skip


def test_get_request_fields_follow_the_workflow(county, categories, worker_a, settings):
    case = make_case(county)
    [row] = Client().get(f"/open311/v2/requests/{case.tracking_code}.json").json()
    assert row["status"] == "open" and row["status_notes"] == ""
    assert row["service_code"] == "E0104" and row["service_name"] == "道路不洁"
    assert row["agency_responsible"] == case.handling_grid.name
    assert row["requested_datetime"].endswith("+08:00")
    assert row["expected_datetime"] == timezone.localtime(case.resolve_by).isoformat(
        timespec="seconds"
    )
    assert "13700003333" not in json.dumps(row, ensure_ascii=False)
    assert "王五" not in json.dumps(row, ensure_ascii=False)
    case_transition(case=case, actor=worker_a, action="claim")
    case_transition(case=case, actor=worker_a, action="resolve", reason="已清扫干净")
    root = ET.fromstring(Client().get(f"/open311/v2/requests/{case.tracking_code}.xml").content)
    assert root.tag == "service_requests"
    [req] = root.findall("request")
    assert req.findtext("status") == "open" and req.findtext("status_notes") == "已清扫干净"
    assert [c.tag for c in req][:3] == ["service_request_id", "status", "status_notes"]
    case_transition(case=case, actor=None, action="close")  # verified by the system
    [row] = Client().get(f"/open311/v2/requests/{case.tracking_code}.json").json()
    assert row["status"] == "closed"


def _close(case: Case) -> None:
    """Claimed and resolved by a worker of its unit, then closed by the system's verification."""
    from tests.conftest import make_user
    from wangge.accounts.models import Role
    from wangge.grids.models import GridLevel

    role = {
        GridLevel.STREET: Role.STREET_STAFF,
        GridLevel.COMMUNITY: Role.COMMUNITY_STAFF,
        GridLevel.DISTRICT: Role.DISTRICT_STAFF,
    }.get(case.handling_grid.level, Role.GRID_WORKER)
    worker = make_user(f"unit-{case.pk}", role, case.handling_grid)
    case_transition(case=case, actor=worker, action="claim")
    case_transition(case=case, actor=worker, action="resolve", reason="已修复")
    case_transition(case=case, actor=None, action="close")


def test_get_list_filters_and_pages(county, categories):
    a = make_case(county)
    b = make_case(county, grid=GRID_B, category_code="A0106", description="路灯不亮")
    hotline = make_case(county, channel="hotline", external_id="H1")
    _close(b)
    old = make_case(county, description="很久以前")
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=120))
    c = Client()

    def ids(query: str = "") -> list[str]:
        r = c.get("/open311/v2/requests.json" + query)
        assert r.status_code == 200, r.content
        return sorted(row["service_request_id"] for row in r.json())

    assert ids() == sorted([a.tracking_code, b.tracking_code])  # no hotline, nothing older
    assert ids("?status=closed") == [b.tracking_code]
    assert ids("?service_code=A0106,E0101") == [b.tracking_code]
    since = (timezone.now() - timedelta(days=130)).isoformat()
    assert old.tracking_code in ids("?" + urlencode({"start_date": since}))
    # The id list overrides everything else; the tracking code shows any channel.
    assert ids(f"?service_request_id={hotline.tracking_code},{b.tracking_code}&status=open") == (
        sorted([hotline.tracking_code, b.tracking_code])
    )
    r = c.get("/open311/v2/requests.xml?page_size=1&page=2")
    assert r["X-Total-Count"] == "2" and r["X-Page"] == "2" and r["X-Total-Pages"] == "2"
    assert len(ET.fromstring(r.content).findall("request")) == 1
    r = c.get("/open311/v2/requests.xml?page_size=1")
    assert 'rel="next"' in r["Link"] and "page=2" in r["Link"]


def test_get_list_pages_by_100_and_caps_its_count(county, categories, monkeypatch):
    """The default page is 100 requests; the total is counted only up to a cap (a COUNT over
    90 days of a city is seconds), and past it the headers say so and still link onwards."""
    from wangge.open311 import selectors

    made = [make_case(county, description=f"第{i}处垃圾没人清") for i in range(4)]
    c = Client()
    r = c.get("/open311/v2/requests.json")
    assert r["X-Page-Size"] == "100" and r["X-Total-Count"] == "4"
    assert "X-Total-Capped" not in r and len(r.json()) == 4
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    r = c.get("/open311/v2/requests.json?page_size=1")
    assert r["X-Total-Capped"] == "true" and r["X-Total-Count"] == "2"
    assert 'rel="next"' in r["Link"]
    assert [row["service_request_id"] for row in r.json()] == [made[-1].tracking_code]
    # A page beyond the cap is still served, counted to its own end.
    r = c.get("/open311/v2/requests.json?page_size=1&page=4")
    assert [row["service_request_id"] for row in r.json()] == [made[0].tracking_code]
    assert r["X-Total-Count"] == "4" and "X-Total-Capped" not in r


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize(
    "url,status",
    [
        ("requests.{f}?start_date=last%20tuesday", 400),
        ("requests.{f}?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", 400),
        ("requests.{f}?status=pending", 400),
        ("requests.{f}?jurisdiction_id=elsewhere", 404),
        ("requests/ZZZZZZZZ.{f}", 404),
        ("services/E9999.{f}", 404),
        ("tokens/not-a-token.{f}", 404),
        ("tokens/7a3c1c56-1d8e-4c39-a5b4-5d9a3c1d0e11.{f}", 404),
    ],
)
def test_get_errors_in_the_spec_shape(fmt, url, status, categories):
    r = Client().get("/open311/v2/" + url.format(f=fmt))
    assert r.status_code == status
    [(code, description)] = errors(r)
    assert code == str(status) and description


def test_services_and_definitions(categories, glass_attributes):
    c = Client()
    root = ET.fromstring(c.get("/open311/v2/services.xml").content)
    assert root.tag == "services"
    by_code = {s.findtext("service_code"): s for s in root.findall("service")}
    assert "E0104" in by_code and "E01" not in by_code  # major classes are groups
    assert by_code["E0104"].findtext("metadata") == "true"
    assert by_code["A0106"].findtext("metadata") == "false"
    assert by_code["E0104"].findtext("group") == "市容环境"
    definition = ET.fromstring(c.get("/open311/v2/services/E0104.xml").content)
    assert definition.tag == "service_definition"
    attrs = definition.findall("attributes/attribute")
    assert [a.findtext("code") for a in attrs] == ["area", "kind", "note"]
    assert [v.findtext("key") for v in attrs[1].findall("values/value")] == ["glass", "oil"]
    services = {s["service_code"]: s for s in c.get("/open311/v2/services.json").json()}
    assert services["E0104"]["keywords"] == "碎玻璃,玻璃渣,路面脏,油污"  # a string, as in the spec
    assert services["E0104"]["metadata"] is True and services["E0104"]["type"] == "realtime"
    data = c.get("/open311/v2/services/E0104.json").json()
    assert data["attributes"][0]["datatype"] == "number" and data["attributes"][0]["required"]
    assert c.get("/open311/v2/services/A0106.json").json()["attributes"] == []
