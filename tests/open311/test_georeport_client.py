"""A real third-party client (the `georeport` package) against a live server, in both formats."""

from __future__ import annotations

import pytest
import requests
from georeport import GeoReport

from tests.conftest import GRID_A, grid_centre
from wangge.cases.services import case_submit
from wangge.cases.workflow import case_transition


@pytest.fixture
def reported(county, categories, glass_attributes, worker_a):
    lat, lng = grid_centre(county[GRID_A])
    first = case_submit(
        actor=None, channel="open311", description="门口碎玻璃", lat=lat, lng=lng,
        category_code="E0104",
    ).case  # fmt: skip
    second = case_submit(
        actor=None, channel="h5", description="路灯不亮", lat=lat, lng=lng, category_code="A0106"
    ).case
    case_transition(case=first, actor=worker_a, action="claim")
    case_transition(case=first, actor=worker_a, action="resolve", reason="已清扫")
    return first, second


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_everything(fmt, live_server, reported, settings):
    settings.OPEN311_JURISDICTION_ID = "350427"
    first, second = reported
    client = GeoReport(f"{live_server.url}/open311/v2", jurisdiction="350427", output_format=fmt)

    services = client.get_service_list()
    by_code = {s["service_code"]: s for s in services}
    assert by_code["E0104"]["service_name"] == "道路不洁"
    assert str(by_code["E0104"]["metadata"]).lower() == "true"

    definition = client.get_service_definition("E0104")
    attributes = definition["attributes"]
    if fmt == "xml":  # xmltodict: one child element per attribute
        attributes = attributes["attribute"]
    assert [a["code"] for a in attributes] == ["area", "kind", "note"]

    listed = client.get_service_requests(status="open")
    if fmt == "xml" and isinstance(listed, dict):
        listed = [listed]
    assert {r["service_request_id"] for r in listed} == {first.tracking_code, second.tracking_code}

    one = client.get_service_request(first.tracking_code)
    assert one["service_request_id"] == first.tracking_code
    assert one["status_notes"] == "已清扫" and one["service_code"] == "E0104"

    both = client.get_service_requests(
        service_request_id=f"{first.tracking_code},{second.tracking_code}"
    )
    assert len(both) == 2

    with pytest.raises(requests.HTTPError) as exc:
        client.get_service_request("ZZZZZZZZ")
    assert exc.value.response.status_code == 404
