"""Hotline fixtures: categories, a source with a push key, generated work-order files."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from openpyxl import Workbook

from tests.notify.conftest import Receiver
from wangge.hotline.models import HotlineSource
from wangge.hotline.parsing import DEFAULT_MAPPING
from wangge.hotline.services import source_key_issue

HEADER = [DEFAULT_MAPPING[f] for f in DEFAULT_MAPPING]
CONTENTS = ["路灯不亮", "下水道堵了", "小区门口有碎玻璃", "楼道堆放杂物", "井盖松动"]
CATEGORIES = ["A0106", "A0108", "E0104", "", "A0101"]


def order_rows(n: int, *, prefix: str = "12345") -> list[list]:
    start = datetime(2026, 11, 2, 8, 0)
    rows = []
    for i in range(n):
        received = start + timedelta(minutes=7 * i)
        rows.append(
            [
                f"{prefix}{i:06d}",
                received,
                f"市民{i % 97}",
                f"138{i:08d}",
                f"{CONTENTS[i % 5]}（第{i}号工单）",
                f"某某路{i % 50}号",
                CATEGORIES[i % 5],
                received + timedelta(days=3),
            ]
        )
    return rows


def xlsx_bytes(rows: list[list], header: list[str] = HEADER) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("工单")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def categories(db):
    from wangge.cases.categories import category_seed
    from wangge.cases.models import Category

    category_seed()
    return {c.code: c for c in Category.objects.all()}


@pytest.fixture
def source(county, categories):
    return HotlineSource.objects.create(code="city12345", name="市 12345 热线")


@pytest.fixture
def push_key(source) -> str:
    return source_key_issue(actor=None, source=source)


@pytest.fixture
def building_a(county):
    """怡园社区16号楼, inside grid A: hotline addresses naming it are located."""
    from tests.conftest import COMMUNITY_A, GRID_A, grid_centre
    from wangge.people.services import building_create

    lat, lng = grid_centre(county[GRID_A])
    return building_create(
        actor=None, community=county[COMMUNITY_A], number="16号楼", lat=lat, lng=lng
    )


@pytest.fixture
def receiver():
    r = Receiver()
    r.start()
    yield r
    r.stop()
