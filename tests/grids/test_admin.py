"""The grid admin shows what the grid services refuse as form errors, and saves nothing."""

from __future__ import annotations

import json

import pytest

from tests.conftest import GRID_A, ZONE_A
from wangge.core.models import AuditLog
from wangge.grids.models import Grid, GridLevel

pytestmark = pytest.mark.django_db

ADD = "/admin/grids/grid/add/"


def square(lng: float, lat: float, size: float) -> str:
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def add_form(**overrides) -> dict:
    return {
        "code": "350427001001001009",
        "name": "新网格",
        "level": GridLevel.MICRO,
        "special_kind": "",
        "parent_code": ZONE_A,
        "geometry": square(118.5, 27.0, 0.001),  # far outside zone A
        "effective_from": "",
        **overrides,
    }


def test_refused_new_grid_is_a_form_error_and_nothing_is_saved(client, admin_user):
    audited = AuditLog.objects.filter(action=AuditLog.Action.GRID_IMPORT).count()
    client.force_login(admin_user)
    response = client.post(ADD, add_form())
    html = response.content.decode()
    assert response.status_code == 200  # the form again, not a redirect to the list
    assert "errornote" in html and "超出上级网格" in html
    assert "成功" not in html
    assert not Grid.objects.filter(code="350427001001001009").exists()
    assert AuditLog.objects.filter(action=AuditLog.Action.GRID_IMPORT).count() == audited


def test_refused_change_is_a_form_error_and_the_grid_is_unchanged(client, admin_user):
    grid = Grid.objects.get(code=GRID_A)
    before = (grid.name, grid.geometry, grid.version)
    client.force_login(admin_user)
    url = f"/admin/grids/grid/{grid.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": "改名的网格",
            "special_kind": "",
            "parent_code": "",
            "geometry": square(118.5, 27.0, 0.001),
            "effective_from": "",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "errornote" in html and "超出上级网格" in html
    assert "成功" not in html
    grid.refresh_from_db()
    assert (grid.name, grid.geometry, grid.version) == before
    assert not AuditLog.objects.filter(action=AuditLog.Action.GRID_CHANGE).exists()


def test_accepted_change_is_saved_once_and_audited(client, admin_user):
    grid = Grid.objects.get(code=GRID_A)
    client.force_login(admin_user)
    response = client.post(
        f"/admin/grids/grid/{grid.pk}/change/",
        {
            "name": "怡园一网格",
            "special_kind": "",
            "parent_code": "",
            "geometry": json.dumps(grid.geometry),
            "effective_from": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grid.refresh_from_db()
    assert grid.name == "怡园一网格"
    assert AuditLog.objects.filter(action=AuditLog.Action.GRID_CHANGE).count() == 1


def test_new_grid_over_its_siblings_names_the_overlap(client, admin_user):
    zone = Grid.objects.get(code=ZONE_A)
    children = Grid.objects.filter(parent=zone).count()
    client.force_login(admin_user)
    # The zone's micro-grids fill it: a new one drawn over the whole zone overlaps them.
    response = client.post(ADD, add_form(geometry=json.dumps(zone.geometry)))
    html = response.content.decode()
    assert response.status_code == 200
    assert "重叠" in html and "成功" not in html
    assert Grid.objects.filter(parent=zone).count() == children
