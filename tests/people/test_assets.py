"""Public assets (部件) and their owners, for case routing."""

import pytest

from tests.conftest import GRID_A, grid_centre
from wangge.core.api import ServiceError
from wangge.people.models import Organisation, OrganisationKind
from wangge.people.selectors import asset_owner_near
from wangge.people.services import asset_create, organisation_create


def test_owner_of_nearest_asset_of_the_category(api, worker_a, departments, county):
    lat, lng = grid_centre(county[GRID_A])
    asset_create(
        actor=None,
        code="3504270101001",
        category_code="0101",
        department=departments["water"],
        lat=lat,
        lng=lng,
        name="上水井盖",
    )
    asset_create(
        actor=None,
        code="3504270110001",
        category_code="0110",
        department=departments["chengguan"],
        lat=lat + 0.0001,
        lng=lng,
        name="路灯",
    )
    assert asset_owner_near(lat + 0.0002, lng, "0101") == departments["water"]
    assert asset_owner_near(lat, lng, "0110") == departments["chengguan"]
    assert asset_owner_near(lat + 0.01, lng, "0101") is None  # ~1 km away
    assert asset_owner_near(lat, lng, "0199") is None
    resp = api.as_user(worker_a).get(
        f"/api/v1/people/assets/owner/?lat={lat}&lng={lng}&category=0101"
    )
    assert resp.json()["code"] == "water"


def test_asset_category_must_be_four_digits(departments, county):
    lat, lng = grid_centre(county[GRID_A])
    with pytest.raises(ServiceError, match="4 位数字"):
        asset_create(
            actor=None, code="x", category_code="井盖", department=departments["water"],
            lat=lat, lng=lng,
        )  # fmt: skip


def test_organisations(worker_a, worker_b, county):
    org = organisation_create(
        actor=worker_a,
        kind=OrganisationKind.VOLUNTEER_TEAM,
        name="怡园巾帼志愿服务队",
        grid=county[GRID_A],
    )
    assert Organisation.objects.get().grid_path == county[GRID_A].path
    with pytest.raises(ServiceError):
        organisation_create(actor=worker_b, kind=org.kind, name="x", grid=county[GRID_A])


def test_cases_form_of_the_category_code_is_accepted(departments, county):
    lat, lng = grid_centre(county[GRID_A])
    asset_create(
        actor=None, code="w1", category_code="0103", department=departments["water"],
        lat=lat, lng=lng,
    )  # fmt: skip
    assert asset_owner_near(lat, lng, "A0103") == departments["water"]
