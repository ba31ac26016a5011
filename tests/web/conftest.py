"""Fixtures of the web tests; the browser harness itself is tests/browser.py."""

from __future__ import annotations

import pytest


@pytest.fixture
def categories(db):
    """The seeded category tree (transactional tests flush it; seeding is idempotent)."""
    from wangge.cases.categories import category_seed
    from wangge.cases.models import Category

    category_seed()
    return {c.code: c for c in Category.objects.all()}


@pytest.fixture
def photo(tmp_path):
    """A small real JPEG, as a phone camera would hand over."""
    from PIL import Image

    path = tmp_path / "photo.jpg"
    Image.new("RGB", (640, 480), (90, 140, 200)).save(path, "JPEG", quality=85)
    return path
