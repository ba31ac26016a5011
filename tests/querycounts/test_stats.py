"""The cockpit page and the statistics API: as many queries for 3N cases as for N, over 30 and
365 days (the year reads whole months from the month tables), within a fixed budget."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from wangge.stats.rollup import stats_rollup

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def period(days: int) -> dict[str, str]:
    today = timezone.localdate()
    return {"start": (today - timedelta(days=days - 1)).isoformat(), "end": today.isoformat()}


def grower(make_cases, resident):
    def grow():
        make_cases(6, actor=resident, photo=False)
        stats_rollup()

    return grow


def registered(response) -> int:
    assert response.status_code == 200, response.content[:300]
    data = response.json()
    return (data.get("summary") or data)["registered"]


@pytest.mark.parametrize("days", [30, 365])
@pytest.mark.parametrize(
    ("path", "budget"),
    [
        ("/api/v1/stats/cockpit/", 30),
        ("/api/v1/stats/summary/", 14),
    ],
)
def test_statistics_api_is_flat(flat, make_cases, resident, leader, days, path, budget):
    make_cases(2, actor=resident, photo=False)
    stats_rollup(full=True)
    client = client_for(leader)
    flat(
        lambda: client.get(path, period(days)),
        grower(make_cases, resident),
        budget=budget,
        rows=registered,
    )


@pytest.mark.parametrize("days", [30, 365])
def test_cockpit_page_is_flat(flat, make_cases, resident, leader, days):
    make_cases(2, actor=resident, photo=False)
    stats_rollup(full=True)
    client = client_for(leader)

    def shown(response) -> int:
        assert response.status_code == 200, response.content[:300]
        return response.context["data"]["summary"]["registered"]

    flat(
        lambda: client.get("/cockpit/", period(days)),
        grower(make_cases, resident),
        budget=37,
        rows=shown,
    )
