"""Bad inputs and limits: each a 4xx with a Chinese message and nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction

from tests.conftest import COMMUNITY_A
from wangge.core.api import Conflict
from wangge.points.models import Goods, PointsAccount, PointsEntry
from wangge.points.services import points_award

NOW = "2026-11-20T10:00:00+08:00"


def _counts():
    return PointsEntry.objects.count(), PointsAccount.objects.count()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("rule", "amount", "code", "words"),
    [
        ("clean_household", "-3", "negative_amount", "不能扣分"),
        ("clean_household", "2.5", "fractional_amount", "整数"),
        ("clean_household", "11", "amount_range", "不能高于"),
        ("council_day", "3", "fixed_amount", "固定"),
        ("clean_household", "abc", "amount", "数字"),
        ("clean_household", "NaN", "amount", "范围"),
        ("clean_household", "0", "amount", "不能为 0"),
        ("no_such_rule", None, "rule", "不存在"),
    ],
)
def test_bad_amounts_refused(api, community_staff, hh_a, rules, rule, amount, code, words):
    before = _counts()
    r = api.as_user(community_staff).post(
        "/api/v1/points/awards/",
        {
            "household_id": hh_a["301"].pk,
            "rule_code": rule,
            "source_id": "x1",
            "amount": amount or "",
        },
        format="json",
    )
    assert r.status_code in (400, 403), r.data
    if r.status_code == 400:
        assert r.data["code"] == code and words in r.data["detail"]
    assert _counts() == before


@time_machine.travel(NOW, tick=False)
def test_duplicate_award_refused_by_code_and_by_database(community_staff, hh_a, rules):
    points_award(
        actor=None,
        household=hh_a["301"],
        rule_code="service_order",
        source_type="service_order",
        source_id="42",
    )
    with pytest.raises(Conflict) as exc:
        points_award(
            actor=None,
            household=hh_a["301"],
            rule_code="service_order",
            source_type="service_order",
            source_id="42",
        )
    assert "不能重复计分" in exc.value.message
    # Even a write that skips the service meets the unique constraint.
    first = PointsEntry.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsEntry.objects.create(
            account=first.account,
            household=first.household,
            kind="award",
            rule=first.rule,
            amount=Decimal(1),
            source_type="service_order",
            source_id="42",
            grid_path=first.grid_path,
            root=first.root,
            month=first.month,
            created_at=first.created_at,
        )
    assert PointsEntry.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_balance_never_negative_in_the_database(hh_a, rules):
    points_award(
        actor=None,
        household=hh_a["301"],
        rule_code="service_order",
        source_type="service_order",
        source_id="1",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsAccount.objects.filter(household=hh_a["301"]).update(balance=Decimal(-1))


@time_machine.travel(NOW, tick=False)
def test_ledger_is_append_only(hh_a, rules):
    e = points_award(
        actor=None,
        household=hh_a["301"],
        rule_code="service_order",
        source_type="service_order",
        source_id="1",
    )
    with pytest.raises(RuntimeError):
        PointsEntry.objects.filter(pk=e.pk).update(amount=Decimal(100))
    with pytest.raises(RuntimeError):
        e.amount = Decimal(100)
        e.save()
    with pytest.raises(RuntimeError):
        PointsEntry.objects.filter(pk=e.pk).delete()


@time_machine.travel(NOW, tick=False)
def test_monthly_cap(api, community_staff, hh_a, rules):
    """clean_household: at most 10 a month; the third 5-point inspection is refused."""
    staff = api.as_user(community_staff)

    def batch(day: str):
        return staff.post(
            "/api/v1/points/inspections/",
            {
                "community": COMMUNITY_A,
                "title": f"评比{day}",
                "held_on": f"2026-11-{day}",
                "results": [
                    {"household_id": hh_a["301"].pk, "passed": True},
                    {"household_id": hh_a["302"].pk, "passed": True},
                ],
            },
            format="json",
        )

    assert batch("02").status_code == 201
    assert batch("09").status_code == 201
    before = _counts()
    r = batch("16")
    assert r.status_code == 409 and "每月上限 10 分" in r.data["detail"]
    assert r.data["detail"].startswith("第 1 行")
    assert _counts() == before
    # The same day twice is one batch only.
    r = batch("09")
    assert r.status_code == 409 and "已录入" in r.data["detail"]
    # Next month the cap starts again.
    with time_machine.travel("2026-12-02T10:00:00+08:00", tick=False):
        api.as_user(community_staff)  # a month on, the first token has expired: sign in again
        assert batch("01").status_code == 201


@time_machine.travel(NOW, tick=False)
def test_inspection_batch_refuses_bad_lines(api, community_staff, hh_a, hh_b, rules):
    staff = api.as_user(community_staff)
    cases = [
        ([{"household_id": hh_b.pk, "passed": True}], 404, "不在"),
        ([{"household_id": hh_a["301"].pk}, {"household_id": hh_a["301"].pk}], 400, "只能出现一次"),
        ([{"household_id": hh_a["301"].pk, "amount": "3.5"}], 400, "整数"),
        ([], 400, "没有评比结果"),
    ]
    before = _counts()
    for results, status, words in cases:
        r = staff.post(
            "/api/v1/points/inspections/",
            {
                "community": COMMUNITY_A,
                "title": "评比",
                "held_on": "2026-11-18",
                "results": results,
            },
            format="json",
        )
        assert r.status_code in (400, 404), r.data
        if r.status_code == 400 or status == 404:
            assert words in r.data["detail"] or status == 404
    assert _counts() == before
    r = staff.post(
        "/api/v1/points/inspections/",
        {
            "community": COMMUNITY_A,
            "title": "评比",
            "held_on": "2027-01-01",
            "results": [{"household_id": hh_a["301"].pk}],
        },
        format="json",
    )
    assert r.status_code == 400 and "晚于今天" in r.data["detail"]


@time_machine.travel(NOW, tick=False)
def test_redeem_limits(api, zhao, qian, store_a, hh_a, rules):
    points_award(
        actor=None,
        household=hh_a["301"],
        rule_code="good_deed",
        source_type="mediation",
        source_id="9",
        amount="20",
    )
    rice = Goods.objects.get(store=store_a, name__startswith="大米")
    soap = Goods.objects.get(store=store_a, name="洗衣液")
    me = api.as_user(zhao)
    before = _counts()
    for qty, status, words in [
        (0, 400, "正整数"),
        (-1, 400, "正整数"),
        ("x", 400, "正整数"),
        (6, 400, "最多兑换"),
        (4, 409, "库存不足"),
    ]:
        goods = rice if qty == 4 else soap
        r = me.post(
            "/api/v1/points/redemptions/", {"goods_id": goods.pk, "quantity": qty}, format="json"
        )
        assert r.status_code == status and words in r.data["detail"], (qty, r.data)
    assert _counts() == before and Goods.objects.get(pk=rice.pk).stock == 3
    # A resident of community B cannot reach community A's store at all.
    r = api.as_user(qian).post(
        "/api/v1/points/redemptions/", {"goods_id": soap.pk, "quantity": 1}, format="json"
    )
    assert r.status_code == 404
