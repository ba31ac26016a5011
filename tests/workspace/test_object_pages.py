"""Organisations, assets (部件) and places: list, create, edit, export, and their API; a
refused form keeps what was typed; nothing of grid A reaches grid B."""

from __future__ import annotations

import pytest

from tests.conftest import COMMUNITY_A, COMMUNITY_B, GRID_A, GRID_B, grid_centre
from tests.exports.util import export_rows
from wangge.people.models import Asset, Organisation
from wangge.people.services import asset_create, organisation_create, place_create

pytestmark = pytest.mark.django_db


def test_organisation_create_edit_and_isolation(client_for, community_staff, worker_b, county):
    c = client_for(community_staff)
    form = {"kind": "property", "name": "怡园物业", "grid": COMMUNITY_A, "credit_code": "123"}
    resp = c.post("/people/organisations/new/", form)
    html = resp.content.decode()
    assert resp.status_code == 400 and "统一社会信用代码应为 18 位" in html
    assert 'value="怡园物业"' in html and not Organisation.objects.exists()
    # A grid outside the scope is not even offered, and refused when forced.
    resp = c.post("/people/organisations/new/", {**form, "credit_code": "", "grid": COMMUNITY_B})
    assert resp.status_code == 400 and not Organisation.objects.exists()
    resp = c.post("/people/organisations/new/", {**form, "credit_code": "91350427MA2Y7K1234"})
    assert resp.status_code == 302
    org = Organisation.objects.get()
    resp = c.post(f"/people/organisations/{org.pk}/", {**form, "credit_code": "", "members": 12})
    assert resp.status_code == 302
    org.refresh_from_db()
    assert org.members == 12
    assert "怡园物业" in c.get("/people/organisations/?kind=property").content.decode()
    other = client_for(worker_b)
    assert "怡园物业" not in other.get("/people/organisations/").content.decode()
    assert other.get(f"/people/organisations/{org.pk}/").status_code == 404


def test_asset_pages(client_for, community_staff, worker_b, county, departments):
    c = client_for(community_staff)
    lat, lng = grid_centre(county[GRID_A])
    form = {"code": "LD-1", "category_code": "106", "department": "chengguan"}
    form |= {"lat": lat, "lng": lng, "is_active": "on"}
    resp = c.post("/people/assets/new/", form)
    assert resp.status_code == 400 and "4 位数字" in resp.content.decode()
    assert c.post("/people/assets/new/", {**form, "category_code": "0106"}).status_code == 302
    asset = Asset.objects.get()
    # Moving it into someone else's grid: refused next to the point, nothing changed.
    blat, blng = grid_centre(county[GRID_B])
    moved = {**form, "category_code": "0106", "lat": blat, "lng": blng}
    resp = c.post(f"/people/assets/{asset.pk}/", moved)
    assert resp.status_code == 400 and 'data-field="lat"' in resp.content.decode()
    assert Asset.objects.get().grid.code == GRID_A
    html = c.get("/people/assets/?category=0106").content.decode()
    assert "LD-1" in html and 'data-total="1"' in html
    assert "LD-1" not in client_for(worker_b).get("/people/assets/").content.decode()


def test_place_pages_and_formula_safe_export(client_for, community_staff, county):
    c = client_for(community_staff)
    lat, lng = grid_centre(county[GRID_A])
    form = {"kind": "small_restaurant", "name": "=HYPERLINK(1)", "lat": lat, "lng": lng}
    form |= {"last_inspected_on": "2999-01-01"}
    resp = c.post("/people/places/new/", form)
    assert resp.status_code == 400 and "检查日期不能晚于今天" in resp.content.decode()
    assert c.post("/people/places/new/", {**form, "last_inspected_on": ""}).status_code == 302
    rows = export_rows(c, "people.places")
    assert rows[1][1] == "'=HYPERLINK(1)"


def test_object_api(api, worker_a, worker_b, county, departments):
    lat, lng = grid_centre(county[GRID_A])
    c = api.as_user(worker_a)
    resp = c.post(
        "/api/v1/people/organisations/",
        {"kind": "volunteer_team", "name": "银发志愿队", "grid_code": GRID_A},
        format="json",
    )
    assert resp.status_code == 201, resp.json()
    resp = c.post(
        "/api/v1/people/assets/",
        {"code": "JG-9", "category_code": "A0103", "department": "water", "lat": lat, "lng": lng},
        format="json",
    )
    assert resp.status_code == 201 and resp.json()["category_code"] == "0103"
    resp = c.post(
        "/api/v1/people/places/",
        {"kind": "shop", "name": "便利店", "lat": lat, "lng": lng},
        format="json",
    )
    assert resp.status_code == 201
    pk = resp.json()["id"]
    resp = c.put(
        f"/api/v1/people/places/{pk}/",
        {"kind": "nope", "name": "便利店", "lat": lat, "lng": lng},
        format="json",
    )
    assert resp.status_code == 400 and "场所类别" in resp.json()["detail"]
    other = api.as_user(worker_b)
    assert other.get("/api/v1/people/organisations/").json()["results"] == []
    assert other.get(f"/api/v1/people/places/{pk}/").status_code == 404


@pytest.mark.usefixtures("local_cache")
def test_list_pages_query_counts(
    client_for, community_staff, county, departments, django_assert_max_num_queries
):
    lat, lng = grid_centre(county[GRID_A])
    for i in range(30):
        organisation_create(actor=None, kind="enterprise", name=f"企业{i}", grid=county[GRID_A])
        asset_create(
            actor=None,
            code=f"A-{i}",
            category_code="0106",
            department=departments["chengguan"],
            lat=lat,
            lng=lng,
        )
        place_create(actor=None, kind="shop", name=f"店{i}", lat=lat, lng=lng)
    c = client_for(community_staff)
    for url in ("/people/organisations/", "/people/assets/", "/people/places/"):
        # 14: the page, its total, session, user, roles and the navigation's serving roles.
        with django_assert_max_num_queries(11):
            assert c.get(url).status_code == 200
