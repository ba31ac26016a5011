"""Council fixtures: categories and a case submitter (from the case tests), a grid head."""

from __future__ import annotations

import pytest

from tests.cases.conftest import categories, submit  # noqa: F401  (fixtures)
from tests.conftest import COMMUNITY_B, ZONE_A, make_user
from wangge.accounts.models import Role


@pytest.fixture
def grid_head(county):
    return make_user("gridhead_a", Role.GRID_HEAD, county[ZONE_A])


@pytest.fixture
def community_b_staff(county):
    return make_user("community_b", Role.COMMUNITY_STAFF, county[COMMUNITY_B])
