"""The pages of community life answer each persona, scoped, with bounded queries."""

from __future__ import annotations

import time_machine
from django.test import Client

from tests.conftest import ZONE_A
from wangge.community.models import ServiceOrder
from wangge.community.services import order_place, order_transition
from wangge.points.services import points_award

NOW = "2026-11-17T09:30:00+08:00"


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@time_machine.travel(NOW, tick=False)
def test_resident_volunteer_staff_keeper_pages(
    zhao,
    zhiyuan,
    community_staff,
    keeper,
    worker_b,
    catalogue,
    store_a,
    hh_a,
    rules,
    django_assert_max_num_queries,
):
    for i in range(5):
        o = order_place(actor=zhao, item=catalogue["理发"], description=f"理发{i}")
        order_transition(order=o, actor=community_staff, action="confirm")
    points_award(
        actor=None,
        household=hh_a["301"],
        rule_code="good_deed",
        source_type="t",
        source_id="1",
        amount="12",
    )
    for i in range(20):  # a longer history must not cost more queries
        points_award(
            actor=None,
            household=hh_a["301"],
            rule_code="service_order",
            source_type="t",
            source_id=f"s{i}",
            amount="1",
        )
    r = login(zhao).get("/community/services/")
    assert r.status_code == 200 and "代办医保" in r.content.decode()
    r = login(zhao).get("/community/my/")
    assert r.status_code == 200 and "共 5 条" in r.content.decode()
    with django_assert_max_num_queries(40):
        r = login(zhao).get("/points/")
    body = r.content.decode()
    assert r.status_code == 200 and 'data-balance="32.0"' in body and "洗衣液" in body
    with django_assert_max_num_queries(45):
        r = login(zhiyuan).get("/community/serve/")
    assert r.status_code == 200 and 'data-count="takeable">5<' in r.content.decode()
    with django_assert_max_num_queries(45):
        r = login(community_staff).get("/community/desk/?tab=open")
    assert r.status_code == 200 and "共 5 条" in r.content.decode()
    from tests.exports.util import export_rows

    assert len(export_rows(login(community_staff), "community.desk", "tab=open")) == 6
    r = login(community_staff).get(f"/points/reports/?grid={ZONE_A}&month=2026-11")
    assert r.status_code == 200 and "33.3%" in r.content.decode()
    r = login(community_staff).get(f"/points/reports/?grid={ZONE_A}&month=2026-11&export=xlsx")
    assert r.status_code == 200
    r = login(keeper).get("/points/store/")
    assert r.status_code == 200 and "大米" in r.content.decode()
    # Grid B sees nothing of A and may not open the desk of A.
    code = ServiceOrder.objects.first().code
    assert login(worker_b).get(f"/community/orders/{code}/").status_code == 404
    assert login(worker_b).get("/community/desk/").status_code == 403
    assert login(worker_b).get("/points/store/").status_code == 403
    assert login(zhao).get("/community/desk/").status_code == 403


@time_machine.travel(NOW, tick=False)
def test_staff_desk_confirm_and_refusal_shown(zhao, community_staff, catalogue):
    o = order_place(actor=zhao, item=catalogue["理发"], description="理发")
    c = login(community_staff)
    r = c.post(f"/community/orders/{o.code}/do/decline/", {"reason": ""})
    assert r.status_code == 400 and "请填写不予受理的说明" in r.content.decode()
    r = c.post(f"/community/orders/{o.code}/do/confirm/", {"next": "desk"})
    assert r.status_code == 302 and r["Location"] == "/community/desk/"
    assert ServiceOrder.objects.get(pk=o.pk).state == "open"


def test_export_escapes_formulas():
    from wangge.community.exporting import cell

    assert cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert cell("+86") == "'+86" and cell("@x") == "'@x" and cell("-1") == "'-1"
    assert cell("理发") == "理发" and cell(3) == 3
