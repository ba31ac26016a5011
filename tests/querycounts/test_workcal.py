"""The working calendar (REST API): as many queries for 3N local days as for N."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.conftest import COMMUNITY_A
from wangge.workcal.models import CalendarEntry, DayKind, EntrySource
from wangge.workcal.services import calendar_changed

pytestmark = pytest.mark.django_db

# Ordinary Tuesdays of 2026 (no holiday near), each made a local rest day of 怡园社区.
TUESDAYS = [date(2026, 3, 3) + timedelta(weeks=w) for w in range(12)]


def test_calendar_days_are_flat(api, flat, community_staff, county):
    api.as_user(community_staff)
    added = iter(TUESDAYS)

    def rest(n: int) -> None:
        for _ in range(n):
            CalendarEntry.objects.create(
                date=next(added), kind=DayKind.LOCAL_CLOSURE, source=EntrySource.LOCAL,
                name="社区活动日", grid=county[COMMUNITY_A],
            )  # fmt: skip
        calendar_changed()

    rest(2)

    def rows(response) -> int:
        assert response.status_code == 200, response.content[:300]
        return sum(r["name"] == "社区活动日" for r in response.json())

    flat(
        lambda: api.get(
            f"/api/v1/workcal/days/?start=2026-03-01&end=2026-06-30&grid={COMMUNITY_A}"
        ),
        lambda: rest(4),
        budget=6,
        rows=rows,
    )
