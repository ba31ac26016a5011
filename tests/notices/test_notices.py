"""A notice to two communities: the right inboxes, the residents' home pages, a loopback chat
relay; read counts move as staff open it; withdrawal removes it everywhere."""

from __future__ import annotations

import time_machine
from django.test import Client

from tests.conftest import COMMUNITY_A, COMMUNITY_B, GRID_A, GRID_B, make_user
from tests.notices.conftest import OTHER_STREET_GRID
from wangge.notices.models import Notice, NoticeRecipient
from wangge.notices.services import notice_subscribe
from wangge.notify.models import InboxItem, OutboxMessage
from wangge.notify.services import outbox_deliver_due

NOW = "2026-11-19T09:40:00+08:00"


def _publish(api, user, **extra):
    body = {
        "title": "周六上午停水通知",
        "body": "因管网维修，11月21日8:00—12:00停水，请提前储水。",
        "grids": [COMMUNITY_A, COMMUNITY_B],
        "urgent": True,
        "expires_at": "2026-11-22T00:00:00+08:00",
        **extra,
    }
    return api.as_user(user).post("/api/v1/notices/", body, format="json")


@time_machine.travel(NOW, tick=False)
def test_notice_to_two_communities(
    api,
    county,
    street_staff,
    community_staff,
    worker_a,
    worker_b,
    far_worker,
    chat_groups,
    receiver,
):
    near = make_user("resident_a")
    far = make_user("resident_far")
    notice_subscribe(actor=near, grid=county[GRID_A])
    notice_subscribe(actor=far, grid=county[OTHER_STREET_GRID])

    r = _publish(api, street_staff)
    assert r.status_code == 201, r.json()
    notice = r.json()
    assert {t["code"] for t in notice["targets"]} == {COMMUNITY_A, COMMUNITY_B}

    # Inboxes: the staff of both communities and the subscribed resident, no one else.
    inbox = set(
        InboxItem.objects.filter(topic="notice.published").values_list("user__username", flat=True)
    )
    assert inbox == {"worker_a", "worker_b", "community_a", "resident_a"}
    assert not InboxItem.objects.filter(user=far_worker).exists()

    # The residents' home page.
    web = Client()
    web.force_login(near)
    assert "周六上午停水通知" in web.get("/").content.decode()
    web.force_login(far)
    assert "周六上午停水通知" not in web.get("/").content.decode()

    # The chat relay on loopback gets the groups of grid A and B, not the other street's.
    report = outbox_deliver_due()
    assert report.delivered == 2
    posted = {m.json["payload"]["group_id"]: m.json for m in receiver.received}
    assert set(posted) == {f"wx-{GRID_A}", f"wx-{GRID_B}"}
    assert all(m.signature_ok for m in receiver.received)
    assert posted[f"wx-{GRID_A}"]["payload"]["text"].startswith("【紧急通知】周六上午停水通知")

    # Read counts per grid move as staff open it.
    def reads():
        data = api.as_user(street_staff).get(f"/api/v1/notices/{notice['id']}/").json()["reads"]
        return {row["grid_code"]: (row["read"], row["recipients"]) for row in data}

    assert reads() == {COMMUNITY_A: (0, 1), GRID_A: (0, 1), GRID_B: (0, 1)}
    assert api.as_user(worker_a).post(f"/api/v1/notices/{notice['id']}/read/").status_code == 200
    web.force_login(worker_b)
    page = web.get(f"/notices/{notice['id']}/")
    assert page.status_code == 200 and "停水" in page.content.decode()
    assert reads() == {COMMUNITY_A: (0, 1), GRID_A: (1, 1), GRID_B: (1, 1)}
    # Opening twice counts once; the reader's inbox item is read too.
    web.get(f"/notices/{notice['id']}/")
    assert NoticeRecipient.objects.filter(read_at__isnull=False).count() == 2
    assert InboxItem.objects.get(user=worker_b, topic="notice.published").read_at is not None
    # A reader does not see the others' read counts.
    assert api.as_user(worker_a).get(f"/api/v1/notices/{notice['id']}/").json()["reads"] is None

    # Withdrawal: off the inboxes, the home page, and a withdrawal into both groups.
    r = api.as_user(street_staff).post(
        f"/api/v1/notices/{notice['id']}/withdraw/", {"reason": "维修改期"}, format="json"
    )
    assert r.status_code == 200 and r.json()["state"] == "withdrawn"
    assert not InboxItem.objects.filter(topic="notice.published").exists()
    web.force_login(near)
    assert "周六上午停水通知" not in web.get("/").content.decode()
    assert api.as_user(near).get(f"/api/v1/notices/{notice['id']}/").status_code == 404
    outbox_deliver_due()
    withdrawn = [
        m.json for m in receiver.received if m.json["payload"]["kind"] == "notice_withdrawn"
    ]
    assert {m["payload"]["group_id"] for m in withdrawn} == {f"wx-{GRID_A}", f"wx-{GRID_B}"}
    again = api.as_user(street_staff).post(
        f"/api/v1/notices/{notice['id']}/withdraw/", {}, format="json"
    )
    assert again.status_code == 409


@time_machine.travel(NOW, tick=False)
def test_bad_notices_write_nothing(api, county, community_staff, worker_a, chat_groups):
    cases = [
        ({"grids": [COMMUNITY_B]}, 403, "不能向管辖范围以外的网格发通知"),
        ({"grids": []}, 400, "请选择发送范围"),
        ({"title": ""}, 400, "请填写标题"),
        ({"body": "   "}, 400, "请填写正文"),
        ({"expires_at": "2026-11-18T00:00:00+08:00"}, 400, "有效期须晚于发布时间"),
        ({"grids": ["999999999999"]}, 400, "不存在"),
    ]
    for extra, status, message in cases:
        r = _publish(api, community_staff, **{"grids": [COMMUNITY_A], **extra})
        assert r.status_code == status, (extra, r.json())
        assert message in r.json()["detail"]
    # A grid worker does not publish notices at all.
    r = _publish(api, worker_a, grids=[GRID_A])
    assert r.status_code == 403 and "工作人员" in r.json()["detail"]
    assert Notice.objects.count() == 0
    assert InboxItem.objects.count() == 0 and OutboxMessage.objects.count() == 0


@time_machine.travel(NOW, tick=False)
def test_grid_b_sees_nothing_of_grid_a(api, county, community_staff, worker_a, worker_b):
    r = _publish(api, community_staff, grids=[COMMUNITY_A])
    nid = r.json()["id"]
    assert api.as_user(worker_a).get("/api/v1/notices/").json()["count"] == 1
    assert api.as_user(worker_b).get("/api/v1/notices/").json()["count"] == 0
    assert api.as_user(worker_b).get(f"/api/v1/notices/{nid}/").status_code == 404
    assert api.as_user(worker_b).post(f"/api/v1/notices/{nid}/read/").status_code == 404
    assert api.as_user(worker_b).post(f"/api/v1/notices/{nid}/withdraw/").status_code == 404
    web = Client()
    web.force_login(worker_b)
    assert web.get(f"/notices/{nid}/").status_code == 404
    assert Notice.objects.get(pk=nid).state == "published"


@time_machine.travel(NOW, tick=False)
def test_notice_list_query_count(
    api, county, street_staff, worker_a, django_assert_max_num_queries
):
    for i in range(12):
        _publish(api, street_staff, title=f"通知{i}")
    api.as_user(worker_a)
    with django_assert_max_num_queries(12):
        r = api.get("/api/v1/notices/?limit=50")
    assert r.json()["count"] == 12
    web = Client()
    web.force_login(street_staff)
    with django_assert_max_num_queries(20):
        assert web.get("/notices/").status_code == 200
    from tests.exports.util import export_rows

    assert len(export_rows(web, "notices.list")) == 13  # the header and the twelve notices
