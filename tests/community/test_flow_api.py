"""The seeds' 三单制 replayed through the API, as each persona: 群众点单 → 组织建单 → 党员接单
→ 完成（照片）→ 群众评价 → hours and points land."""

from __future__ import annotations

from decimal import Decimal

import time_machine

from wangge.community.models import ServiceOrder, ServiceOrderEvent, VolunteerHours
from wangge.notify.models import InboxItem
from wangge.points.models import PointsAccount, PointsEntry

NOW = "2026-11-17T09:30:00+08:00"


@time_machine.travel(NOW, tick=False)
def test_resident_orders_party_member_serves_resident_rates(
    api,
    zhao,
    dangyuan,
    community_staff,
    catalogue,
    photo,
    hh_a,
    bld_a,
    django_assert_max_num_queries,
):
    from wangge.community.services import resident_account_bind

    # The party member lives in 303; his family earns the service's points.
    resident_account_bind(actor=None, user=dangyuan, household=hh_a["303"])

    # 群众点单: 赵先生 browses his community's services and orders 代办医保.
    r = api.as_user(zhao).get("/api/v1/community/services/")
    assert r.status_code == 200, r.data
    names = [s["name"] for s in r.data]
    assert "代办医保" in names and "理发" in names
    item = next(s for s in r.data if s["name"] == "代办医保")
    r = api.post(
        "/api/v1/community/orders/",
        {"service_id": item["id"], "description": "老伴住院的医保报销材料不会弄，想请人代办"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="zhao-1",
    )
    assert r.status_code == 201, r.data
    code = r.data["code"]
    assert r.data["state"] == "ordered" and r.data["state_display"] == "待建单"
    assert r.data["address"].startswith("怡园小区16号楼")
    # A retry with the same key is the same order.
    again = api.post(
        "/api/v1/community/orders/",
        {"service_id": item["id"], "description": "老伴住院的医保报销材料不会弄，想请人代办"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="zhao-1",
    )
    assert again.status_code == 200 and again.data["code"] == code
    assert InboxItem.objects.filter(user=community_staff, topic="service.ordered").exists()

    # The party member cannot see it before the community builds the task.
    assert api.as_user(dangyuan).get(f"/api/v1/community/orders/{code}/").status_code == 404

    # 组织建单: community staff confirm it into a task due in 72 hours.
    r = api.as_user(community_staff).post(
        f"/api/v1/community/orders/{code}/actions/confirm/", {}, format="json"
    )
    assert r.status_code == 200, r.data
    assert r.data["state"] == "open" and r.data["due_at"]
    assert InboxItem.objects.filter(user=dangyuan, topic="service.open").exists()

    # 党员接单: it is in his open list; he takes it.
    with django_assert_max_num_queries(12):
        r = api.as_user(dangyuan).get("/api/v1/community/orders/?takeable=1")
    assert r.status_code == 200 and r.data["count"] == 1
    assert r.data["results"][0]["code"] == code
    r = api.post(f"/api/v1/community/orders/{code}/actions/take/", {}, format="json")
    assert r.status_code == 200, r.data
    assert r.data["state"] == "taken" and r.data["assignee_name"] == "党员 孙洪业"
    assert r.data["assignee_kind"] == "party_member"
    assert r.data["contact_phone"] == ""  # none given; the taker would see it in full

    # Completing without a photo is refused, nothing written.
    r = api.post(
        f"/api/v1/community/orders/{code}/actions/complete/", {"reason": "已代办"}, format="json"
    )
    assert r.status_code == 400 and "照片" in r.data["detail"]
    assert ServiceOrder.objects.get(code=code).state == "taken"
    # With a photo of the receipt and 2.5 hours.
    pid = photo(dangyuan)
    r = api.post(
        f"/api/v1/community/orders/{code}/actions/complete/",
        {
            "reason": "已到医保中心递交报销材料，回执交给赵先生",
            "hours": "2.5",
            "attachments": [pid],
        },
        format="json",
    )
    assert r.status_code == 200, r.data
    assert r.data["state"] == "done" and r.data["hours"] == "2.5"
    assert InboxItem.objects.filter(user=zhao, topic="service.done").exists()
    # The resident sees the photo on the timeline and may open it.
    r = api.as_user(zhao).get(f"/api/v1/community/orders/{code}/")
    done = next(e for e in r.data["timeline"] if e["kind"] == "complete")
    assert done["attachments"][0]["id"] == pid
    assert api.get(f"/attachments/{pid}/").status_code == 200
    assert r.data["allowed_actions"] == ["rate", "comment"]

    # 群众评价: a bad score is refused; then 5 stars closes it and credits hours and points.
    bad = api.post(f"/api/v1/community/orders/{code}/actions/rate/", {"score": 6}, format="json")
    assert bad.status_code == 400 and "评分" in bad.data["detail"]
    r = api.post(
        f"/api/v1/community/orders/{code}/actions/rate/",
        {"score": 5, "reason": "孙师傅跑了两趟，太感谢了"},
        format="json",
    )
    assert r.status_code == 200, r.data
    assert r.data["state"] == "closed" and r.data["score"] == 5
    hours = VolunteerHours.objects.get(order__code=code)
    assert hours.user == dangyuan and hours.hours == Decimal("2.5")
    entry = PointsEntry.objects.get(source_type="service_order")
    assert entry.household == hh_a["303"] and entry.amount == Decimal(5)
    assert PointsAccount.objects.get(household=hh_a["303"]).balance == Decimal(5)
    kinds = list(ServiceOrderEvent.objects.filter(order__code=code).values_list("kind", flat=True))
    assert kinds == ["order", "confirm", "take", "complete", "rate"]

    # His hours and points, as he sees them.
    r = api.as_user(dangyuan).get("/api/v1/community/me/")
    assert r.data["hours_total"] == "2.5" and r.data["kinds"] == ["party_member"]
    r = api.get("/api/v1/points/me/")
    assert r.data["balance"] == "5.0" and r.data["count"] == 1


@time_machine.travel(NOW, tick=False)
def test_staff_enter_assign_reassign_release_cancel(
    api, community_staff, dangyuan, zaizhi, zhiyuan, catalogue, hh_a
):
    staff = api.as_user(community_staff)
    # 电话代录 for an elderly resident without a phone app.
    r = staff.post(
        "/api/v1/community/orders/",
        {
            "service_id": catalogue["医保"].pk,
            "channel": "phone",
            "household_id": hh_a["301"].pk,
            "contact_name": "赵老伯",
            "contact_phone": "13805981234",
            "description": "电话：社保卡丢了，要补办",
        },
        format="json",
    )
    assert r.status_code == 201, r.data
    code = r.data["code"]
    staff.post(f"/api/v1/community/orders/{code}/actions/confirm/", {}, format="json")
    # A volunteer may not take 代办医保 (party members only): refused with the reason.
    r = staff.post(
        f"/api/v1/community/orders/{code}/actions/assign/",
        {"assignee_id": zhiyuan.pk},
        format="json",
    )
    assert r.status_code == 400 and "不能承接" in r.data["detail"]
    r = staff.post(
        f"/api/v1/community/orders/{code}/actions/assign/",
        {"assignee_id": dangyuan.pk},
        format="json",
    )
    assert r.status_code == 200 and r.data["assignee_name"] == "党员 孙洪业"
    # 改派 needs a reason, then goes to the in-service member.
    r = staff.post(
        f"/api/v1/community/orders/{code}/actions/reassign/",
        {"assignee_id": zaizhi.pk},
        format="json",
    )
    assert r.status_code == 400 and "说明" in r.data["detail"]
    r = staff.post(
        f"/api/v1/community/orders/{code}/actions/reassign/",
        {"assignee_id": zaizhi.pk, "reason": "孙师傅住院"},
        format="json",
    )
    assert r.status_code == 200 and r.data["assignee_kind"] == "party_member"
    # The new taker gives it back (退单) with a reason; it is open again.
    r = api.as_user(zaizhi).post(
        f"/api/v1/community/orders/{code}/actions/release/", {"reason": "本周出差"}, format="json"
    )
    assert r.status_code == 200 and r.data["state"] == "open" and r.data["assignee_name"] is None
    # Staff cancel it with a reason.
    r = api.as_user(community_staff).post(
        f"/api/v1/community/orders/{code}/actions/cancel/",
        {"reason": "居民已自行办理"},
        format="json",
    )
    assert r.status_code == 200 and r.data["state"] == "cancelled"
    kinds = list(ServiceOrderEvent.objects.filter(order__code=code).values_list("kind", flat=True))
    assert kinds == ["order", "confirm", "assign", "reassign", "release", "cancel"]


@time_machine.travel(NOW, tick=False)
def test_decline_and_resident_cancel(api, zhao, community_staff, catalogue):
    r = api.as_user(zhao).post(
        "/api/v1/community/orders/",
        {"service_id": catalogue["理发"].pk, "description": "想请师傅上门理发"},
        format="json",
    )
    code = r.data["code"]
    staff = api.as_user(community_staff)
    r = staff.post(f"/api/v1/community/orders/{code}/actions/decline/", {}, format="json")
    assert r.status_code == 400 and "说明" in r.data["detail"]
    r = staff.post(
        f"/api/v1/community/orders/{code}/actions/decline/",
        {"reason": "本月理发服务已约满，下月初请再点单"},
        format="json",
    )
    assert r.status_code == 200 and r.data["state"] == "declined"
    assert "约满" in r.data["reason"]
    # A second order the resident cancels himself before anyone takes it.
    r = api.as_user(zhao).post(
        "/api/v1/community/orders/",
        {"service_id": catalogue["理发"].pk, "description": "想请师傅上门理发"},
        format="json",
    )
    code2 = r.data["code"]
    r = api.post(
        f"/api/v1/community/orders/{code2}/actions/cancel/",
        {"reason": "女儿回来了，带我去"},
        format="json",
    )
    assert r.status_code == 200 and r.data["state"] == "cancelled"
