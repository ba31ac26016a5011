"""The calendar API: days in a range, a deadline preview; grid scope as everywhere."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from tests.conftest import COMMUNITY_A, GRID_A, GRID_B
from wangge.grids.models import Grid
from wangge.workcal.models import CalendarEntry, DayKind, EntrySource
from wangge.workcal.services import calendar_changed

pytestmark = pytest.mark.django_db


def test_days_list_spring_festival(api, resident):
    res = api.as_user(resident).get("/api/v1/workcal/days/?start=2026-02-13&end=2026-02-24")
    assert res.status_code == 200
    by_date = {row["date"]: row for row in res.data}
    assert by_date["2026-02-14"] == {
        "date": "2026-02-14",
        "working": True,
        "source": "official",
        "name": "春节",
    }
    assert not by_date["2026-02-16"]["working"]
    assert "2026-02-13" not in by_date  # an ordinary Friday is no exception
    res = api.get("/api/v1/workcal/days/?start=2027-02-01&end=2027-02-28&only_exceptions=false")
    assert len(res.data) == 28
    feb5 = next(r for r in res.data if r["date"] == "2027-02-05")
    assert (feb5["working"], feb5["source"], feb5["name"]) == (False, "provisional", "春节")


def test_deadline_preview(api, resident):
    client = api.as_user(resident)
    res = client.get(
        "/api/v1/workcal/deadline/",
        {"start": "2026-12-30T10:00:00+08:00", "amount": 2, "unit": "working_days"},
    )
    assert res.status_code == 200
    assert res.data["deadline"] == "2027-01-04T17:30:00+08:00"
    assert res.data["provisional"] is True
    res = client.get(
        "/api/v1/workcal/deadline/",
        {"start": "2026-03-10T11:00:00+08:00", "amount": 2, "unit": "working_hours"},
    )
    assert res.data == {
        "start": "2026-03-10T11:00:00+08:00",
        "deadline": "2026-03-10T15:00:00+08:00",
        "provisional": False,
    }


def test_grid_local_entries_and_scope(api, worker_a, worker_b):
    CalendarEntry.objects.create(
        date=date(2026, 3, 10),
        kind=DayKind.LOCAL_CLOSURE,
        source=EntrySource.LOCAL,
        grid=Grid.objects.get(code=COMMUNITY_A),
        name="台风停工",
    )
    calendar_changed()
    client = api.as_user(worker_a)
    url = f"/api/v1/workcal/days/?start=2026-03-10&end=2026-03-10&grid={GRID_A}"
    assert client.get(url).data == [
        {"date": "2026-03-10", "working": False, "source": "local", "name": "台风停工"}
    ]
    # Worker A cannot look at grid B's calendar (404, as if it did not exist).
    res = client.get(f"/api/v1/workcal/days/?start=2026-03-10&end=2026-03-10&grid={GRID_B}")
    assert res.status_code == 404
    res = client.get(
        "/api/v1/workcal/deadline/",
        {
            "start": "2026-03-09T17:00:00+08:00",
            "amount": 1,
            "unit": "working_hours",
            "grid": GRID_B,
        },
    )
    assert res.status_code == 404
    # Worker B sees an ordinary Tuesday in grid B.
    res = api.as_user(worker_b).get(
        f"/api/v1/workcal/days/?start=2026-03-10&end=2026-03-10&grid={GRID_B}"
    )
    assert res.data == []


@pytest.mark.parametrize(
    "query, field",
    [
        ("start=2026-03-10&end=2026-03-01", "结束日期"),
        ("start=2026-01-01&end=2028-01-01", "400"),
        ("start=yesterday&end=2026-03-01", "start"),
        ("end=2026-03-01", "start"),
    ],
)
def test_days_bad_input(api, resident, query, field):
    res = api.as_user(resident).get(f"/api/v1/workcal/days/?{query}")
    assert res.status_code == 400
    assert field in res.data["detail"]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"start": "2026-03-10T09:00", "amount": -1, "unit": "working_hours"}, "amount"),
        ({"start": "2026-03-10T09:00", "amount": 1, "unit": "fortnights"}, "unit"),
        ({"start": "not a time", "amount": 1, "unit": "working_hours"}, "start"),
        ({"start": "2026-03-10T09:00", "amount": 1e9, "unit": "natural_days"}, "amount"),
    ],
)
def test_deadline_bad_input(api, resident, params, field):
    res = api.as_user(resident).get("/api/v1/workcal/deadline/", params)
    assert res.status_code == 400
    assert res.data["detail"].startswith(field)


def test_anonymous_refused():
    assert (
        APIClient().get("/api/v1/workcal/days/?start=2026-03-10&end=2026-03-10").status_code == 401
    )
