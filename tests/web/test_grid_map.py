"""The grid map draws the user's grids, only theirs, on a plain background."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import GRID_A, GRID_B
from wangge.grids.models import Grid

POLYGONS = "#map .leaflet-overlay-pane path"


def _open_map(session, user):
    session.log_in(user)
    session.goto("/console/map/")
    session.page.wait_for_selector("#map[data-grid-count]")
    return session.page


@pytest.mark.browser
def test_worker_b_sees_grid_b_and_never_grid_a(phone, worker_b):
    page = _open_map(phone, worker_b)
    assert page.locator(POLYGONS).count() == 1
    assert page.get_attribute("#map", "data-grid-count") == "1"
    # Tapping the polygon opens its card.
    page.locator(POLYGONS).first.click()
    card = page.locator(".grid-card")
    card.wait_for()
    assert card.get_attribute("data-grid") == GRID_B
    # Grid A's card is refused like a grid that does not exist.
    assert page.request.get(phone.url(f"/console/map/grids/{GRID_A}/")).status == 404
    assert GRID_A not in page.content()


@pytest.mark.browser
def test_operator_sees_every_grid_of_the_district(desktop, operator):
    page = _open_map(desktop, operator)
    expected = Grid.objects.filter(is_active=True).count()
    assert page.locator(POLYGONS).count() == expected
    # No tile server configured: no tile layer, only polygons on the plain background.
    assert page.locator(".leaflet-tile").count() == 0
    assert "plain" in page.get_attribute("#map", "class")


@pytest.mark.browser
def test_level_chips_hide_and_show_a_level(desktop, community_staff):
    page = _open_map(desktop, community_staff)
    total = page.locator(POLYGONS).count()
    micro = Grid.objects.filter(level=5, path__startswith=community_staff_path()).count()
    page.click(".chip[data-level=micro]")
    assert page.locator(POLYGONS).count() == total - micro
    page.click(".chip[data-level=micro]")
    assert page.locator(POLYGONS).count() == total


def community_staff_path() -> str:
    from tests.conftest import COMMUNITY_A

    return Grid.objects.get(code=COMMUNITY_A).path


@pytest.mark.django_db
def test_grid_card_is_scoped(worker_a, worker_b):
    client = Client()
    client.force_login(worker_b)
    assert client.get(f"/console/map/grids/{GRID_A}/").status_code == 404
    response = client.get(f"/console/map/grids/{GRID_B}/")
    assert response.status_code == 200
    assert "worker_b" in response.content.decode()


@pytest.mark.django_db
def test_map_needs_sign_in(county):
    response = Client().get("/console/map/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_tile_url_setting_reaches_the_page(settings, operator):
    settings.MAP_TILE_URL = "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png"
    client = Client()
    client.force_login(operator)
    html = client.get("/console/map/").content.decode()
    assert "127.0.0.1:9/tiles/{z}/{x}/{y}.png" in html
    assert 'class="map plain"' not in html
