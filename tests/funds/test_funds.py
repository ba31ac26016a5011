"""The grid emergency fund through the API: budget from the level above, requests against a
case, approval within and beyond the unit head's limit, payments with receipts, the balance,
the yearly statement; bad input refused with nothing written; grid B sees nothing."""

from __future__ import annotations

import io
from decimal import Decimal

import time_machine
from openpyxl import load_workbook

from tests.conftest import COMMUNITY_A, COMMUNITY_B
from wangge.funds.models import FundAccount, FundEvent, FundPayment, SpendRequest

NOW = "2026-11-19T09:40:00+08:00"


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buf, "PNG")
    return buf.getvalue()


def _upload(api, user) -> str:
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = api.as_user(user).post(
        "/api/v1/attachments/",
        {"file": SimpleUploadedFile("receipt.png", _png(), content_type="image/png")},
        format="multipart",
    )
    assert r.status_code == 201, r.content
    return r.json()["id"]


def _budget(api, street_staff, amount="10000", limit="3000", unit=COMMUNITY_A):
    r = api.as_user(street_staff).post(
        "/api/v1/funds/budgets/",
        {"unit": unit, "year": 2026, "amount": amount, "head_limit": limit},
        format="json",
    )
    assert r.status_code == 201, r.json()
    return r.json()


@time_machine.travel(NOW, tick=False)
def test_fund_year(api, county, street_staff, community_staff, worker_a, resident, submit):
    account = _budget(api, street_staff)
    assert account["balance"] == "10000.00" and account["available"] == "10000.00"
    case = submit(resident, description="小区路灯电缆被挖断，晚上一片漆黑")

    # A grid worker asks for 2,000 against the case, with a quote photo.
    quote = _upload(api, worker_a)
    r = api.as_user(worker_a).post(
        "/api/v1/funds/requests/",
        {
            "account": account["id"],
            "amount": "2000",
            "purpose": "更换被挖断的路灯电缆 30 米",
            "case": case.tracking_code,
            "attachments": [quote],
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    small = r.json()
    assert small["needs_above"] is False and small["state"] == "submitted"

    # The community (the unit's head) approves within its limit.
    r = api.as_user(community_staff).post(
        f"/api/v1/funds/requests/{small['id']}/approve/", {"note": "同意"}, format="json"
    )
    assert r.status_code == 200, r.json()
    assert r.json()["balance"] == {
        "balance": "10000.00",
        "available": "8000.00",
        "budget": "10000.00",
    }

    # Paid with a receipt photo: the balance is budget − payments.
    receipt = _upload(api, community_staff)
    r = api.as_user(community_staff).post(
        f"/api/v1/funds/requests/{small['id']}/payments/",
        {"amount": "1800", "payee": "沙溪电力安装队", "attachments": [receipt]},
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert r.json()["state"] == "approved"  # 200 yuan still approved, unpaid
    r = api.as_user(community_staff).post(
        f"/api/v1/funds/requests/{small['id']}/payments/",
        {"amount": "200", "payee": "沙溪电力安装队"},
        format="json",
    )
    assert r.json()["state"] == "paid"
    assert r.json()["balance"]["balance"] == "8000.00"

    # 5,000 is above the community's 3,000 limit: the street approves it.
    r = api.as_user(community_staff).post(
        "/api/v1/funds/requests/",
        {
            "account": account["id"],
            "amount": "5000",
            "purpose": "楼顶水箱应急更换",
            "case": case.tracking_code,
        },
        format="json",
    )
    big = r.json()
    assert big["needs_above"] is True
    r = api.as_user(community_staff).post(
        f"/api/v1/funds/requests/{big['id']}/approve/", {}, format="json"
    )
    assert r.status_code == 403
    assert r.json()["detail"] == "超出本级审批额度（3,000.00 元），须由上级审批"
    r = api.as_user(street_staff).post(
        f"/api/v1/funds/requests/{big['id']}/approve/", {}, format="json"
    )
    assert r.status_code == 200
    acc = FundAccount.objects.get(pk=account["id"])
    assert (acc.budget, acc.balance, acc.available) == (
        Decimal("10000.00"),
        Decimal("8000.00"),
        Decimal("3000.00"),
    )
    paid = sum(p.amount for p in FundPayment.objects.all())
    assert acc.balance == acc.budget - paid

    # Every step is in the audit trail, with the amounts after it.
    kinds = list(FundEvent.objects.filter(account=acc).values_list("kind", flat=True))
    assert kinds == ["budget_set", "request", "approve", "pay", "pay", "request", "approve"]

    # The yearly statement.
    r = api.as_user(street_staff).get(f"/api/v1/funds/accounts/{account['id']}/statement.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content) if r.streaming else r.content))
    assert wb.sheetnames == ["汇总", "用款申请", "支付", "流水"]
    summary = {row[0]: row[1] for row in wb["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["余额（元）"] == 8000 and summary["已支付（元）"] == 2000
    assert wb["支付"].max_row == 3 and wb["流水"].max_row == 8


@time_machine.travel(NOW, tick=False)
def test_bad_fund_input_writes_nothing(
    api, county, street_staff, community_staff, worker_a, resident, submit
):
    case = submit(resident)
    # A budget from the unit itself, not the level above.
    r = api.as_user(community_staff).post(
        "/api/v1/funds/budgets/",
        {"unit": COMMUNITY_A, "year": 2026, "amount": "100"},
        format="json",
    )
    assert r.status_code == 403 and r.json()["detail"] == "预算须由上级单位下达"
    account = _budget(api, street_staff, amount="1000", limit="500")
    events = FundEvent.objects.count()

    def request(**kw):
        body = {
            "account": account["id"],
            "amount": "100",
            "purpose": "应急维修",
            "case": case.tracking_code,
            **kw,
        }
        return api.as_user(worker_a).post("/api/v1/funds/requests/", body, format="json")

    for kw, message in [
        ({"amount": "-5"}, "申请金额须大于 0"),
        ({"amount": "abc"}, "申请金额须为金额数字"),
        ({"amount": "1.234"}, "申请金额最多保留两位小数"),
        ({"amount": "1000.01"}, "申请金额超过可用余额（可用 1,000.00 元）"),
        ({"purpose": " "}, "请填写用途"),
        ({"case": ""}, "用款须关联一个事件或议定事项"),
    ]:
        r = request(**kw)
        assert r.status_code == 400, (kw, r.json())
        assert r.json()["detail"] == message
    assert SpendRequest.objects.count() == 0

    req = request(amount="400").json()
    r = api.as_user(community_staff).post(
        f"/api/v1/funds/requests/{req['id']}/payments/",
        {"amount": "10", "payee": "x"},
        format="json",
    )
    assert r.status_code == 409 and "只有已批准的申请才能支付" in r.json()["detail"]
    r = api.as_user(community_staff).post(
        f"/api/v1/funds/requests/{req['id']}/reject/", {"note": ""}, format="json"
    )
    assert r.status_code == 400 and r.json()["detail"] == "请填写不予批准的理由"
    r = api.as_user(worker_a).post(
        f"/api/v1/funds/requests/{req['id']}/approve/", {}, format="json"
    )
    assert r.status_code == 403 and r.json()["detail"] == "您无权审批该单位的应急资金"
    api.as_user(community_staff).post(
        f"/api/v1/funds/requests/{req['id']}/approve/", {}, format="json"
    )
    # A payment beyond what was approved (and so beyond the balance set aside for it).
    r = api.as_user(community_staff).post(
        f"/api/v1/funds/requests/{req['id']}/payments/",
        {"amount": "400.01", "payee": "维修队"},
        format="json",
    )
    assert r.status_code == 400 and r.json()["detail"] == "支付金额超过批准未付金额（400.00 元）"
    # The budget cannot go below what is approved.
    r = api.as_user(street_staff).post(
        "/api/v1/funds/budgets/",
        {"unit": COMMUNITY_A, "year": 2026, "amount": "300"},
        format="json",
    )
    assert r.status_code == 400 and "预算不能低于已批准和已支付的金额" in r.json()["detail"]
    acc = FundAccount.objects.get(pk=account["id"])
    assert (acc.budget, acc.balance, acc.available) == (
        Decimal("1000.00"),
        Decimal("1000.00"),
        Decimal("600.00"),
    )
    assert FundEvent.objects.count() == events + 2  # the request and its approval, nothing else
    assert FundPayment.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_grid_b_sees_nothing_of_grid_a(
    api, county, street_staff, community_staff, worker_a, worker_b, resident, submit
):
    account = _budget(api, street_staff)
    _budget(api, street_staff, unit=COMMUNITY_B)
    case = submit(resident)
    req = (
        api.as_user(worker_a)
        .post(
            "/api/v1/funds/requests/",
            {
                "account": account["id"],
                "amount": "100",
                "purpose": "修门禁",
                "case": case.tracking_code,
            },
            format="json",
        )
        .json()
    )
    accounts = api.as_user(worker_b).get("/api/v1/funds/accounts/").json()
    assert [a["unit"] for a in accounts["results"]] == [COMMUNITY_B]
    assert api.as_user(worker_b).get("/api/v1/funds/requests/").json()["count"] == 0
    assert api.as_user(worker_b).get(f"/api/v1/funds/requests/{req['id']}/").status_code == 404
    assert api.as_user(worker_b).get(f"/api/v1/funds/accounts/{account['id']}/").status_code == 404
    assert (
        api.as_user(worker_b)
        .get(f"/api/v1/funds/accounts/{account['id']}/statement.xlsx")
        .status_code
        == 404
    )
    r = api.as_user(worker_b).post(
        "/api/v1/funds/requests/",
        {"account": account["id"], "amount": "100", "purpose": "x", "case": case.tracking_code},
        format="json",
    )
    assert r.status_code == 404
    assert (
        api.as_user(worker_b).post(f"/api/v1/funds/requests/{req['id']}/approve/").status_code
        == 404
    )
    assert SpendRequest.objects.get(pk=req["id"]).state == "submitted"


@time_machine.travel(NOW, tick=False)
def test_request_list_query_count(
    api, county, street_staff, worker_a, resident, submit, django_assert_max_num_queries
):
    account = _budget(api, street_staff)
    case = submit(resident)
    for i in range(10):
        api.as_user(worker_a).post(
            "/api/v1/funds/requests/",
            {
                "account": account["id"],
                "amount": str(10 + i),
                "purpose": f"维修{i}",
                "case": case.tracking_code,
            },
            format="json",
        )
    api.as_user(street_staff)
    with django_assert_max_num_queries(10):
        r = api.get("/api/v1/funds/requests/?limit=50")
    assert r.json()["count"] == 10
