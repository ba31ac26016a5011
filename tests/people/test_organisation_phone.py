"""Organisations' contact phones (often the contact person's own mobile) are stored encrypted
and hashed, masked in the list, the API, the export and the edit form, and revealed to staff
who may edit the organisation only with a reason (audited)."""

from __future__ import annotations

from django.db import connection

from tests.conftest import GRID_A
from wangge.core.models import AuditLog
from wangge.people.models import Organisation, OrganisationKind
from wangge.people.services import (
    organisation_contact_phone,
    organisation_create,
    organisation_update,
)

PHONE = "13905981122"


def make_org(actor, county) -> Organisation:
    return organisation_create(
        actor=actor,
        kind=OrganisationKind.PROPERTY_COMPANY,
        name="怡园物业",
        grid=county[GRID_A],
        contact_name="林经理",
        contact_phone=PHONE,
    )


def test_no_plaintext_and_the_mask_round_trips(worker_a, county):
    org = make_org(worker_a, county)
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM people_organisation WHERE id = %s", [org.pk])
        assert not any(PHONE in str(v) for v in cur.fetchone())
    # The edit form shows the mask; saved back unchanged it keeps the number …
    organisation_update(
        actor=worker_a,
        organisation=org,
        kind=org.kind,
        name=org.name,
        grid=county[GRID_A],
        contact_phone="139****1122",
    )
    assert organisation_contact_phone(Organisation.objects.get(pk=org.pk)) == PHONE
    # … and a new number replaces it.
    organisation_update(
        actor=worker_a,
        organisation=org,
        kind=org.kind,
        name=org.name,
        grid=county[GRID_A],
        contact_phone="0598-5550001",
    )
    assert organisation_contact_phone(Organisation.objects.get(pk=org.pk)) == "0598-5550001"


def test_api_masks_and_reveal_is_audited(api, worker_a, worker_b, county):
    org = make_org(worker_a, county)
    a = api.as_user(worker_a)
    r = a.get(f"/api/v1/people/organisations/{org.pk}/")
    assert r.status_code == 200 and r.data["contact_phone"] == "139****1122"
    url = f"/api/v1/people/organisations/{org.pk}/contact/"
    assert a.post(url, {"reason": ""}, format="json").status_code == 400
    r = a.post(url, {"reason": "联系物业处理漏水"}, format="json")
    assert r.status_code == 200 and r.data["contact_phone"] == PHONE
    assert r["Cache-Control"] == "no-store"
    record = AuditLog.objects.get(action=AuditLog.Action.REVEAL)
    assert (record.actor, record.target_id) == (worker_a, str(org.pk))
    # Grid B's worker: not theirs.
    assert api.as_user(worker_b).post(url, {"reason": "看看"}, format="json").status_code == 404


def test_list_page_shows_the_mask(client, worker_a, county):
    make_org(worker_a, county)
    client.force_login(worker_a)
    page = client.get("/people/organisations/").content.decode()
    assert "139****1122" in page and PHONE not in page
