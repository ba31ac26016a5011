"""积分超市 on real PostgreSQL: 8+ households racing for the last 3 items — 3 succeed, stock 0,
every ledger consistent with its balance."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from tests.community.conftest import household
from wangge.core.api import Conflict
from wangge.points.models import Goods, PointsAccount, PointsEntry, Redemption, StoreMonth
from wangge.points.services import points_award, points_redeem

RACERS = 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_last_three_items_never_oversold(county, bld_a, store_a, rules):
    rice = Goods.objects.get(store=store_a, name__startswith="大米")
    assert rice.stock == 3
    homes = [household(bld_a, f"{500 + i}") for i in range(RACERS)]
    for h in homes:
        points_award(
            actor=None,
            household=h,
            rule_code="good_deed",
            source_type="seed",
            source_id=str(h.pk),
            amount="20",
        )
        points_award(
            actor=None,
            household=h,
            rule_code="service_order",
            source_type="seed",
            source_id=str(h.pk),
            amount="20",
        )
    barrier = threading.Barrier(RACERS)
    ok: list[str] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(h):
        try:
            barrier.wait()
            try:
                r = points_redeem(
                    actor=None,
                    goods=Goods(
                        pk=rice.pk,
                        store=store_a,
                        price=rice.price,
                        name=rice.name,
                        unit=rice.unit,
                        is_active=True,
                        per_redemption_max=5,
                    ),
                    quantity=1,
                    household=h,
                )
                with lock:
                    ok.append(r.code)
            except Conflict as exc:
                assert exc.code == "out_of_stock" and "库存不足" in exc.message
                with lock:
                    refused.append(exc.code)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(h,)) for h in homes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(ok) == 3 and len(refused) == RACERS - 3
    assert Goods.objects.get(pk=rice.pk).stock == 0
    assert Redemption.objects.count() == 3
    assert PointsEntry.objects.filter(kind="redeem").count() == 3
    for acct in PointsAccount.objects.all():
        total = PointsEntry.objects.filter(account=acct).aggregate(s=Sum("amount"))["s"]
        assert total == acct.balance >= 0
    spent = PointsAccount.objects.aggregate(s=Sum("spent"))["s"]
    assert spent == Decimal(90)
    assert StoreMonth.objects.get(store=store_a).items == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_household_racing_itself_never_overdraws(county, bld_a, store_a, rules):
    """Eight phones of one family redeem at once with points for two bottles: two succeed."""
    soap = Goods.objects.get(store=store_a, name="洗衣液")
    h = household(bld_a, "601")
    points_award(
        actor=None,
        household=h,
        rule_code="good_deed",
        source_type="seed",
        source_id="1",
        amount="20",
    )
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run():
        try:
            barrier.wait()
            try:
                points_redeem(
                    actor=None,
                    goods=Goods.objects.select_related("store").get(pk=soap.pk),
                    quantity=1,
                    household=h,
                )
                res = "ok"
            except Conflict as exc:
                res = exc.code
            with lock:
                outcomes.append(res)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 2 and outcomes.count("insufficient_points") == 6
    acct = PointsAccount.objects.get(household=h)
    assert acct.balance == 0
    assert Goods.objects.get(pk=soap.pk).stock == 18
