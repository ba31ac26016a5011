from __future__ import annotations

import pytest

from tests.cases.conftest import categories, submit  # noqa: F401  (fixtures)
from tests.conftest import STREET, make_user
from wangge.accounts.models import Role


@pytest.fixture
def street_staff(county):
    return make_user("street_1", Role.STREET_STAFF, county[STREET])
