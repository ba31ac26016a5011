"""Open311 GeoReport v2 lists: services, a service's attributes, requests (with photos)."""

from __future__ import annotations

import pytest
from django.test import Client

from wangge.cases.models import Case, Category
from wangge.open311.models import AttributeType, ServiceAttribute

pytestmark = pytest.mark.django_db

YES_NO = [{"key": "a", "name": "是"}, {"key": "b", "name": "否"}]


def _rows(response) -> int:
    assert response.status_code == 200, response.content[:300]
    return len(response.json())


def test_request_list_is_flat(flat, make_cases, resident):
    client = Client()
    make_cases(2, actor=resident)
    body = flat(
        lambda: client.get("/open311/v2/requests.json"),
        lambda: make_cases(4, actor=resident),
        budget=5,
        rows=_rows,
    )
    assert all(r["service_code"] for r in body.json())


def test_request_detail_is_flat(flat, make_cases, resident):
    client = Client()
    code = make_cases(1, actor=resident)[0].tracking_code
    flat(
        lambda: client.get(f"/open311/v2/requests/{code}.json"),
        lambda: make_cases(3, actor=resident),
        budget=4,
        rows=lambda r: Case.objects.count() if _rows(r) == 1 else 0,
    )


def test_service_list_is_flat(flat, categories):
    client = Client()
    majors = list(Category.objects.filter(parent=None)[:3])
    before = Category.objects.filter(is_active=True).count()

    def add(n: int) -> None:
        for i in range(n):
            parent = majors[i % len(majors)]
            Category.objects.create(
                code=f"{parent.code}{99 - i // len(majors):02d}", name=f"新增类别{i}",
                parent=parent, kind=parent.kind, handling_level=4,
            )  # fmt: skip
            ServiceAttribute.objects.create(
                service_code=f"{parent.code}{99 - i // len(majors):02d}", code="area", order=1,
                datatype=AttributeType.NUMBER, description="大约多少平方米",
            )  # fmt: skip

    flat(
        lambda: client.get("/open311/v2/services.json"),
        lambda: add(2 * before),
        budget=4,
        rows=_rows,
    )


def test_service_definition_is_flat(flat, categories):
    client = Client()
    serial = iter(range(1, 100))

    def ask(n: int) -> None:
        for _ in range(n):
            i = next(serial)
            ServiceAttribute.objects.create(
                service_code="E0104", code=f"q{i}", order=i, datatype=AttributeType.SINGLE,
                description=f"问题{i}", values=YES_NO,
            )  # fmt: skip

    ask(2)
    flat(
        lambda: client.get("/open311/v2/services/E0104.json"),
        lambda: ask(4),
        budget=4,
        rows=lambda r: len(r.json()["attributes"]) if r.status_code == 200 else 0,
    )
