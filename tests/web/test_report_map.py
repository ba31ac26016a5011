"""The report map in a real browser, offline: buildings with their numbers, grid names that
stay on the map, the pin from a typed address with the place said in words, and a configured
tile server's URL template honoured."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import COMMUNITY_A, GRID_A, grid_centre
from wangge.grids.models import Grid
from wangge.people.services import building_create

pytestmark = pytest.mark.browser


@pytest.fixture
def buildings(county):
    """Four buildings in micro-grid A (16 in the middle) and one in the next grid."""
    lat, lng = grid_centre(county[GRID_A])
    made = {}
    for number, dlat, dlng in [
        ("16", 0, 0),
        ("15", 0.0004, -0.0004),
        ("17", -0.0004, 0.0004),
        ("18", 0.0004, 0.0004),
    ]:
        made[number] = building_create(
            actor=None,
            community=county[COMMUNITY_A],
            number=number,
            lat=lat + dlat,
            lng=lng + dlng,
            compound_name="怡园小区",
        )
    return made


def _open_report(session):
    session.goto("/report/")
    page = session.page
    page.wait_for_selector("#pinmap[data-ready][data-buildings-ready]")
    return page


def _pin_by_address(page, text: str = "怡园小区16号楼") -> str:
    page.fill("#id_address", text)
    page.click("#locate-address")
    place = page.locator("#pin-place")
    place.wait_for(state="visible")
    return place.inner_text()


def test_pin_from_a_typed_address_says_grid_and_building(phone, county, buildings):
    page = _open_report(phone)
    text = _pin_by_address(page)
    grid_name = county[GRID_A].name
    assert text == f"{grid_name} · 16号楼附近"
    b = buildings["16"]
    assert float(page.input_value("#id_lat")) == pytest.approx(b.lat, abs=1e-6)
    assert float(page.input_value("#id_lng")) == pytest.approx(b.lng, abs=1e-6)
    # Zoomed to the building: the numbers and the micro-grid's name are drawn on the map.
    labels = page.locator("#pinmap .map-label.building-label")
    labels.first.wait_for()
    assert {"15号楼", "16号楼", "17号楼", "18号楼"} <= set(labels.all_inner_texts())
    assert grid_name in page.locator("#pinmap .map-label.grid-name.micro").all_inner_texts()


def test_unknown_address_is_told_in_chinese_and_pins_nothing(phone, buildings):
    page = _open_report(phone)
    page.fill("#id_address", "怡园小区99号楼")
    page.click("#locate-address")
    status = page.locator("#pin-status")
    status.filter(has_text="未能把").wait_for()
    assert "请在地图上点选" in status.inner_text()
    assert page.input_value("#id_lat") == ""
    assert page.get_attribute("#pinmap", "data-pinned") is None


def test_a_tap_on_the_map_says_where_it_is(desktop, county, buildings):
    page = _open_report(desktop)
    box = page.locator("#pinmap").bounding_box()
    # Zoom to the building first, then tap next to it.
    _pin_by_address(page)
    page.locator("#pinmap .map-label.building-label").first.wait_for()
    page.mouse.click(box["x"] + box["width"] * 0.5 + 12, box["y"] + box["height"] * 0.5 - 12)
    place = page.locator("#pin-place")
    place.filter(has_text="附近").wait_for()
    assert place.inner_text().startswith(county[GRID_A].name + " · ")
    assert re.search(r"1[5-8]号楼附近$", place.inner_text())


def test_grid_names_stay_on_the_map_and_are_text_not_markup(phone, county, buildings):
    Grid.objects.filter(code=GRID_A).update(name='<img src=x onerror="window.hit=1">怡园一号')
    page = _open_report(phone)
    _pin_by_address(page)
    label = page.locator("#pinmap .map-label.grid-name.micro", has_text="怡园一号")
    label.first.wait_for()
    assert label.first.inner_text() == '<img src=x onerror="window.hit=1">怡园一号'
    assert page.locator("#pinmap .map-label img").count() == 0
    assert page.evaluate("window.hit") is None
    # The pinned place names the grid as text as well.
    assert page.locator("#pin-place img").count() == 0


class _TileServer:
    """A loopback tile server: answers every tile with a 1×1 PNG and records the paths."""

    PNG = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201"
        "e221bc330000000049454e44ae426082"
    )

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.first = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.paths.append(self.path)
                owner.first.set()
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(owner.PNG)))
                self.end_headers()
                self.wfile.write(owner.PNG)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tile_server():
    server = _TileServer()
    yield server
    server.stop()


def test_configured_tile_template_is_honoured(desktop, county, settings, tile_server):
    # An intranet XYZ server; 天地图's WMTS template has the same {z}/{x}/{y}/{s} slots.
    settings.MAP_TILE_URL = (
        f"http://127.0.0.1:{tile_server.port}/vec_w/{{s}}/{{z}}/{{x}}/{{y}}.png?tk=demo"
    )
    settings.MAP_TILE_SUBDOMAINS = "01234567"
    settings.MAP_TILE_ATTRIBUTION = "审图号：测试"
    page = _open_report(desktop)
    assert tile_server.first.wait(timeout=10), "no tile was requested"
    page.wait_for_selector("#pinmap .leaflet-tile-loaded")
    pattern = re.compile(r"^/vec_w/[0-7]/(\d+)/(\d+)/(\d+)\.png\?tk=demo$")
    assert tile_server.paths and all(pattern.match(p) for p in tile_server.paths)
    zooms = {int(pattern.match(p).group(1)) for p in tile_server.paths}
    assert zooms and all(10 <= z <= 19 for z in zooms)
    assert "审图号：测试" in page.locator("#pinmap .leaflet-control-attribution").inner_text()
    assert "plain" not in page.get_attribute("#pinmap", "class")
