"""Fixtures of the people tests: one building in grid A (怡园社区16号楼), one in grid B
(府前社区9号楼), residents registered through the service."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import COMMUNITY_A, COMMUNITY_B, GRID_A, GRID_B, grid_centre
from wangge.people.idcard import make_id_number
from wangge.people.services import building_create, resident_create


def id_number(n: int, *, birth: dt.date = dt.date(1950, 5, 17)) -> str:
    return make_id_number("350427", birth, n)


@pytest.fixture
def building_a(county):
    lat, lng = grid_centre(county[GRID_A])
    return building_create(
        actor=None,
        community=county[COMMUNITY_A],
        number="16号楼",
        lat=lat,
        lng=lng,
        compound_name="怡园小区",
    )


@pytest.fixture
def building_b(county):
    lat, lng = grid_centre(county[GRID_B])
    return building_create(
        actor=None, community=county[COMMUNITY_B], number="9幢", lat=lat, lng=lng
    )


@pytest.fixture
def resident_a(building_a):
    return resident_create(
        actor=None,
        name="张桂英",
        id_number=id_number(101),
        building=building_a,
        unit="2",
        room="301",
        phone="13805981234",
        residence_type="户籍",
        tags=["独居老人"],
    )


@pytest.fixture
def resident_b(building_b):
    return resident_create(
        actor=None,
        name="李建国",
        id_number=id_number(203),
        building=building_b,
        room="20",
        phone="13905985678",
        residence_type="常住",
    )
