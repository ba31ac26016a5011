"""Bad inputs on service orders: a 4xx with a Chinese message and nothing written."""

from __future__ import annotations

import time_machine

from wangge.community.models import ServiceOrder, ServiceOrderEvent

NOW = "2026-11-17T09:30:00+08:00"


def _counts():
    return ServiceOrder.objects.count(), ServiceOrderEvent.objects.count()


@time_machine.travel(NOW, tick=False)
def test_order_outside_community_and_bad_fields(
    api, zhao, qian, community_staff, catalogue, hh_b, resident
):
    before = _counts()
    me = api.as_user(zhao)
    # 府前社区's service ordered by a resident of 怡园社区.
    r = me.post(
        "/api/v1/community/orders/",
        {"service_id": catalogue["理发B"].pk, "description": "理发"},
        format="json",
    )
    assert r.status_code == 400 and "只面向本社区居民" in r.data["detail"]
    for body, words in [
        ({"service_id": catalogue["理发"].pk, "description": "  "}, "需求说明"),
        ({"service_id": catalogue["理发"].pk, "description": "x" * 1001}, "1000"),
        (
            {"service_id": catalogue["理发"].pk, "description": "理发", "contact_phone": "call me"},
            "电话",
        ),
        (
            {
                "service_id": catalogue["理发"].pk,
                "description": "理发",
                "wanted_at": "2020-01-01T09:00:00+08:00",
            },
            "将来",
        ),
    ]:
        r = me.post("/api/v1/community/orders/", body, format="json")
        assert r.status_code == 400 and words in r.data["detail"], r.data
    r = me.post(
        "/api/v1/community/orders/", {"service_id": 999999, "description": "理发"}, format="json"
    )
    assert r.status_code == 404
    # A signed-in person not bound to a household is asked to bind first.
    r = api.as_user(resident).post(
        "/api/v1/community/orders/",
        {"service_id": catalogue["理发"].pk, "description": "理发"},
        format="json",
    )
    assert r.status_code == 400 and "绑定" in r.data["detail"]
    # Staff cannot enter an order for another community's household.
    r = api.as_user(community_staff).post(
        "/api/v1/community/orders/",
        {
            "service_id": catalogue["理发"].pk,
            "channel": "phone",
            "household_id": hh_b.pk,
            "contact_name": "钱",
            "description": "理发",
        },
        format="json",
    )
    assert r.status_code == 404
    # A resident cannot pretend to be staff entering by phone.
    r = api.as_user(zhao).post(
        "/api/v1/community/orders/",
        {
            "service_id": catalogue["理发"].pk,
            "channel": "phone",
            "contact_name": "x",
            "address": "y",
            "description": "理发",
        },
        format="json",
    )
    assert r.status_code == 404
    assert _counts() == before


@time_machine.travel(NOW, tick=False)
def test_take_only_what_one_may(
    api, zhao, community_staff, catalogue, zhiyuan, zhiyuan_b, duiyuan, dangyuan, photo
):
    r = api.as_user(zhao).post(
        "/api/v1/community/orders/",
        {"service_id": catalogue["医保"].pk, "description": "代办医保"},
        format="json",
    )
    code = r.data["code"]
    # Nobody takes an order before the community builds it.
    r = api.as_user(dangyuan).post(f"/api/v1/community/orders/{code}/actions/take/")
    assert r.status_code == 404
    api.as_user(community_staff).post(f"/api/v1/community/orders/{code}/actions/confirm/")
    before = _counts()
    # A volunteer of the same community may not take a party-members-only service: not listed.
    r = api.as_user(zhiyuan).post(f"/api/v1/community/orders/{code}/actions/take/")
    assert r.status_code == 404
    # The resident may see it but not take it.
    r = api.as_user(zhao).post(f"/api/v1/community/orders/{code}/actions/take/")
    assert r.status_code == 403 and "无权" in r.data["detail"]
    # Another community's volunteer does not even see it.
    assert api.as_user(zhiyuan_b).get(f"/api/v1/community/orders/{code}/").status_code == 404
    # Staff confirm twice: a conflict in words.
    r = api.as_user(community_staff).post(f"/api/v1/community/orders/{code}/actions/confirm/")
    assert r.status_code == 409 and "不能建单" in r.data["detail"]
    # Unknown action; a photo the user did not upload.
    r = api.as_user(dangyuan).post(f"/api/v1/community/orders/{code}/actions/explode/")
    assert r.status_code == 400 and "未知操作" in r.data["detail"]
    assert _counts() == before
    api.as_user(dangyuan).post(f"/api/v1/community/orders/{code}/actions/take/")
    other = photo(zhao)
    r = api.as_user(dangyuan).post(
        f"/api/v1/community/orders/{code}/actions/complete/",
        {"reason": "办好了", "attachments": [other]},
        format="json",
    )
    assert r.status_code == 400 and "不是您上传" in r.data["detail"]
    for hours in ("0", "25", "1.25", "abc"):
        r = api.as_user(dangyuan).post(
            f"/api/v1/community/orders/{code}/actions/complete/",
            {"reason": "办好了", "hours": hours, "attachments": [photo(dangyuan)]},
            format="json",
        )
        assert r.status_code == 400 and "时长" in r.data["detail"], hours
    assert ServiceOrder.objects.get(code=code).state == "taken"
    # The volunteer's own team may take 维修 (teams allowed): as a team member.
    r = api.as_user(zhao).post(
        "/api/v1/community/orders/",
        {"service_id": catalogue["维修"].pk, "description": "空调不制冷"},
        format="json",
    )
    code2 = r.data["code"]
    api.as_user(community_staff).post(f"/api/v1/community/orders/{code2}/actions/confirm/")
    r = api.as_user(dangyuan).post(f"/api/v1/community/orders/{code2}/actions/take/")
    assert r.status_code == 404  # party members are not offered 维修
    r = api.as_user(duiyuan).post(f"/api/v1/community/orders/{code2}/actions/take/")
    assert r.status_code == 200, r.data
    assert r.data["assignee_kind"] == "team" and r.data["team_name"] == "阳光使者服务队"
