"""Fixtures of the resident loop tests: categories, a report helper and a case handled to
`resolved` by worker_a through the real workflow."""

from __future__ import annotations

import pytest

from tests.conftest import GRID_A, grid_centre
from wangge.cases.categories import category_seed
from wangge.cases.models import EventKind
from wangge.cases.services import case_submit
from wangge.cases.workflow import case_transition


@pytest.fixture
def categories(db):
    from wangge.cases.models import Category

    category_seed()
    return {c.code: c for c in Category.objects.all()}


@pytest.fixture
def photo(tmp_path):
    from PIL import Image

    path = tmp_path / "photo.jpg"
    Image.new("RGB", (640, 480), (90, 140, 200)).save(path, "JPEG", quality=85)
    return path


@pytest.fixture
def submit(county, categories):
    """submit(actor=None, grid_code=GRID_A, **kwargs) → a case at the centre of that grid."""

    def _submit(actor=None, grid_code: str = GRID_A, **kwargs):
        lat, lng = grid_centre(county[grid_code])
        kwargs.setdefault("channel", "h5")
        kwargs.setdefault("description", "小区16号楼楼下掉了一地的碎玻璃渣，大家小心")
        kwargs.setdefault("category_code", "E0104")
        return case_submit(actor=actor, lat=lat, lng=lng, **kwargs).case

    return _submit


def handle(case, worker, result="已清扫干净"):
    """Claim and resolve as `worker` (the grid worker of the case's grid)."""
    case_transition(case=case, actor=worker, action=EventKind.CLAIM)
    case_transition(case=case, actor=worker, action=EventKind.RESOLVE, reason=result)
    return case


@pytest.fixture
def resolved(submit, worker_a):
    """An anonymous h5 report with a phone, resolved by worker_a."""
    case = submit(None, contact_name="李阿姨", contact_phone="13800001111")
    return handle(case, worker_a)
