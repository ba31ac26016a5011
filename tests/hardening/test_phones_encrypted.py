"""Staff accounts', followers' and hotline callers' phones are stored encrypted and hashed like
residents' and reporters' (issue 15, item 5 and the demo plaintext scan): no plaintext column,
masked where shown, found by their hash."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from tests.conftest import GRID_A, PASSWORD, grid_centre, make_user
from wangge.accounts.models import Role, User
from wangge.accounts.phones import user_phone, user_phone_masked
from wangge.cases.followers import case_follow, follower_phone
from wangge.cases.models import CaseFollower
from wangge.cases.services import case_submit
from wangge.cases.targets import unit_workers
from wangge.cases.workflow import case_transition
from wangge.hotline.models import HotlineOrder, HotlineSource
from wangge.hotline.services import order_caller_phone, source_key_issue
from wangge.notify.models import OutboxMessage, WebhookEndpoint

PHONE = "13912345678"


def raw_rows(table: str) -> str:
    """Every value of `table` as the database holds it, in one string."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        return repr(cur.fetchall())


def test_account_phone_is_encrypted_masked_and_found_by_the_whole_number(county, categories):
    worker = make_user("worker_phone", Role.GRID_WORKER, county[GRID_A])
    worker.refresh_from_db()
    from wangge.accounts.services import user_create

    other = user_create(actor=None, username="p", password=PASSWORD, phone=f" {PHONE} ")
    assert PHONE not in raw_rows("accounts_user")
    assert user_phone(other) == PHONE and user_phone_masked(other) == "139****5678"
    # The assignee picker finds a worker by the whole number, not by a prefix (hashes).
    from wangge.accounts.phones import user_phone_set

    worker.save(update_fields=user_phone_set(worker, PHONE))
    lat, lng = grid_centre(county[GRID_A])
    case = case_submit(
        actor=None,
        channel="h5",
        description="楼下一地碎玻璃",
        category_code="E0104",
        lat=lat,
        lng=lng,
    ).case
    assert case.handling_grid_id == county[GRID_A].pk
    assert list(unit_workers(case, q=PHONE)) == [worker]
    assert list(unit_workers(case, q="139")) == []


def test_admin_shows_the_account_phone_masked_and_sets_a_new_one(county):
    from wangge.accounts.admin import UserChangeForm

    root = User.objects.create_superuser("root", password=PASSWORD)
    target = make_user("target")
    form = UserChangeForm(instance=target)
    data = {
        **{k: v for k, v in form.initial.items() if v is not None},
        "phone": PHONE,
        "groups": [],
        "user_permissions": [],
    }
    form = UserChangeForm(instance=target, data=data)
    assert form.is_valid(), form.errors
    form.save()
    target.refresh_from_db()
    assert user_phone(target) == PHONE and PHONE not in raw_rows("accounts_user")
    assert not UserChangeForm(instance=target, data={**data, "phone": "电话"}).is_valid()
    client = Client()
    client.force_login(root)
    html = client.get(f"/admin/accounts/user/{target.pk}/change/").content.decode()
    assert "139****5678" in html and PHONE not in html


def test_follower_phone_is_encrypted_deduplicated_by_hash_and_texted(county, categories, worker_a):
    WebhookEndpoint.objects.create(
        name="短信网关", url="http://127.0.0.1:9/sms", secret="s", topics=["sms.*"]
    )
    lat, lng = grid_centre(county[GRID_A])
    case = case_submit(
        actor=None,
        channel="h5",
        description="小区16号楼楼下掉了一地的碎玻璃渣",
        category_code="E0104",
        lat=lat,
        lng=lng,
    ).case
    first = case_follow(case=case, phone=PHONE)
    again = case_follow(case=case, phone=PHONE)
    assert again.pk == first.pk and CaseFollower.objects.count() == 1
    assert follower_phone(first) == PHONE
    assert PHONE not in raw_rows("cases_casefollower")
    # The update still reaches the follower's phone; the delivery's key does not name it.
    case_transition(case=case, actor=worker_a, action="claim")
    case_transition(case=case, actor=worker_a, action="resolve", reason="已清扫干净")
    sms = list(OutboxMessage.objects.filter(topic="sms.send"))
    assert [m.body["payload"]["phone"] for m in sms] == [PHONE]
    assert all(PHONE not in m.dedupe_key for m in sms)


@pytest.fixture
def source(county, categories):
    return HotlineSource.objects.create(code="city12345", name="市 12345 热线")


def test_hotline_caller_phone_is_encrypted_and_compared_by_hash(api, source):
    key = source_key_issue(actor=None, source=source)
    body = {
        "order_no": "SX1",
        "received_at": "2026-11-23T09:15:00+08:00",
        "caller_name": "赵六",
        "caller_phone": PHONE,
        "content": "怡园小区16号楼门口一地碎玻璃",
        "category": "道路不洁",
    }
    api.credentials(HTTP_AUTHORIZATION=f"Hotline {key}")
    url = f"/api/v1/hotline/sources/{source.code}/orders/"
    assert api.post(url, body, format="json").status_code == 201
    order = HotlineOrder.objects.get()
    assert order_caller_phone(order) == PHONE
    assert PHONE not in raw_rows("hotline_hotlineorder")
    assert api.post(url, body, format="json").data["outcome"] == "unchanged"
    r = api.post(url, {**body, "caller_phone": "13700001111"}, format="json")
    assert r.data["outcome"] == "updated"
    order.refresh_from_db()
    assert order_caller_phone(order) == "13700001111" and order.revision == 1
