"""Grids and departments (REST API): as many queries for 3N rows as for N."""

from __future__ import annotations

import dataclasses

import pytest

from tests.conftest import DISTRICT, TEST_SHAPE
from wangge.grids.models import Department, DepartmentKind, Grid, GridLevel
from wangge.grids.services import grid_tree_import
from wangge.grids.synth import generate_county

pytestmark = pytest.mark.django_db


def _micro_grids_threefold() -> None:
    """Re-import the county with three micro-grids where there were one (the rest unchanged)."""
    wider = dataclasses.replace(TEST_SHAPE, micro=(TEST_SHAPE.micro[0] * 3, TEST_SHAPE.micro[1]))
    result = grid_tree_import(actor=None, collection=generate_county(shape=wider))
    assert result.ok, result.rejects


def _rows(response) -> int:
    assert response.status_code == 200, response.content[:300]
    return len(response.json())


def test_grid_list_is_flat(api, flat, operator):
    api.as_user(operator)
    flat(
        lambda: api.get(f"/api/v1/grids/?level={GridLevel.MICRO}"),
        _micro_grids_threefold,
        budget=5,
        rows=_rows,
    )


def test_grid_export_is_flat(api, flat, operator):
    api.as_user(operator)
    flat(
        lambda: api.get("/api/v1/grids/export/"),
        _micro_grids_threefold,
        budget=5,
        rows=lambda r: sum(f["properties"]["level"] == "micro" for f in r.json()["features"]),
    )


def test_grid_detail_is_flat(api, flat, operator, county):
    api.as_user(operator)
    code = next(iter(county))
    flat(
        lambda: api.get(f"/api/v1/grids/{code}/"),
        _micro_grids_threefold,
        budget=5,
        rows=lambda r: Grid.objects.filter(level=GridLevel.MICRO).count(),
    )


def test_department_list_is_flat(api, flat, community_staff, county):
    api.as_user(community_staff)
    kinds = list(DepartmentKind)

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            Department.objects.create(
                code=f"dep{i}", name=f"部门{i}", kind=kinds[i % len(kinds)],
                service_area=county[DISTRICT],
            )  # fmt: skip

    add(2, 0)
    flat(lambda: api.get("/api/v1/departments/"), lambda: add(4, 2), budget=5, rows=_rows)
