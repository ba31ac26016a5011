"""Item 5: reporters' phones are personal data. Stored encrypted and hashed (no plaintext in
the cases table), masked on every page and API answer, revealed only with a reason (audited),
and staff pages are not kept by the browser (Cache-Control: no-store)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from tests.conftest import GRID_A, grid_centre
from wangge.cases.contact import case_contact_phone, contact_phone_hash
from wangge.cases.models import Case
from wangge.cases.services import case_submit
from wangge.core.models import AuditLog

PHONE = "13912345678"


@pytest.fixture
def case(county, categories):
    lat, lng = grid_centre(county[GRID_A])
    return case_submit(
        actor=None,
        channel="h5",
        lat=lat,
        lng=lng,
        description="楼道里的灯坏了一个星期",
        category_code="E0104",
        contact_name="赵先生",
        contact_phone=PHONE,
    ).case


def test_no_plaintext_phone_in_the_database(case):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_case WHERE id = %s", [case.pk])
        row = cursor.fetchone()
    assert not any(PHONE in str(value) for value in row)
    assert case_contact_phone(Case.objects.get(pk=case.pk)) == PHONE
    # The keyed hash finds every report from the same caller.
    assert list(Case.objects.filter(contact_phone_hash=contact_phone_hash(PHONE))) == [case]


def test_api_and_page_show_the_mask_only(case, api, worker_a, worker_b):
    detail = api.as_user(worker_a).get(f"/api/v1/cases/{case.tracking_code}/")
    assert detail.json()["contact_phone"] == "139****5678"
    assert PHONE not in detail.content.decode()
    web = Client()
    web.force_login(worker_a)
    page = web.get(f"/cases/{case.tracking_code}/")
    assert page.status_code == 200
    assert PHONE not in page.content.decode() and "139****5678" in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert "no-store" in detail["Cache-Control"]
    # Another grid's worker reaches neither the case nor its number.
    other = api.as_user(worker_b)
    reveal = other.post(
        f"/api/v1/cases/{case.tracking_code}/contact/reveal/", {"reason": "回访"}, format="json"
    )
    assert reveal.status_code == 404


def test_reveal_needs_a_reason_and_is_audited(case, api, worker_a, leader):
    url = f"/api/v1/cases/{case.tracking_code}/contact/reveal/"
    c = api.as_user(worker_a)
    resp = c.post(url, {"reason": ""}, format="json")
    assert resp.status_code == 400 and "事由" in resp.json()["detail"]
    assert not AuditLog.objects.filter(action=AuditLog.Action.REVEAL).exists()
    resp = c.post(url, {"reason": "电话回访核实"}, format="json")
    assert resp.status_code == 200 and resp.json() == {"contact_phone": PHONE}
    assert resp["Cache-Control"] == "no-store"
    log = AuditLog.objects.get(action=AuditLog.Action.REVEAL)
    assert log.actor == worker_a and log.reason == "电话回访核实"
    assert log.target_id == str(case.pk) and PHONE not in str(log.detail)
    # A leader watches; no reveal.
    assert api.as_user(leader).post(url, {"reason": "看看"}, format="json").status_code == 403


def test_reveal_on_the_case_page(case, worker_a):
    web = Client()
    web.force_login(worker_a)
    url = f"/cases/{case.tracking_code}/contact/"
    assert web.post(url, {"reason": ""}).status_code == 400
    page = web.post(url, {"reason": "上门前电话联系"})
    assert page.status_code == 200 and PHONE in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert AuditLog.objects.filter(action=AuditLog.Action.REVEAL, actor=worker_a).count() == 1
