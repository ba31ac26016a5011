"""Base population lists (REST API): buildings, residents, care due, visits, journal, export."""

from __future__ import annotations

import datetime as dt
import io
from itertools import count

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.conftest import COMMUNITY_A, GRID_A, grid_centre
from tests.querycounts.conftest import jpeg
from wangge.attachments.services import attachment_store
from wangge.people.idcard import make_id_number
from wangge.people.models import CareLevel, Resident
from wangge.people.services import (
    building_create,
    care_enrol,
    journal_add,
    resident_create,
    visit_record,
)

pytestmark = pytest.mark.django_db

BORN = dt.date(1950, 5, 17)


def _page(response) -> int:
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    return len(body["results"] if isinstance(body, dict) else body)


@pytest.fixture
def people(county, community_staff):
    """people(n) → n residents, each in a building of their own in grid A, in the care ledger
    (levels in turn) and visited once by the community staff with a photo."""
    serial = count(1)
    levels = list(CareLevel.objects.all())
    lat, lng = grid_centre(county[GRID_A])

    def make(n: int) -> list:
        made = []
        for _ in range(n):
            i = next(serial)
            building = building_create(
                actor=None, community=county[COMMUNITY_A], number=f"{i}号楼",
                lat=lat + i * 1e-5, lng=lng, compound_name="怡园小区",
            )  # fmt: skip
            person = resident_create(
                actor=None, name=f"居民{i}", id_number=make_id_number("350427", BORN, i),
                building=building, unit="1", room=f"{100 + i}", phone=f"138059{i:05d}",
                residence_type="户籍", tags=["独居老人"],
            )  # fmt: skip
            care_enrol(actor=None, resident=person, level=levels[i % len(levels)])
            photo = attachment_store(actor=community_staff, upload=jpeg(), filename="v.jpg")
            visit_record(
                actor=community_staff, resident=person, notes="身体状况良好",
                visited_at=timezone.now() - dt.timedelta(days=60), photo_ids=[str(photo.pk)],
            )  # fmt: skip
            journal_add(
                actor=community_staff, grid=county[GRID_A], content=f"走访第{i}户", day=None
            )
            made.append(person)
        return made

    return make


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/people/buildings/",
        "/api/v1/people/residents/",
        "/api/v1/people/care/due/?within_days=366",
        "/api/v1/people/visits/",
        "/api/v1/people/journal/",
    ],
)
def test_people_lists_are_flat(api, flat, people, community_staff, path):
    api.as_user(community_staff)
    people(2)
    flat(lambda: api.get(path), lambda: people(4), budget=8, rows=_page)


def test_visits_come_newest_first_with_their_photos(api, people, community_staff):
    api.as_user(community_staff)
    people(3)
    visits = api.get("/api/v1/people/visits/").json()["results"]
    assert [v["id"] for v in visits] == sorted((v["id"] for v in visits), reverse=True)
    assert all(len(v["photos"]) == 1 for v in visits)


def test_resident_detail_is_flat(api, flat, people, community_staff):
    api.as_user(community_staff)
    person = people(1)[0]
    flat(
        lambda: api.get(f"/api/v1/people/residents/{person.pk}/"),
        lambda: people(3),
        budget=6,
        # A detail: flat in the size of the table around it.
        rows=lambda r: Resident.objects.count() if r.status_code == 200 else 0,
    )


def test_resident_export_is_flat(api, flat, people, community_staff):
    api.as_user(community_staff)
    people(2)

    def rows(response) -> int:
        assert response.status_code == 200, response.content[:300]
        sheet = load_workbook(io.BytesIO(response.content)).active
        return sum(1 for row in sheet.iter_rows(min_row=2, values_only=True) if any(row))

    # An export job, run in the request for a short list: scope, count, the job row, its
    # audit record (chained: the log's head row moves with it), the lease, the rows (one query
    # whatever their number), the file's handover.
    flat(lambda: api.get("/api/v1/people/export/"), lambda: people(4), budget=19, rows=rows)
