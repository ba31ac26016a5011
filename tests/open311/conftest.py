"""Open311 fixtures: seeded categories, a client key, service attributes, a picture."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from wangge.open311.models import AttributeType, ServiceAttribute
from wangge.open311.services import api_client_create


@pytest.fixture
def categories(db):
    # Migrations seed them; transactional (live server) tests flush tables, so seed again.
    from wangge.cases.categories import category_seed
    from wangge.cases.models import Category

    category_seed()
    return {c.code: c for c in Category.objects.all()}


@pytest.fixture
def api_key(db) -> str:
    return api_client_create(actor=None, name="市民通 App")[1]


@pytest.fixture
def glass_attributes(categories):
    """E0104 道路不洁 asks how big the mess is and what kind."""
    return [
        ServiceAttribute.objects.create(
            service_code="E0104", code="area", order=1, datatype=AttributeType.NUMBER,
            required=True, description="大约多少平方米",
        ),
        ServiceAttribute.objects.create(
            service_code="E0104", code="kind", order=2, datatype=AttributeType.MULTI,
            description="是什么", values=[{"key": "glass", "name": "碎玻璃"},
                                           {"key": "oil", "name": "油污"}],
        ),
        ServiceAttribute.objects.create(
            service_code="E0104", code="note", order=3, datatype=AttributeType.TEXT,
            variable=False, description="有锋利物品请勿用手触碰",
        ),
    ]  # fmt: skip


def png_bytes(size=(64, 48), colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()
