"""Fixtures for case tests: categories (seeded through the real service) and a submit helper."""

from __future__ import annotations

import pytest

from tests.conftest import GRID_A, grid_centre
from wangge.cases.categories import category_seed
from wangge.cases.services import case_submit


@pytest.fixture
def categories(db):
    # Migrations seed them; transactional tests flush the tables, so seed again (idempotent).
    category_seed()
    from wangge.cases.models import Category

    return {c.code: c for c in Category.objects.all()}


@pytest.fixture
def submit(county, categories):
    """submit(actor, grid_code=GRID_A, **kwargs) → a case reported at the centre of that grid
    (`result=True`: the whole `Submitted` answer, with `replayed`)."""

    def _submit(actor, grid_code: str = GRID_A, *, result: bool = False, **kwargs):
        lat, lng = grid_centre(county[grid_code])
        kwargs.setdefault("channel", "h5")
        kwargs.setdefault("description", "小区16号楼楼下掉了一地的碎玻璃渣，大家小心")
        kwargs.setdefault("category_code", "E0104")
        submitted = case_submit(actor=actor, lat=lat, lng=lng, **kwargs)
        return submitted if result else submitted.case

    return _submit
