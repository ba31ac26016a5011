"""Residents over the API: masked lists, scoped reads, audited reveals, no plaintext leaks."""

import pytest

from tests.conftest import make_user
from wangge.accounts.models import Role
from wangge.core.models import AuditLog
from wangge.people.models import Resident

from .conftest import id_number


def _ids(resp):
    return [r["id"] for r in resp.json()["results"]]


def test_worker_lists_only_their_grid_and_sees_masks(api, worker_a, resident_a, resident_b):
    resp = api.as_user(worker_a).get("/api/v1/people/residents/")
    assert resp.status_code == 200
    assert _ids(resp) == [resident_a.pk]
    row = resp.json()["results"][0]
    assert row["id_number_masked"] == "350427********" + id_number(101)[-4:]
    assert row["phone_masked"] == "138****1234"
    assert "birth_date" not in row and row["age"] > 70
    assert row["tags"] == ["独居老人"]
    assert id_number(101) not in resp.content.decode()


def test_other_roles_see_narrow_mask(api, leader, resident_a):
    row = api.as_user(leader).get("/api/v1/people/residents/").json()["results"][0]
    assert row["id_number_masked"] == "3" + "*" * 16 + id_number(101)[-1]


@pytest.mark.parametrize("method,suffix", [("get", ""), ("patch", ""), ("post", "reveal/")])
def test_worker_of_grid_a_cannot_touch_grid_b(api, worker_a, resident_b, method, suffix):
    url = f"/api/v1/people/residents/{resident_b.pk}/{suffix}"
    resp = getattr(api.as_user(worker_a), method)(url, {"reason": "核实信息"}, format="json")
    assert resp.status_code == 404
    assert not AuditLog.objects.filter(action=AuditLog.Action.REVEAL).exists()


def test_lookup_by_id_is_scoped_and_a_post(api, worker_a, resident_a, resident_b):
    c = api.as_user(worker_a)
    assert c.post("/api/v1/people/residents/lookup/", {"id_number": id_number(203)}).json() == []
    found = c.post("/api/v1/people/residents/lookup/", {"id_number": id_number(101)}).json()
    assert [r["id"] for r in found] == [resident_a.pk]


def test_reveal_needs_reason_and_is_audited(api, worker_a, resident_a):
    c = api.as_user(worker_a)
    url = f"/api/v1/people/residents/{resident_a.pk}/reveal/"
    resp = c.post(url, {"reason": ""}, format="json")
    assert resp.status_code == 400 and "事由" in resp.json()["detail"]
    assert not AuditLog.objects.filter(action=AuditLog.Action.REVEAL).exists()
    resp = c.post(url, {"reason": "上门走访核对身份"}, format="json")
    assert resp.status_code == 200
    assert resp.json()["id_number"] == id_number(101)
    assert resp.json()["phone"] == "13805981234"
    assert resp["Cache-Control"] == "no-store"
    log = AuditLog.objects.get(action=AuditLog.Action.REVEAL)
    assert log.actor == worker_a
    assert log.target_type == "people.resident" and log.target_id == str(resident_a.pk)
    assert log.reason == "上门走访核对身份"
    assert id_number(101) not in str(log.detail)


def test_reveal_refused_for_roles_not_named(api, leader, resident_a):
    resp = api.as_user(leader).post(
        f"/api/v1/people/residents/{resident_a.pk}/reveal/", {"reason": "查看"}, format="json"
    )
    assert resp.status_code == 403


def test_create_resident_validates_id(api, worker_a, building_a):
    c = api.as_user(worker_a)
    good = id_number(5)
    base = {
        "name": "王小明",
        "building_id": building_a.pk,
        "room": "101",
        "residence_type": "流动",
        "phone": "13600000000",
    }
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    resp = c.post("/api/v1/people/residents/", {**base, "id_number": bad}, format="json")
    assert resp.status_code == 400 and "校验位错误" in resp.json()["detail"]
    future = id_number(7, birth=__import__("datetime").date(2099, 1, 1))
    resp = c.post("/api/v1/people/residents/", {**base, "id_number": future}, format="json")
    assert resp.status_code == 400 and "在未来" in resp.json()["detail"]
    resp = c.post("/api/v1/people/residents/", {**base, "id_number": good}, format="json")
    assert resp.status_code == 201, resp.json()
    assert resp.json()["sex"] == "男"
    resp = c.post("/api/v1/people/residents/", {**base, "id_number": good}, format="json")
    assert resp.status_code == 409 and "重复" in resp.json()["detail"]
    assert Resident.objects.count() == 1


def test_worker_cannot_register_into_grid_b_building(api, worker_a, building_b):
    resp = api.as_user(worker_a).post(
        "/api/v1/people/residents/",
        {
            "name": "王小明",
            "id_number": id_number(9),
            "building_id": building_b.pk,
            "room": "1",
            "residence_type": "户籍",
        },
        format="json",
    )
    assert resp.status_code == 404
    assert not Resident.objects.exists()


def test_export_is_masked_scoped_and_full_needs_reason(
    api, worker_a, resident_a, resident_b, county
):
    import io

    import openpyxl

    c = api.as_user(worker_a)
    resp = c.get("/api/v1/people/export/?filetype=xlsx")
    assert resp.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "姓名" and len(rows) == 2  # header + grid A's one resident
    assert rows[1][0] == "张桂英" and "*" in rows[1][1] and rows[1][3] == "138****1234"
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT).count() == 1

    resp = c.post("/api/v1/people/export/", {"filetype": "csv", "full": True}, format="json")
    assert resp.status_code == 400
    resp = c.post(
        "/api/v1/people/export/",
        {"filetype": "csv", "full": True, "reason": "民政局低保复核"},
        format="json",
    )
    text = resp.content.decode("utf-8-sig")
    assert id_number(101) in text and id_number(203) not in text and "李建国" not in text
    log = AuditLog.objects.get(action=AuditLog.Action.REVEAL)
    assert log.reason == "民政局低保复核" and log.detail["rows"] == 1


def test_leader_cannot_export_full(api, leader, resident_a):
    resp = api.as_user(leader).post(
        "/api/v1/people/export/", {"full": True, "reason": "查看"}, format="json"
    )
    assert resp.status_code == 403


def test_buildings_are_scoped(api, worker_a, building_a, building_b):
    c = api.as_user(worker_a)
    names = [b["name"] for b in c.get("/api/v1/people/buildings/").json()["results"]]
    assert names == ["怡园小区16号楼"]
    assert c.get(f"/api/v1/people/buildings/{building_b.pk}/").status_code == 404


def test_create_building_outside_scope_refused(api, worker_a, county):
    from tests.conftest import COMMUNITY_B, GRID_B, grid_centre

    lat, lng = grid_centre(county[GRID_B])
    resp = api.as_user(worker_a).post(
        "/api/v1/people/buildings/",
        {"community_code": COMMUNITY_B, "number": "3", "lat": lat, "lng": lng},
        format="json",
    )
    assert resp.status_code == 404


def test_address_resolve_endpoint(api, worker_b, building_a):
    resp = api.as_user(worker_b).get("/api/v1/people/address/resolve/?q=怡园社区十六号楼")
    assert resp.status_code == 200 and resp.json()["building_id"] == building_a.pk
    assert api.get("/api/v1/people/address/resolve/?q=火星1号楼").status_code == 404


def test_community_staff_reveal_allowed(api, resident_a, county):
    from tests.conftest import COMMUNITY_A

    staff = make_user("staff_x", Role.COMMUNITY_STAFF, county[COMMUNITY_A])
    resp = api.as_user(staff).post(
        f"/api/v1/people/residents/{resident_a.pk}/reveal/", {"reason": "办理低保"}, format="json"
    )
    assert resp.status_code == 200


def test_resident_list_query_count_does_not_grow(
    api, worker_a, building_a, resident_a, django_assert_max_num_queries
):
    from wangge.people.services import resident_create

    for i in range(20):
        resident_create(
            actor=None, name=f"居民{i}", id_number=id_number(300 + i), building=building_a,
            room=f"{i}01", residence_type="户籍",
        )  # fmt: skip
    c = api.as_user(worker_a)
    with django_assert_max_num_queries(6):  # token, user scope, count, page
        resp = c.get("/api/v1/people/residents/")
    assert resp.json()["count"] == 21
