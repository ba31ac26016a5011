"""A household earns points from a clean-household inspection batch, spends them in the store
(redemption code handed over by the keeper, a return), and the monthly report shows it."""

from __future__ import annotations

from decimal import Decimal

import time_machine

from tests.conftest import COMMUNITY_A, GRID_A, ZONE_A
from wangge.points.models import (
    Goods,
    HouseholdMonth,
    PointsAccount,
    PointsEntry,
    Redemption,
    StoreMonth,
)

NOW = "2026-11-20T10:00:00+08:00"


@time_machine.travel(NOW, tick=False)
def test_inspection_batch_then_redeem_hand_over_return_and_report(
    api, zhao, community_staff, keeper, store_a, hh_a, county, django_assert_max_num_queries
):
    staff = api.as_user(community_staff)
    r = staff.post(
        "/api/v1/points/inspections/",
        {
            "community": COMMUNITY_A,
            "rule_code": "clean_household",
            "title": "11月清洁户评比",
            "held_on": "2026-11-18",
            "results": [
                {"household_id": hh_a["301"].pk, "passed": True, "amount": "10"},
                {"household_id": hh_a["302"].pk, "passed": True},
                {"household_id": hh_a["303"].pk, "passed": False},
            ],
        },
        format="json",
    )
    assert r.status_code == 201, r.data
    assert r.data == {"id": r.data["id"], "households": 3, "awarded": 2}
    assert PointsAccount.objects.get(household=hh_a["301"]).balance == Decimal(10)
    assert PointsAccount.objects.get(household=hh_a["302"]).balance == Decimal(5)
    assert not PointsAccount.objects.filter(household=hh_a["303"]).exists()

    # The resident sees his points and the store's goods, and redeems a bottle of detergent.
    me = api.as_user(zhao)
    r = me.get("/api/v1/points/me/")
    assert r.data["balance"] == "10.0" and r.data["results"][0]["rule_name"] == "清洁户评比"
    r = me.get("/api/v1/points/stores/")
    assert [s["name"] for s in r.data] == ["怡园社区积分超市"]
    r = me.get(f"/api/v1/points/stores/{store_a.pk}/goods/")
    soap = next(g for g in r.data if g["name"] == "洗衣液")
    rice = next(g for g in r.data if g["name"].startswith("大米"))
    # Rice costs 30: more than his balance — refused, nothing written.
    r = me.post(
        "/api/v1/points/redemptions/", {"goods_id": rice["id"], "quantity": 1}, format="json"
    )
    assert r.status_code == 409 and "积分余额不足" in r.data["detail"]
    assert Goods.objects.get(pk=rice["id"]).stock == 3
    assert PointsEntry.objects.filter(kind="redeem").count() == 0
    r = me.post(
        "/api/v1/points/redemptions/", {"goods_id": soap["id"], "quantity": 1}, format="json"
    )
    assert r.status_code == 201, r.data
    code = r.data["code"]
    assert r.data["state"] == "pending" and r.data["points"] == "10.0"
    assert PointsAccount.objects.get(household=hh_a["301"]).balance == 0
    assert Goods.objects.get(pk=soap["id"]).stock == 19

    # The keeper hands it over against the code; twice is refused.
    k = api.as_user(keeper)
    r = k.post(f"/api/v1/points/redemptions/{code.lower()}/hand-over/")
    assert r.status_code == 200 and r.data["state"] == "handed"
    r = k.post(f"/api/v1/points/redemptions/{code}/hand-over/")
    assert r.status_code == 409 and "不能再次领取" in r.data["detail"]
    # A resident cannot hand over goods.
    r = api.as_user(zhao).post(f"/api/v1/points/redemptions/{code}/hand-over/")
    assert r.status_code == 403 and "店员" in r.data["detail"]
    k = api.as_user(keeper)

    # The bottle leaked: returned, points back as a reversing entry, stock back.
    r = k.post(f"/api/v1/points/redemptions/{code}/return/", {"reason": "瓶子漏了"}, format="json")
    assert r.status_code == 200 and r.data["state"] == "returned"
    assert PointsAccount.objects.get(household=hh_a["301"]).balance == Decimal(10)
    assert Goods.objects.get(pk=soap["id"]).stock == 20
    ret = PointsEntry.objects.get(kind="return")
    assert ret.reverses == Redemption.objects.get(code=code).entry and ret.amount == 10
    r = k.post(f"/api/v1/points/redemptions/{code}/return/", {"reason": "再退"}, format="json")
    assert r.status_code == 409

    # Ledger = balance, always.
    for acct in PointsAccount.objects.all():
        total = sum(e.amount for e in PointsEntry.objects.filter(account=acct))
        assert total == acct.balance

    # The monthly report: 2 of 3 households of grid A took part (the building holds 3).
    staff = api.as_user(community_staff)
    with django_assert_max_num_queries(8):
        r = staff.get(f"/api/v1/points/reports/grids/?grid={ZONE_A}&month=2026-11")
    assert r.status_code == 200, r.data
    row = next(x for x in r.data["rows"] if x["code"] == GRID_A)
    assert row["households"] == 3 and row["participating"] == 2
    assert row["participation_rate"] == round(2 / 3, 4)
    assert row["earned"] == "15.0" and row["spent"] == "0.0"  # 10 spent, 10 returned
    assert r.data["total"]["participating"] == 2
    hm = HouseholdMonth.objects.get(household=hh_a["301"])
    assert hm.entries == 3 and hm.earned == 10
    r = staff.get("/api/v1/points/reports/stores/?month=2026-11")
    assert r.data["rows"][0]["redemptions"] == 1 and r.data["rows"][0]["returns"] == 1
    assert StoreMonth.objects.get(store=store_a).points == 10


@time_machine.travel(NOW, tick=False)
def test_correction_is_a_reversing_entry(api, community_staff, zhao, hh_a, rules):
    from wangge.points.services import points_award

    entry = points_award(
        actor=community_staff,
        household=hh_a["301"],
        rule_code="good_deed",
        source_type="mediation",
        source_id="2026-11-3",
        amount="4",
    )
    staff = api.as_user(community_staff)
    r = staff.post(f"/api/v1/points/entries/{entry.pk}/correct/", {}, format="json")
    assert r.status_code == 400 and "冲正原因" in r.data["detail"]
    r = staff.post(
        f"/api/v1/points/entries/{entry.pk}/correct/", {"reason": "重复录入"}, format="json"
    )
    assert r.status_code == 201 and r.data["amount"] == "-4.0" and r.data["reverses"] == entry.pk
    entry.refresh_from_db()
    assert entry.amount == 4  # the award itself is untouched
    r = staff.post(
        f"/api/v1/points/entries/{entry.pk}/correct/", {"reason": "again"}, format="json"
    )
    assert r.status_code == 409 and "已冲正" in r.data["detail"]
    assert PointsAccount.objects.get(household=hh_a["301"]).balance == 0
