"""Item 1: masked data cannot be recovered through exact look-ups.

The attack: a role that sees the 6+4 ID mask (district staff) tries the birth dates that fit the
hidden digits until the look-up answers with the resident; a 3+4 phone mask falls to 10⁴ tries.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import DISTRICT, make_user
from wangge.accounts.models import Role
from wangge.core.models import AuditLog
from wangge.people.idcard import make_id_number

from ..people.conftest import id_number
from .conftest import set_rate

LOOKUP = "/api/v1/people/residents/lookup/"


@pytest.fixture
def district_staff(county):
    return make_user("district_staff", Role.DISTRICT_STAFF, county[DISTRICT])


def test_mask_only_role_cannot_confirm_guessed_id_numbers(api, district_staff, resident_a):
    c = api.as_user(district_staff)
    row = c.get("/api/v1/people/residents/").json()["results"][0]
    # District staff see the 6+4 mask: region code and tail, the birth date hidden.
    assert row["id_number_masked"] == "350427********" + id_number(101)[-4:]
    guesses = [
        make_id_number("350427", dt.date(1950, 5, 1) + dt.timedelta(days=d), 101) for d in range(31)
    ]
    guesses = [g for g in guesses if g[-4:] == row["id_number_masked"][-4:]]
    assert id_number(101) in guesses  # the attack would have worked
    for guess in guesses:
        resp = c.post(LOOKUP, {"id_number": guess}, format="json")
        assert resp.status_code == 403
        assert "无权" in resp.json()["detail"]
        assert "张桂英" not in resp.content.decode()
    resp = c.post(LOOKUP, {"phone": "13805981234"}, format="json")
    assert resp.status_code == 403


def test_lookup_is_audited_without_the_searched_value(api, worker_a, resident_a):
    resp = api.as_user(worker_a).post(LOOKUP, {"id_number": id_number(101)}, format="json")
    assert resp.status_code == 200 and [r["id"] for r in resp.json()] == [resident_a.pk]
    log = AuditLog.objects.get(action=AuditLog.Action.LOOKUP)
    assert log.actor == worker_a
    assert log.detail == {"by": ["id_number"], "found": [resident_a.pk]}
    assert id_number(101) not in str(log.detail) + log.reason


def test_lookups_are_limited_per_user_and_not_per_address(api, settings, worker_a, resident_a):
    set_rate(settings, "people_lookup", "5/hour")
    c = api.as_user(worker_a)
    phones = [f"1380598{n:04d}" for n in range(5)]
    for i, phone in enumerate(phones):
        resp = c.post(LOOKUP, {"phone": phone}, format="json", REMOTE_ADDR=f"10.0.0.{i}")
        assert resp.status_code == 200
    resp = c.post(LOOKUP, {"phone": "13805981234"}, format="json", REMOTE_ADDR="10.9.9.9")
    assert resp.status_code == 429
    assert "Retry-After" in resp
    assert AuditLog.objects.filter(action=AuditLog.Action.LOOKUP).count() == 5


def test_the_residents_page_applies_the_same_rules(client, district_staff, worker_a, resident_a):
    client.force_login(district_staff)
    resp = client.post("/people/residents/", {"id_number": id_number(101), "phone": ""})
    assert resp.status_code == 403 and "张桂英" not in resp.content.decode()
    client.force_login(worker_a)
    resp = client.post("/people/residents/", {"id_number": id_number(101), "phone": ""})
    assert resp.status_code == 200 and "张桂英" in resp.content.decode()
    assert AuditLog.objects.filter(action=AuditLog.Action.LOOKUP, actor=worker_a).count() == 1
