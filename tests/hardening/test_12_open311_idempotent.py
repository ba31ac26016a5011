"""Item 12: a blind client retry of an Open311 POST does not create a second case."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client

from tests.conftest import GRID_A, grid_centre
from wangge.cases.models import Case
from wangge.open311.services import api_client_create

URL = "/open311/v2/requests.json"


@pytest.fixture
def body(county, categories):
    lat, lng = grid_centre(county[GRID_A])
    _client, key = api_client_create(actor=None, name="城市服务App")
    return {
        "api_key": key,
        "service_code": "E0104",
        "lat": str(lat),
        "long": str(lng),
        "description": "人行道上有一片碎玻璃",
        "phone": "13900001111",
    }


def _post(body, **headers):
    return Client().post(URL, body, **headers)


def test_same_idempotency_key_gets_the_first_answer(body):
    first = _post(body, HTTP_IDEMPOTENCY_KEY="retry-7f3a")
    again = _post(body, HTTP_IDEMPOTENCY_KEY="retry-7f3a")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert Case.objects.count() == 1
    changed = _post({**body, "description": "另一件事"}, HTTP_IDEMPOTENCY_KEY="retry-7f3a")
    assert changed.status_code == 422 and Case.objects.count() == 1


def test_identical_body_without_a_key_is_deduplicated_within_the_window(body, settings):
    settings.OPEN311_DEDUPE_SECONDS = 600
    with time_machine.travel("2026-11-19T09:40:00+08:00", tick=False) as clock:
        first = _post(body).json()[0]["service_request_id"]
        clock.shift(timedelta(minutes=5))
        assert _post(body).json()[0]["service_request_id"] == first
        assert Case.objects.count() == 1
        # Another report with other words is another case.
        _post({**body, "description": "路灯不亮"})
        assert Case.objects.count() == 2
        clock.shift(timedelta(minutes=6))
        # Past the window the same words are taken as a new report.
        assert _post(body).json()[0]["service_request_id"] != first
        assert Case.objects.count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_retries_make_one_case(body):
    results: list[int] = []
    barrier = threading.Barrier(3)

    def post():
        barrier.wait()
        try:
            results.append(_post(body).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results == [200, 200, 200]
    assert Case.objects.count() == 1
