"""The public map data of the report form: building points, "where is this pin", and the pin
from a typed address. Public by design (a building's number is on its wall), so the tests check
that nothing personal comes along and that bad input is refused in Chinese."""

from __future__ import annotations

import json

import pytest

from tests.conftest import COMMUNITY_A, COMMUNITY_B, GRID_A, GRID_A2, GRID_B, grid_centre
from wangge.people.services import building_create, resident_create
from wangge.web.selectors import place_near


@pytest.fixture
def buildings(county):
    lat, lng = grid_centre(county[GRID_A])
    b16 = building_create(
        actor=None,
        community=county[COMMUNITY_A],
        number="16号楼",
        lat=lat,
        lng=lng,
        compound_name="怡园小区",
    )
    blat, blng = grid_centre(county[GRID_B])
    b9 = building_create(
        actor=None, community=county[COMMUNITY_B], number="9幢", lat=blat, lng=blng
    )
    return {"16": b16, "9": b9}


@pytest.mark.usefixtures("local_cache")
def test_buildings_are_points_with_numbers_and_nothing_personal(
    client, buildings, django_assert_max_num_queries
):
    from tests.people.conftest import id_number

    resident_create(
        actor=None,
        building=buildings["16"],
        name="张三",
        id_number=id_number(1),
        phone="13800001111",
        room="301",
    )
    # The buildings read, plus the rate-limit counter in the database cache.
    with django_assert_max_num_queries(8):
        r = client.get("/report/buildings.geojson")
    assert r.status_code == 200 and r["Cache-Control"].startswith("public")
    fc = r.json()
    assert fc["truncated"] is False
    by_label = {f["properties"]["label"]: f for f in fc["features"]}
    assert set(by_label) == {"16号楼", "9号楼"}
    f16 = by_label["16号楼"]
    assert f16["properties"] == {"label": "16号楼", "number": "16", "compound": "怡园小区"}
    assert f16["geometry"]["type"] == "Point"
    assert f16["geometry"]["coordinates"] == [
        round(buildings["16"].lng, 7),
        round(buildings["16"].lat, 7),
    ]
    body = r.content.decode()
    assert "张三" not in body and "13800001111" not in body and "301" not in body


def test_buildings_in_a_box(client, buildings):
    b = buildings["16"]
    box = f"{b.lng - 0.001},{b.lat - 0.001},{b.lng + 0.001},{b.lat + 0.001}"
    labels = [
        f["properties"]["label"]
        for f in client.get("/report/buildings.geojson", {"bbox": box}).json()["features"]
    ]
    assert labels == ["16号楼"]


@pytest.mark.parametrize(
    "bbox", ["1,2,3", "a,b,c,d", "120,30,119,31", "120,95,121,96", "1,2,3,nan"]
)
def test_a_bad_box_is_refused_in_chinese(client, db, bbox):
    r = client.get("/report/buildings.geojson", {"bbox": bbox})
    assert r.status_code == 400 and "bbox" in r.json()["detail"]


def test_where_names_the_grid_and_the_nearest_building(client, county, buildings):
    b = buildings["16"]
    # About 20 m north of the building, inside grid A.
    r = client.get("/report/where/", {"lat": b.lat + 0.00018, "lng": b.lng})
    out = r.json()
    assert r.status_code == 200
    assert out["grid_code"] == GRID_A and out["grid_name"] == county[GRID_A].name
    assert out["building"] == "16号楼" and 15 < out["building_m"] < 25
    assert out["text"] == f"{county[GRID_A].name} · 16号楼附近"


def test_where_without_a_building_near_or_outside_every_grid(client, county, buildings):
    lat, lng = grid_centre(county[GRID_A])
    far = place_near(lat, lng + 0.0021)  # the next grid east, about 210 m away: none "near"
    assert far.grid_code == GRID_A2
    assert far.building == "" and far.building_m is None
    assert far.text == county[GRID_A2].name
    outside = client.get("/report/where/", {"lat": 30.0, "lng": 120.0}).json()
    assert outside["grid_code"] is None
    assert outside["text"] == "不在任何网格内，由指挥中心分派"


@pytest.mark.parametrize(
    "params", [{}, {"lat": "x", "lng": "118"}, {"lat": "95", "lng": "118"}, {"lat": "26"}]
)
def test_where_refuses_bad_coordinates(client, db, params):
    r = client.get("/report/where/", params)
    assert r.status_code == 400 and r.json()["detail"] == "经纬度无效"


def test_locate_a_typed_address(client, county, buildings):
    r = client.get("/report/locate/", {"q": "怡园小区16号楼"})
    out = r.json()
    assert r.status_code == 200
    assert (out["lat"], out["lng"]) == (buildings["16"].lat, buildings["16"].lng)
    assert out["grid_code"] == GRID_A
    assert out["text"] == f"{county[GRID_A].name} · 16号楼附近"
    # 幢 and Chinese numerals resolve too.
    assert client.get("/report/locate/", {"q": "府前社区九幢"}).json()["grid_code"] == GRID_B


def test_locate_refuses_empty_and_unknown_addresses(client, buildings):
    r = client.get("/report/locate/", {"q": "  "})
    assert r.status_code == 400 and "请输入地址" in r.json()["detail"]
    r = client.get("/report/locate/", {"q": "怡园小区99号楼"})
    assert r.status_code == 404 and "未能把“怡园小区99号楼”解析到已登记的楼栋" in r.json()["detail"]


def test_case_map_data_says_where_the_case_is(county, buildings):
    from types import SimpleNamespace

    from wangge.web.selectors import case_map_data

    b = buildings["16"]
    grid = county[GRID_A]
    case = SimpleNamespace(lat=b.lat, lng=b.lng, grid_id=grid.pk, grid=grid)
    data = case_map_data(case)
    assert data["place"] == f"{grid.name} · 16号楼附近"
    json.dumps(data)  # it goes into the page as JSON
    unlocated = SimpleNamespace(lat=None, lng=None, grid_id=None, grid=None)
    assert case_map_data(unlocated)["place"] == ""


def test_page_policy_lets_the_configured_tile_servers_in(client, db, settings):
    tianditu = (
        "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
        "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY"
    )
    settings.MAP_TILE_URL = tianditu
    settings.MAP_TILE_OVERLAY_URL = "http://10.1.2.3:8080/cva_w/{z}/{x}/{y}.png"
    settings.MAP_TILE_SUBDOMAINS = "01234567"
    policy = client.get("/report/")["Content-Security-Policy"]
    img = next(d for d in policy.split("; ") if d.startswith("img-src"))
    for n in range(8):
        assert f"https://t{n}.tianditu.gov.cn" in img
    assert "http://10.1.2.3:8080" in img and "{s}" not in img
    assert "script-src 'self'" in policy  # tiles widen images only
    settings.MAP_TILE_URL = ""
    settings.MAP_TILE_OVERLAY_URL = ""
    img = next(
        d for d in client.get("/report/")["Content-Security-Policy"].split("; ") if "img-src" in d
    )
    assert img == "img-src 'self' data: blob:"
