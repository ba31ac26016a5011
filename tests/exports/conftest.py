from __future__ import annotations

import pytest

from tests.people.conftest import building_a, building_b, id_number, resident_a, resident_b

__all__ = ["building_a", "building_b", "id_number", "resident_a", "resident_b"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
