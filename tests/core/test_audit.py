"""Business data changes are audited with old and new values; the auditor reads them in the
admin, the administrator cannot."""

from __future__ import annotations

from datetime import date

import pytest
from django.forms.models import model_to_dict

from tests.conftest import DISTRICT, GRID_A, grid_centre, make_user
from wangge.accounts.models import Role
from wangge.cases.categories import category_seed
from wangge.cases.models import Category, RoutingRule
from wangge.core.audit import HIDDEN
from wangge.core.models import AuditLog
from wangge.grids.models import Department, DepartmentKind
from wangge.people.idcard import make_id_number
from wangge.people.services import building_create, resident_create, resident_update
from wangge.workcal.models import CalendarEntry, DayKind, EntrySource

pytestmark = pytest.mark.django_db

A = AuditLog.Action
BORN = date(1950, 5, 17)


def form_data(obj, **changes) -> dict:
    """What the admin's change form posts for `obj`, with `changes` applied."""
    data = {}
    for name, value in {**model_to_dict(obj), **changes}.items():
        if value is None or value is False:
            continue  # an empty field, an unticked box
        if isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        else:
            data[name] = "on" if value is True else getattr(value, "pk", value)
    return data


@pytest.fixture
def auditor(county):
    return make_user("auditor", Role.AUDITOR)


def last(action: str) -> AuditLog:
    return AuditLog.objects.filter(action=action).order_by("-id").first()


def test_category_change_in_admin_records_old_and_new_values(client, admin_user):
    category_seed()
    glass = Category.objects.get(code="E0104")
    client.force_login(admin_user)
    url = f"/admin/cases/category/{glass.pk}/change/"
    response = client.post(url, form_data(glass, handling_limit=8, urgent=True))
    assert response.status_code == 302, response.content.decode()[:3000]
    record = last(A.DATA_UPDATE)
    assert record.actor == admin_user
    assert (record.target_type, record.target_id) == ("cases.category", str(glass.pk))
    assert record.detail["changes"] == {"handling_limit": [5.0, 8.0], "urgent": [False, True]}


def test_saving_without_a_change_records_nothing(client, admin_user):
    category_seed()
    glass = Category.objects.get(code="E0104")
    client.force_login(admin_user)
    before = AuditLog.objects.count()
    response = client.post(f"/admin/cases/category/{glass.pk}/change/", form_data(glass))
    assert response.status_code == 302
    assert AuditLog.objects.count() == before


def test_routing_rule_records_its_co_departments(client, admin_user, departments):
    category_seed()
    rule = RoutingRule.objects.create(
        name="井盖归市政", category=Category.objects.get(code="A0101"),
        target_department=departments["water"],
    )  # fmt: skip
    client.force_login(admin_user)
    data = form_data(rule, co_departments=[departments["chengguan"]], priority=10)
    response = client.post(f"/admin/cases/routingrule/{rule.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    changes = last(A.DATA_UPDATE).detail["changes"]
    assert changes["priority"] == [100, 10]
    assert changes["co_departments"] == [[], [departments["chengguan"].pk]]


def test_department_created_and_deleted_in_admin(client, admin_user, county):
    client.force_login(admin_user)
    response = client.post(
        "/admin/grids/department/add/",
        {"code": "shizheng", "name": "市政公司", "kind": DepartmentKind.SHIZHENG,
         "service_area": county[DISTRICT].pk, "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    created = last(A.DATA_CREATE)
    assert created.detail["changes"]["name"] == [None, "市政公司"]
    dep = Department.objects.get(code="shizheng")
    response = client.post(f"/admin/grids/department/{dep.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    deleted = last(A.DATA_DELETE)
    assert deleted.target_id == str(dep.pk)
    assert deleted.detail["changes"]["code"] == ["shizheng", None]


def test_calendar_entry_in_admin_is_audited(client, admin_user, county):
    client.force_login(admin_user)
    response = client.post(
        "/admin/workcal/calendarentry/add/",
        {"date": "2026-03-10", "kind": DayKind.LOCAL_CLOSURE, "source": EntrySource.LOCAL,
         "name": "社区活动日", "grid": county[GRID_A].pk, "note": ""},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = CalendarEntry.objects.get(date=date(2026, 3, 10))
    changes = last(A.DATA_CREATE).detail["changes"]
    assert changes["date"] == [None, "2026-03-10"]
    assert changes["grid"] == [None, county[GRID_A].pk]
    assert last(A.DATA_CREATE).target_id == str(entry.pk)


def test_resident_changes_are_audited_without_personal_numbers(county, community_staff):
    lat, lng = grid_centre(county[GRID_A])
    building = building_create(
        actor=None, community=county["350427001001"], number="16号楼", lat=lat, lng=lng
    )
    person = resident_create(
        actor=community_staff, name="张桂英", id_number=make_id_number("350427", BORN, 7),
        building=building, room="301", phone="13805981234", tags=["独居老人"],
    )  # fmt: skip
    created = last(A.DATA_CREATE)
    assert created.actor == community_staff
    assert created.detail["changes"]["name"] == [None, "张桂英"]
    assert created.detail["changes"]["id"] == [None, HIDDEN]
    resident_update(
        actor=community_staff, resident=person, name="张桂英（已改）", phone="13900000000"
    )
    changes = last(A.DATA_UPDATE).detail["changes"]
    assert changes["name"] == ["张桂英", "张桂英（已改）"]
    assert changes["phone"] == [HIDDEN, HIDDEN]
    text = str([r.detail for r in AuditLog.objects.all()])
    assert "13805981234" not in text and "13900000000" not in text
    assert "g1." not in text  # no ciphertext either


def test_auditor_reads_the_records_and_the_administrator_cannot(client, admin_user, auditor):
    category_seed()
    glass = Category.objects.get(code="E0104")
    client.force_login(admin_user)
    client.post(f"/admin/cases/category/{glass.pk}/change/", form_data(glass, handling_limit=9))
    assert client.get("/admin/core/auditlog/").status_code == 403
    record = last(A.DATA_UPDATE)
    assert client.get(f"/admin/core/auditlog/{record.pk}/change/").status_code == 403

    client.force_login(auditor)
    listing = client.get("/admin/core/auditlog/?action=data_update")
    assert listing.status_code == 200
    assert "handling_limit" in listing.content.decode()
    detail = client.get(f"/admin/core/auditlog/{record.pk}/change/")
    assert detail.status_code == 200
    assert "handling_limit" in detail.content.decode()
    # Read only, even for the auditor.
    assert (
        client.post(f"/admin/core/auditlog/{record.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert AuditLog.objects.filter(pk=record.pk).exists()
