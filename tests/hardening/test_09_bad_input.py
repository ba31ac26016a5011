"""Item 9: bad input answers 4xx, never 500, and the API answers JSON even when the database is
gone. NUL bytes only break PostgreSQL (`text` cannot hold them): run this file there too."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client

from tests.conftest import GRID_A, grid_centre
from wangge.cases.models import Case
from wangge.open311.services import api_client_create


def _anon() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/case-categories/suggest/?text=%00",
        "/open311/v2/requests.json?service_request_id=A%00B",
        "/track/A%00B/",
        "/track/?code=A%00B",
        "/api/v1/cases/public/A%00B/",
    ],
)
def test_nul_in_path_or_query_is_400(path, county, categories):
    response = _anon().get(path)
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_nul_in_bodies_is_400_and_writes_nothing(county, categories, api, worker_a):
    lat, lng = grid_centre(county[GRID_A])
    _client, key = api_client_create(actor=None, name="测试客户端")
    form = {
        "api_key": key,
        "service_code": "E0104",
        "lat": str(lat),
        "long": str(lng),
        "description": "井盖\x00丢了",
    }
    encoded = _anon().post(
        "/open311/v2/requests.json",
        urlencode(form),
        content_type="application/x-www-form-urlencoded",
    )
    assert encoded.status_code == 400
    multipart = _anon().post("/open311/v2/requests.json", form)
    assert multipart.status_code == 400 and "NUL" in multipart.content.decode()
    json_body = api.as_user(worker_a).post(
        "/api/v1/cases/",
        {"description": "井盖\u0000丢了", "lat": lat, "lng": lng, "channel": "patrol"},
        format="json",
    )
    assert json_body.status_code == 400
    assert not Case.objects.exists()


def test_deeply_nested_json_is_400_for_anyone(county, categories):
    body = "[" * 50_000 + "]" * 50_000
    response = _anon().post("/api/v1/cases/", body, content_type="application/json")
    assert response.status_code == 400
    assert "嵌套" in response.json()["detail"]


@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "abc"])
def test_limit_and_offset_out_of_range(value, api, operator, categories):
    c = api.as_user(operator)
    for param in ("limit", "offset"):
        response = c.get(f"/api/v1/cases/?{param}={value}")
        assert response.status_code in (200, 400), (param, value, response.status_code)
        if value == "abc":
            assert response.status_code == 400
    for path in ("/api/v1/people/residents/", "/api/v1/grids/"):
        response = c.get(f"{path}?offset=99999999999999999999999&limit=99999999999999999999")
        assert response.status_code in (200, 400), path


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_database_outage_answers_json_503_with_retry_after(county, categories):
    connection.close()
    real_port = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = "1"  # nothing listens there: a real refused connection
    try:
        for path in ("/api/v1/cases/public/ABCDEFGH/", "/open311/v2/services.json", "/healthz"):
            response = _anon().get(path)
            assert response.status_code == 503, path
            assert response["Content-Type"].startswith("application/json")
            assert response["Retry-After"].isdigit()
            assert "数据库" in response.json()["detail"]
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port
    assert Case.objects.count() == 0  # the connection is back
