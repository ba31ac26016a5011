"""Grid endpoints: scoped reads, administrator-only writes, clear 4xx on bad input."""

from __future__ import annotations

import pytest

from tests.conftest import COMMUNITY_A, COMMUNITY_B, DISTRICT, GRID_A, GRID_B, grid_centre
from wangge.core.models import AuditLog
from wangge.grids.models import Grid


def test_worker_lists_only_own_subtree(api, worker_a):
    codes = {g["code"] for g in api.as_user(worker_a).get("/api/v1/grids/").json()}
    assert codes == {GRID_A}


def test_community_staff_lists_community_subtree(api, community_staff):
    codes = {g["code"] for g in api.as_user(community_staff).get("/api/v1/grids/").json()}
    assert COMMUNITY_A in codes and GRID_A in codes
    assert COMMUNITY_B not in codes and GRID_B not in codes


def test_worker_of_grid_a_cannot_read_grid_b(api, worker_a, worker_b):
    r = api.as_user(worker_a).get(f"/api/v1/grids/{GRID_B}/")
    assert r.status_code == 404
    assert "不在您的管辖范围" in r.json()["detail"]
    assert api.as_user(worker_b).get(f"/api/v1/grids/{GRID_B}/").status_code == 200


def test_worker_cannot_export_another_subtree(api, worker_a):
    assert api.as_user(worker_a).get(f"/api/v1/grids/export/?root={COMMUNITY_B}").status_code == 404
    own = api.as_user(worker_a).get(f"/api/v1/grids/export/?root={GRID_A}").json()
    assert [f["properties"]["code"] for f in own["features"]] == [GRID_A]


def test_worker_cannot_change_grids(api, worker_a, county):
    r = api.as_user(worker_a).patch(f"/api/v1/grids/{GRID_A}/", {"name": "改名"}, format="json")
    assert r.status_code == 403
    r = api.as_user(worker_a).post(
        "/api/v1/grids/import/", {"type": "FeatureCollection", "features": []}, format="json"
    )
    assert r.status_code == 403
    assert Grid.objects.get(code=GRID_A).name != "改名"


def test_anonymous_is_refused(api, county):
    assert api.get("/api/v1/grids/").status_code == 401


def test_admin_import_reports_rejects_and_keeps_tree(api, admin_user):
    before = Grid.objects.count()
    bad = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "35042700100100100A", "name": "x", "level": "micro",
                               "parent_code": "350427001001001"},
                "geometry": {"type": "Polygon",
                             "coordinates": [[[117, 95], [117.1, 26], [117, 26], [117, 95]]]},
            }
        ],
    }  # fmt: skip
    r = api.as_user(admin_user).post("/api/v1/grids/import/", bad, format="json")
    assert r.status_code == 400
    body = r.json()
    assert body["rejects"][0]["field"] == "code" and "数字" in body["rejects"][0]["reason"]
    assert "未导入任何数据" in body["detail"]
    assert Grid.objects.count() == before


def test_admin_import_broken_json_is_400(api, admin_user):
    r = api.as_user(admin_user).post(
        "/api/v1/grids/import/", "{not json", content_type="application/json"
    )
    assert r.status_code == 400


def test_admin_import_dry_run_writes_nothing(api, admin_user):
    exported = api.as_user(admin_user).get("/api/v1/grids/export/").json()
    for f in exported["features"]:
        f["properties"]["name"] += "（新）"
    r = api.as_user(admin_user).post("/api/v1/grids/import/?dry_run=1", exported, format="json")
    assert r.status_code == 200 and r.json()["dry_run"]
    assert not Grid.objects.filter(name__endswith="（新）").exists()
    r = api.as_user(admin_user).post("/api/v1/grids/import/", exported, format="json")
    assert r.status_code == 201 and r.json()["updated"] == len(exported["features"])
    assert AuditLog.objects.filter(action=AuditLog.Action.GRID_IMPORT).exists()


def test_admin_patch_geometry_outside_parent_is_refused(api, admin_user):
    r = api.as_user(admin_user).patch(
        f"/api/v1/grids/{GRID_A}/",
        {"geometry": {"type": "Polygon",
                      "coordinates": [[[118, 27], [118.1, 27], [118.1, 27.1], [118, 27]]]}},
        format="json",
    )  # fmt: skip
    assert r.status_code == 400
    assert "超出上级网格" in r.json()["detail"]


def test_admin_patch_name(api, admin_user):
    r = api.as_user(admin_user).patch(f"/api/v1/grids/{GRID_A}/", {"name": "新名"}, format="json")
    assert r.status_code == 200 and r.json()["name"] == "新名"


def test_locate_endpoint(api, worker_a, county):
    lat, lng = grid_centre(county[GRID_A])
    body = api.as_user(worker_a).get(f"/api/v1/locate/?lat={lat}&lng={lng}").json()
    assert body["located"] and body["grid"]["code"] == GRID_A
    assert next(a["code"] for a in body["ancestors"]) == DISTRICT
    body = api.as_user(worker_a).get("/api/v1/locate/?lat=39.9&lng=116.4").json()
    assert body == {"located": False, "grid": None, "ancestors": [], "special": []}


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("lat=95&lng=117", "纬度"),
        ("lat=26&lng=abc", "数字"),
        ("lat=26", "lat 和 lng"),
        ("lat=26&lng=117&crs=utm", "坐标系"),
    ],
)
def test_locate_bad_input_is_400(api, worker_a, query, words):
    r = api.as_user(worker_a).get(f"/api/v1/locate/?{query}")
    assert r.status_code == 400
    assert words in r.json()["detail"]


def test_bad_level_filter_is_400(api, worker_a):
    assert api.as_user(worker_a).get("/api/v1/grids/?level=x").status_code == 400


def test_openapi_schema_and_docs_render(api, admin_user, client):
    r = api.as_user(admin_user).get("/api/schema/")
    assert r.status_code == 200 and b"/api/v1/locate/" in r.content
    client.force_login(admin_user)
    page = client.get("/api/docs/")
    assert page.status_code == 200 and b"swagger-ui" in page.content
