"""A service order's contact phone is personal data: stored encrypted and hashed (no
plaintext in the table), masked on the API and the page for everyone but the resident who
ordered, revealed to the taker or community staff only with a reason, and audited."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection

from tests.conftest import COMMUNITY_B, make_user
from wangge.accounts.models import Role
from wangge.community.contact import order_contact_phone
from wangge.community.models import ServiceOrder
from wangge.core.models import AuditLog

NOW = "2026-11-17T09:30:00+08:00"
PHONE = "13805981234"


@pytest.fixture
def order_code(api, community_staff, catalogue, hh_a):
    staff = api.as_user(community_staff)
    r = staff.post(
        "/api/v1/community/orders/",
        {
            "service_id": catalogue["理发"].pk,
            "channel": "phone",
            "household_id": hh_a["301"].pk,
            "contact_name": "赵老伯",
            "contact_phone": PHONE,
            "description": "电话：腿脚不便，想请人上门理发",
        },
        format="json",
    )
    assert r.status_code == 201, r.data
    return r.data["code"]


@time_machine.travel(NOW, tick=False)
def test_stored_encrypted_and_masked_in_the_api(api, community_staff, order_code):
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM community_serviceorder WHERE code = %s", [order_code])
        row = cur.fetchone()
    assert not any(PHONE in str(v) for v in row)
    assert order_contact_phone(ServiceOrder.objects.get(code=order_code)) == PHONE
    r = api.as_user(community_staff).get(f"/api/v1/community/orders/{order_code}/")
    assert r.status_code == 200 and r.data["contact_phone"] == "138****1234"


@time_machine.travel(NOW, tick=False)
def test_staff_reveal_needs_a_reason_and_is_audited(api, community_staff, order_code):
    staff = api.as_user(community_staff)
    url = f"/api/v1/community/orders/{order_code}/contact/"
    r = staff.post(url, {"reason": " "}, format="json")
    assert r.status_code == 400
    assert not AuditLog.objects.filter(action=AuditLog.Action.REVEAL).exists()
    r = staff.post(url, {"reason": "上门前电话确认时间"}, format="json")
    assert r.status_code == 200 and r.data["contact_phone"] == PHONE
    assert r["Cache-Control"] == "no-store"
    record = AuditLog.objects.get(action=AuditLog.Action.REVEAL)
    assert record.actor == community_staff and record.reason == "上门前电话确认时间"
    assert record.detail == {"fields": ["contact_phone"], "order": order_code}


@time_machine.travel(NOW, tick=False)
def test_the_taker_may_reveal_and_others_may_not(api, county, community_staff, zhiyuan, order_code):
    staff = api.as_user(community_staff)
    staff.post(f"/api/v1/community/orders/{order_code}/actions/confirm/", {}, format="json")
    url = f"/api/v1/community/orders/{order_code}/contact/"
    # Before taking it, a volunteer of the community sees the mask and may not reveal.
    volunteer = api.as_user(zhiyuan)
    assert volunteer.post(url, {"reason": "联系居民"}, format="json").status_code in (403, 404)
    r = volunteer.post(f"/api/v1/community/orders/{order_code}/actions/take/", {}, format="json")
    assert r.status_code == 200, r.data
    assert r.data["contact_phone"] == "138****1234"
    r = volunteer.post(url, {"reason": "联系居民约时间"}, format="json")
    assert r.status_code == 200 and r.data["contact_phone"] == PHONE
    # Community B's staff: the order is not theirs at all.
    other = api.as_user(make_user("community_b", Role.COMMUNITY_STAFF, county[COMMUNITY_B]))
    assert other.post(url, {"reason": "看看"}, format="json").status_code == 404


@time_machine.travel(NOW, tick=False)
def test_the_page_masks_and_reveals_with_a_reason(client, community_staff, order_code):
    client.force_login(community_staff)
    page = client.get(f"/community/orders/{order_code}/").content.decode()
    assert "138****1234" in page and PHONE not in page
    r = client.post(f"/community/orders/{order_code}/contact/", {"reason": ""})
    assert r.status_code == 400 and "事由" in r.content.decode()
    r = client.post(f"/community/orders/{order_code}/contact/", {"reason": "上门前确认"})
    assert r.status_code == 200 and PHONE in r.content.decode()
    assert r["Cache-Control"] == "no-store"
    reveals = AuditLog.objects.filter(action=AuditLog.Action.REVEAL, actor=community_staff)
    assert reveals.count() == 1
