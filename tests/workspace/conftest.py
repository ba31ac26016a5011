"""Fixtures of the staff workspace tests: the people fixtures (building and resident in grid A
and in grid B), logged-in page clients, and files to import."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.people.conftest import building_a, building_b, id_number, resident_a, resident_b
from tests.web.conftest import categories, photo

__all__ = [
    "building_a",
    "building_b",
    "categories",
    "id_number",
    "photo",
    "resident_a",
    "resident_b",
]


@pytest.fixture
def client_for():
    """`client_for(user)`: a page client signed in as `user`."""

    def make(user) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return make
