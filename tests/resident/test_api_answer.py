"""The same loop through the API, for apps: an anonymous submission returns its private link,
and the token answers once; forged tokens and open cases are refused, nothing written."""

from __future__ import annotations

import pytest

from tests.conftest import GRID_A, grid_centre
from tests.resident.conftest import handle
from wangge.cases.models import Case, CaseFeedback

pytestmark = pytest.mark.django_db


def test_anonymous_api_report_answers_with_its_link(api, county, categories, worker_a):
    lat, lng = grid_centre(county[GRID_A])
    r = api.post(
        "/api/v1/cases/",
        {"channel": "h5", "description": "楼下一地碎玻璃渣", "lat": lat, "lng": lng},
        format="json",
    )
    assert r.status_code == 201, r.json()
    code, link = r.json()["tracking_code"], r.json()["private_link"]
    token = link.rstrip("/").split("/k/")[1]
    answer = {"token": token, "solved": "solved", "satisfaction": "satisfied", "comment": "好"}
    # Still being handled: refused.
    r = api.post(f"/api/v1/cases/public/{code}/answer/", answer, format="json")
    assert r.status_code == 409 and "尚未办结" in r.json()["detail"]
    handle(Case.objects.get(tracking_code=code), worker_a)
    r = api.post(f"/api/v1/cases/public/{code}/answer/", answer, format="json")
    assert r.status_code == 200 and r.json()["public_status"] == "done"
    r = api.post(f"/api/v1/cases/public/{code}/answer/", answer, format="json")
    assert r.status_code == 409 and "已评价过" in r.json()["detail"]
    assert CaseFeedback.objects.count() == 1


def test_forged_token_refused(api, resolved):
    r = api.post(
        f"/api/v1/cases/public/{resolved.tracking_code}/answer/",
        {"token": "forged", "solved": "solved", "satisfaction": "satisfied"},
        format="json",
    )
    assert r.status_code == 403 and "链接无效" in r.json()["detail"]
    r = api.post(
        f"/api/v1/cases/public/{resolved.tracking_code}/answer/",
        {"token": "forged", "solved": "great", "satisfaction": "satisfied"},
        format="json",
    )
    assert r.status_code == 400
    assert not CaseFeedback.objects.exists()
