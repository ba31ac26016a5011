"""A worker of grid B never sees grid A's orders, members or ledgers."""

from __future__ import annotations

import time_machine

from wangge.points.services import points_award

NOW = "2026-11-17T09:30:00+08:00"


@time_machine.travel(NOW, tick=False)
def test_grid_b_sees_nothing_of_grid_a(
    api,
    zhao,
    worker_a,
    worker_b,
    community_staff,
    catalogue,
    dangyuan,
    zhiyuan,
    hh_a,
    store_a,
    rules,
):
    r = api.as_user(zhao).post(
        "/api/v1/community/orders/",
        {"service_id": catalogue["理发"].pk, "description": "上门理发"},
        format="json",
    )
    code = r.data["code"]
    entry = points_award(
        actor=None,
        household=hh_a["301"],
        rule_code="service_order",
        source_type="service_order",
        source_id="7",
    )
    b = api.as_user(worker_b)
    assert b.get(f"/api/v1/community/orders/{code}/").status_code == 404
    assert b.get("/api/v1/community/orders/").data["count"] == 0
    assert b.get("/api/v1/community/party-members/").data["count"] == 0
    assert b.get("/api/v1/community/volunteers/").data["count"] == 0
    assert b.get(f"/api/v1/points/households/{hh_a['301'].pk}/").status_code == 404
    r = b.post(f"/api/v1/points/entries/{entry.pk}/correct/", {"reason": "x"}, format="json")
    assert r.status_code == 404
    assert b.get("/api/v1/points/stores/").data == []
    assert b.post(f"/api/v1/community/orders/{code}/actions/confirm/").status_code == 404
    r = b.post(
        "/api/v1/points/awards/",
        {"household_id": hh_a["301"].pk, "rule_code": "good_deed", "source_id": "z"},
        format="json",
    )
    assert r.status_code == 404
    r = b.get("/api/v1/points/reports/grids/?grid=350427001001")
    assert r.status_code == 404
    # Grid A's worker sees the order and the ledger (read), the community staff act.
    a = api.as_user(worker_a)
    assert a.get(f"/api/v1/community/orders/{code}/").status_code == 200
    assert a.get("/api/v1/community/orders/").data["count"] == 1
    r = a.get(f"/api/v1/points/households/{hh_a['301'].pk}/")
    assert r.status_code == 200 and r.data["balance"] == "2.0"
    assert api.as_user(community_staff).get("/api/v1/community/party-members/").data["count"] == 1
