"""One place per decision: the same operation through the web and the API gives the same result.

- Address → point: `case_submit` resolves it, whichever channel typed it in.
- Where a case may be sent: `wangge.cases.targets`, applied by `case_transition`.
- `case_submit` answers with a `Submitted` result, not an attribute stuck on the model.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import COMMUNITY_A, COMMUNITY_B, GRID_A, GRID_A2, GRID_B, grid_centre
from wangge.cases.models import Case
from wangge.cases.services import Submitted, case_submit
from wangge.people.services import building_create

ADDRESS = "怡园社区1号楼"


@pytest.fixture
def building_1(county):
    lat, lng = grid_centre(county[GRID_A])
    return building_create(
        actor=None, community=county[COMMUNITY_A], number="1号楼", lat=lat, lng=lng
    )


def _web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_phone_entry_with_an_address_is_located_on_web_and_api(
    api, operator, building_1, categories
):
    web = _web(operator).post(
        "/console/phone/",
        {"description": "来电：楼道灯不亮", "contact_name": "王先生", "address": ADDRESS,
         "contact_phone": "13800000000", "idempotency_key": "web-call-1"},
    )  # fmt: skip
    assert web.status_code == 302, web.content.decode()[:2000]
    r = api.as_user(operator).post(
        "/api/v1/phone/cases/",
        {"description": "来电：楼道灯不亮", "caller_name": "王先生", "address": ADDRESS,
         "caller_phone": "13800000000"},
        format="json",
    )  # fmt: skip
    assert r.status_code == 201, r.content
    by_web = Case.objects.get(idempotency_key="web-call-1")
    by_api = Case.objects.get(tracking_code=r.data["tracking_code"])
    for case in (by_web, by_api):
        assert case.channel == "phone" and case.address == ADDRESS
        assert (case.lat, case.lng) == (building_1.lat, building_1.lng)
        assert case.grid.code == GRID_A
        assert case.events.get(kind="submit").payload["located"] is True


def test_every_channel_locates_an_address_in_case_submit(county, building_1, categories):
    """Open311 and the hotline pass only the address, as the H5 form may."""
    for channel in ("h5", "open311", "hotline"):
        submitted = case_submit(
            actor=None, channel=channel, description="楼道灯不亮", address=ADDRESS
        )
        assert submitted.case.grid.code == GRID_A, channel
    # An explicit point wins over the address.
    lat, lng = grid_centre(county[GRID_B])
    case = case_submit(
        actor=None, channel="h5", description="楼道灯不亮", address=ADDRESS, lat=lat, lng=lng
    ).case
    assert (case.lat, case.lng) == pytest.approx((lat, lng))
    # An address no building matches leaves the case unlocated, in triage.
    case = case_submit(actor=None, channel="h5", description="楼道灯不亮", address="怡园社区99号楼")
    assert case.case.grid is None and case.case.state == "submitted"


def test_chat_place_must_lie_in_the_group_grid(county, building_1, categories):
    inside = case_submit(
        actor=None, channel="chat", description=f"{ADDRESS}楼道灯不亮", place_text=ADDRESS,
        within=county[GRID_A],
    ).case  # fmt: skip
    assert (inside.lat, inside.lng) == (building_1.lat, building_1.lng)
    # The building named lies in another group's grid: the case stays in this group's grid.
    elsewhere = case_submit(
        actor=None, channel="chat", description=f"{ADDRESS}楼道灯不亮", place_text=ADDRESS,
        within=county[GRID_B],
    ).case  # fmt: skip
    assert elsewhere.grid.code == GRID_B
    assert elsewhere.address == ""  # the message is not an address


def test_submit_answers_with_a_result(resident, county, categories):
    lat, lng = grid_centre(county[GRID_A])
    args = dict(actor=resident, channel="h5", description="碎玻璃", lat=lat, lng=lng)
    first = case_submit(idempotency_key="r-1", **args)
    again = case_submit(idempotency_key="r-1", **args)
    assert isinstance(first, Submitted) and not first.replayed
    assert again.replayed and again.case.pk == first.case.pk
    assert not hasattr(first.case, "replayed")


# --- targets --------------------------------------------------------------------------------


@pytest.fixture
def two_cases(submit, resident):
    return submit(resident, description="路面碎玻璃一"), submit(
        resident, description="路面碎玻璃二"
    )


def _web_transfer(user, case: Case, grid_code: str):
    return _web(user).post(
        f"/cases/{case.tracking_code}/do/transfer/", {"reason": "不属本网格", "grid": grid_code}
    )


def _api_transfer(api, user, case: Case, grid_code: str):
    return api.as_user(user).post(
        f"/api/v1/cases/{case.tracking_code}/actions/transfer/",
        {"reason": "不属本网格", "target_grid": grid_code},
        format="json",
    )


def test_community_cannot_transfer_to_another_community_on_web_or_api(
    api, two_cases, community_staff, county
):
    web_case, api_case = two_cases
    assert web_case.handling_grid.path.startswith(county[COMMUNITY_A].path)
    before = {c.pk: c.event_count for c in two_cases}
    web = _web_transfer(community_staff, web_case, GRID_B)
    r = _api_transfer(api, community_staff, api_case, GRID_B)
    assert web.status_code == 400 and r.status_code == 400, r.content
    assert r.data["code"] == "target_outside"
    assert "不在您的管辖范围内" in r.data["detail"]
    assert "不在您的管辖范围内" in web.content.decode()
    for case in two_cases:
        case.refresh_from_db()
        assert case.event_count == before[case.pk] and case.handling_grid.code != GRID_B
    assert county[GRID_B].path.startswith(county[COMMUNITY_B].path)


def test_community_transfers_within_its_community_on_web_and_api(api, two_cases, community_staff):
    web_case, api_case = two_cases
    assert _web_transfer(community_staff, web_case, GRID_A2).status_code == 302
    r = _api_transfer(api, community_staff, api_case, GRID_A2)
    assert r.status_code == 200, r.content
    for case in two_cases:
        case.refresh_from_db()
        assert case.state == "dispatched" and case.handling_grid.code == GRID_A2
        assert case.events.last().payload["to_unit_name"] == case.handling_grid.name


def test_district_centre_transfers_across_communities(api, two_cases, operator):
    web_case, api_case = two_cases
    assert _web_transfer(operator, web_case, GRID_B).status_code == 302
    assert _api_transfer(api, operator, api_case, GRID_B).status_code == 200
    for case in two_cases:
        case.refresh_from_db()
        assert case.handling_grid.code == GRID_B


def test_unknown_target_is_the_same_400_on_web_and_api(api, two_cases, operator):
    web_case, api_case = two_cases
    web = _web_transfer(operator, web_case, "999999")
    r = _api_transfer(api, operator, api_case, "999999")
    assert web.status_code == 400 and r.status_code == 400
    assert r.data["code"] == "target_grid" and "网格 999999 不存在" in web.content.decode()
