"""Residents, households and buildings as pages: search, masked columns, the reveal dialog with
its audit trail, edits, and grid A/B isolation on every page."""

from __future__ import annotations

import pytest

from tests.workspace.conftest import id_number
from wangge.core.models import AuditLog
from wangge.people.models import Household, Resident

pytestmark = pytest.mark.django_db


def test_resident_list_is_scoped_masked_and_counted(
    client_for, community_staff, resident_a, resident_b
):
    html = client_for(community_staff).get("/people/residents/").content.decode()
    assert "张桂英" in html and "李建国" not in html
    assert 'data-total="1"' in html
    full = id_number(101)
    assert full not in html
    assert f"{full[:6]}********{full[-4:]}" in html  # 6+4 for community staff
    assert "138****1234" in html and "13805981234" not in html


def test_resident_filters(client_for, community_staff, resident_a, building_a):
    c = client_for(community_staff)
    assert "张桂英" in c.get("/people/residents/?tag=独居老人").content.decode()
    assert "张桂英" not in c.get("/people/residents/?tag=低保").content.decode()
    assert "张桂英" in c.get("/people/residents/?building=16号楼").content.decode()
    assert "张桂英" in c.get("/people/residents/?q=桂英").content.decode()
    assert "张桂英" not in c.get("/people/residents/?residence_type=floating").content.decode()


def test_exact_lookup_is_posted_and_scoped(client_for, community_staff, worker_b, resident_a):
    resp = client_for(community_staff).post("/people/residents/", {"id_number": id_number(101)})
    assert resp.status_code == 200 and "张桂英" in resp.content.decode()
    # Someone else's grid: not found, and the same answer as for an unknown number.
    resp = client_for(worker_b).post("/people/residents/", {"id_number": id_number(101)})
    assert "张桂英" not in resp.content.decode()
    resp = client_for(community_staff).post("/people/residents/", {"id_number": ""})
    assert resp.status_code == 400 and "请输入完整的身份证号或手机号" in resp.content.decode()


def test_other_grid_pages_are_404(client_for, worker_b, resident_a, building_a):
    c = client_for(worker_b)
    assert c.get(f"/people/residents/{resident_a.pk}/").status_code == 404
    assert c.post(f"/people/residents/{resident_a.pk}/reveal/", {}).status_code == 404
    assert c.get(f"/people/buildings/{building_a.pk}/").status_code == 404
    assert c.get(f"/people/households/{resident_a.household_id}/").status_code == 404
    assert c.get(f"/people/care/visit/{resident_a.pk}/").status_code == 404


def test_resident_pages_refuse_residents(client_for, resident):
    assert client_for(resident).get("/people/residents/").status_code == 403


def test_resident_page_shows_household_building_and_care(client_for, community_staff, resident_a):
    html = client_for(community_staff).get(f"/people/residents/{resident_a.pk}/").content.decode()
    assert "怡园小区16号楼2单元301室" in html
    assert "data-open-dialog" in html  # the reveal button
    assert "geo:" in html  # navigation link


def test_reveal_needs_a_purpose_and_a_real_reason(client_for, community_staff, resident_a):
    c = client_for(community_staff)
    url = f"/people/residents/{resident_a.pk}/reveal/"
    resp = c.post(url, {"purpose": "", "reason": "看"})
    html = resp.content.decode()
    assert resp.status_code == 400
    assert "请选择查看用途" in html and "事由至少 4 个字" in html
    assert "看</textarea>" in html  # what was typed stays
    assert not AuditLog.objects.filter(action=AuditLog.Action.REVEAL).exists()

    resp = c.post(url, {"purpose": "benefit", "reason": "核对低保申请人身份"})
    html = resp.content.decode()
    assert resp.status_code == 200 and resp["Cache-Control"] == "no-store"
    assert id_number(101) in html and 'href="tel:13805981234"' in html
    log = AuditLog.objects.get(action=AuditLog.Action.REVEAL)
    assert log.actor == community_staff and log.reason == "核对低保申请人身份"
    assert log.detail["purpose"] == "benefit"
    # The trail is shown in the dialog, and on the page next time.
    assert "核对低保申请人身份" in html and "办理救助、低保等民生业务" in html
    page = c.get(f"/people/residents/{resident_a.pk}/").content.decode()
    assert "核对低保申请人身份" in page and id_number(101) not in page


def test_leader_cannot_reveal(client_for, leader, resident_a):
    c = client_for(leader)
    page = c.get(f"/people/residents/{resident_a.pk}/").content.decode()
    assert "data-open-dialog" not in page
    resp = c.post(
        f"/people/residents/{resident_a.pk}/reveal/", {"purpose": "case", "reason": "联系当事人"}
    )
    assert resp.status_code == 400 and "无权查看" in resp.content.decode()
    assert not AuditLog.objects.filter(action=AuditLog.Action.REVEAL).exists()


def test_resident_edit_keeps_input_on_refusal(client_for, worker_a, resident_a):
    c = client_for(worker_a)
    url = f"/people/residents/{resident_a.pk}/"
    data = {"name": "张桂英", "phone": "12345", "residence_type": "registered", "tags": ["低保"]}
    resp = c.post(url, data)
    html = resp.content.decode()
    assert resp.status_code == 400 and "联系电话" in html and "格式错误" in html
    assert 'value="12345"' in html
    resident_a.refresh_from_db()
    assert resident_a.tags == "|独居老人|"
    data["phone"] = "13900001111"
    assert c.post(url, data).status_code == 302
    resident_a.refresh_from_db()
    assert resident_a.tags == "|低保|"


def test_household_edit(client_for, community_staff, worker_b, resident_a, building_a):
    from wangge.people.services import resident_create

    spouse = resident_create(
        actor=None,
        name="王德明",
        id_number=id_number(102),
        building=building_a,
        unit="2",
        room="301",
        residence_type="户籍",
    )
    hh = resident_a.household
    c = client_for(community_staff)
    url = f"/people/households/{hh.pk}/"
    assert "王德明" in c.get(url).content.decode()
    resp = c.post(
        url,
        {
            "number": "H-0301",
            "head": resident_a.pk,
            f"relation_{resident_a.pk}": "",
            f"relation_{spouse.pk}": "配偶",
        },
    )
    assert resp.status_code == 302
    hh.refresh_from_db()
    assert hh.number == "H-0301"
    assert Resident.objects.get(pk=resident_a.pk).relation == "户主"
    assert Resident.objects.get(pk=spouse.pk).relation == "配偶"
    # A relation longer than the column: refused, typed value kept, nothing written.
    resp = c.post(url, {"number": "X", f"relation_{spouse.pk}": "很" * 25})
    assert resp.status_code == 400
    assert Household.objects.get(pk=hh.pk).number == "H-0301"
    assert client_for(worker_b).post(url, {"number": "Y"}).status_code == 404


def test_building_edit_refuses_a_point_outside_its_community(
    client_for, community_staff, building_a, building_b
):
    c = client_for(community_staff)
    url = f"/people/buildings/{building_a.pk}/"
    data = {"address": "怡园路 16 号", "units": 3, "floors": 18}
    resp = c.post(url, {**data, "lat": building_b.lat, "lng": building_b.lng})
    assert resp.status_code == 400 and "不在" in resp.content.decode()
    building_a.refresh_from_db()
    assert building_a.units == 1
    resp = c.post(url, {**data, "lat": building_a.lat, "lng": building_a.lng})
    assert resp.status_code == 302
    building_a.refresh_from_db()
    assert (building_a.units, building_a.floors, building_a.address) == (3, 18, "怡园路 16 号")


def test_building_page_lists_rooms_and_who_lives_there(
    client_for, worker_a, resident_a, building_a
):
    html = client_for(worker_a).get(f"/people/buildings/{building_a.pk}/").content.decode()
    assert "2单元301室" in html and "张桂英" in html


def test_exports_are_filtered_masked_and_safe(client_for, community_staff, resident_a):

    from tests.exports.util import export_rows

    rows = export_rows(client_for(community_staff), "people.residents", "tag=独居老人")
    assert rows[0][0] == "姓名" and rows[1][0] == "张桂英"
    assert id_number(101) not in str(rows)
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT).exists()


@pytest.mark.usefixtures("local_cache")
def test_list_pages_query_counts(
    client_for, community_staff, worker_a, building_a, django_assert_max_num_queries
):
    from wangge.people.models import CareLevel
    from wangge.people.services import care_enrol, resident_create

    red = CareLevel.objects.get(code="red")
    for i in range(60):
        r = resident_create(
            actor=None,
            name=f"居民{i}",
            id_number=id_number(600 + i),
            building=building_a,
            unit=str(i % 3 + 1),
            room=str(100 + i),
            residence_type="户籍",
            tags=["独居老人"],
        )
        care_enrol(actor=None, resident=r, level=red)
    staff = client_for(community_staff)
    for url in ("/people/residents/", "/people/residents/?tag=独居老人", "/people/buildings/"):
        # 15: the page, its total, session, user, roles, care levels and the navigation's
        # serving roles; nothing per row.
        with django_assert_max_num_queries(11):
            assert staff.get(url).status_code == 200
    with django_assert_max_num_queries(11):
        assert staff.get(f"/people/buildings/{building_a.pk}/").status_code == 200
    worker = client_for(worker_a)
    for url in ("/people/care/?within=30", "/people/journal/", "/grid-work/history/"):
        with django_assert_max_num_queries(11):
            assert worker.get(url).status_code == 200
