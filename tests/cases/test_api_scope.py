"""Every case endpoint is scoped: out of scope is 404, like nonexistent."""

from __future__ import annotations

import pytest

from tests.conftest import GRID_A, GRID_B
from wangge.cases.models import Case


@pytest.fixture
def case_a(submit, resident):
    return submit(resident)


@pytest.fixture
def case_b(submit, resident):
    return submit(resident, GRID_B, description="府前社区没有路灯", category_code="E0601")


def codes(response):
    return {c["tracking_code"] for c in response.data["results"]}


def test_worker_of_grid_a_cannot_touch_grid_b(api, case_a, case_b, worker_a):
    client = api.as_user(worker_a)
    assert codes(client.get("/api/v1/cases/")) == {case_a.tracking_code}
    assert client.get(f"/api/v1/cases/{case_b.tracking_code}/").status_code == 404
    r = client.post(f"/api/v1/cases/{case_b.tracking_code}/actions/claim/", {}, format="json")
    assert r.status_code == 404
    r = client.post(
        f"/api/v1/cases/{case_b.tracking_code}/actions/comment/", {"reason": "x"}, format="json"
    )
    assert r.status_code == 404
    # Merging into a case one cannot see is refused the same way.
    r = client.post(
        f"/api/v1/cases/{case_a.tracking_code}/actions/merge/",
        {"merge_into": case_b.tracking_code},
        format="json",
    )
    assert r.status_code == 404
    assert Case.objects.get(pk=case_b.pk).state == "dispatched"


def test_community_staff_sees_the_subtree_operator_sees_all(
    api, case_a, case_b, community_staff, operator, leader
):
    assert codes(api.as_user(community_staff).get("/api/v1/cases/")) == {case_a.tracking_code}
    both = {case_a.tracking_code, case_b.tracking_code}
    assert codes(api.as_user(operator).get("/api/v1/cases/")) == both
    assert codes(api.as_user(leader).get("/api/v1/cases/")) == both


def test_department_sees_cases_it_handles_or_co_handles(api, submit, resident, handler):
    lead = submit(resident, category_code="A0205", description="车棚顶漏雨")  # 城管 leads
    co = submit(resident, category_code="E0101", description="楼顶违章搭建")  # 城管 co-handles
    other = submit(resident, category_code="E0104")
    seen = codes(api.as_user(handler).get("/api/v1/cases/"))
    assert seen == {lead.tracking_code, co.tracking_code}
    r = api.as_user(handler).get(f"/api/v1/cases/{other.tracking_code}/")
    assert r.status_code == 404


def test_resident_sees_own_cases_only(api, case_a, submit, county, categories):
    from tests.conftest import make_user

    neighbour = make_user("neighbour")
    theirs = submit(neighbour)
    client = api.as_user(neighbour)
    assert [c["tracking_code"] for c in client.get("/api/v1/cases/mine/").data] == [
        theirs.tracking_code
    ]
    assert client.get(f"/api/v1/cases/{case_a.tracking_code}/").status_code == 404
    assert client.get(f"/api/v1/cases/{theirs.tracking_code}/").status_code == 200


def test_public_lookup_needs_no_login_and_shows_no_person(api, submit):
    case = submit(None, contact_name="赵先生", contact_phone="13800001111")
    r = api.get(f"/api/v1/cases/public/{case.tracking_code.lower()}/")
    assert r.status_code == 200
    text = str(r.data)
    assert "13800001111" not in text and "赵先生" not in text
    assert api.get("/api/v1/cases/public/ZZZZZZZZ/").status_code == 404


def test_anonymous_h5_submit_answers_with_the_tracking_code(api, county, categories):
    from tests.conftest import grid_centre

    lat, lng = grid_centre(county[GRID_A])
    r = api.post(
        "/api/v1/cases/",
        {"description": "<script>alert(1)</script>楼道灯坏了", "lat": lat, "lng": lng},
        format="json",
        HTTP_IDEMPOTENCY_KEY="abc",
    )
    assert r.status_code == 201 and len(r.data["tracking_code"]) == 8
    assert "timeline" not in r.data
    again = api.post(
        "/api/v1/cases/",
        {"description": "<script>alert(1)</script>楼道灯坏了", "lat": lat, "lng": lng},
        format="json",
        HTTP_IDEMPOTENCY_KEY="abc",
    )
    assert again.status_code == 200 and again.data["tracking_code"] == r.data["tracking_code"]
    other = api.post(
        "/api/v1/cases/",
        {"description": "别的事", "lat": lat, "lng": lng},
        format="json",
        HTTP_IDEMPOTENCY_KEY="abc",
    )
    assert other.status_code == 422
    assert Case.objects.count() == 1


def test_anonymous_users_cannot_list_or_patrol(api, county, categories):
    assert api.get("/api/v1/cases/").status_code in (401, 403)
    r = api.post("/api/v1/cases/", {"description": "x", "channel": "patrol"}, format="json")
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"description": "x", "lat": 95, "lng": 117}, 400),
        ({"description": "x", "lat": 26}, 400),
        ({"description": "x", "category_code": "Z0000"}, 400),
        ({"description": "长" * 4001}, 400),
        ({}, 400),
    ],
)
def test_bad_submissions_are_400(api, resident, county, categories, body, status):
    r = api.as_user(resident).post("/api/v1/cases/", body, format="json")
    assert r.status_code == status and r.data["detail"]
    assert Case.objects.count() == 0


def test_categories_and_suggestion(api, categories):
    r = api.get("/api/v1/case-categories/")
    names = {c["name"] for c in r.data}
    assert {"邻里纠纷", "物业矛盾", "民政救助/低保", "高空坠物", "白蚁", "走失求助"} <= names
    r = api.get("/api/v1/case-categories/suggest/", {"text": "孩子在市场走失了"})
    assert r.data["code"] == "C0202"


def test_list_filters(api, submit, resident, operator):
    a = submit(resident)
    submit(resident, GRID_B, category_code="C0101", description="邻居噪音纠纷")
    client = api.as_user(operator)
    assert codes(client.get("/api/v1/cases/", {"category": "E01"})) == {a.tracking_code}
    assert codes(client.get("/api/v1/cases/", {"grid": GRID_A})) == {a.tracking_code}
    assert client.get("/api/v1/cases/", {"state": "bogus"}).status_code == 400


def test_openapi_schema_builds(api, db):
    r = api.get("/api/schema/")
    assert r.status_code == 200
    assert b"/api/v1/cases/{code}/actions/{action}/" in r.content
