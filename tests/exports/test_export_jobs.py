"""Issue 15 item 6, issue 13 item 4: exports of filtered lists are background jobs.

Small lists are written in the request; larger ones are queued, show their progress, and are
downloaded through a signed link that only the requester can use, until it expires. The job
runs the list's scoped selector again, as the requesting user, with the list's filters.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.test import Client
from django_tasks_db.models import DBTaskResult

from tests.exports.util import export_rows, sheet_rows
from tests.people.conftest import id_number
from wangge.core.models import AuditLog
from wangge.exports.models import ExportJob
from wangge.exports.registry import get_spec
from wangge.exports.services import export_job_create, export_job_run, exports_prune
from wangge.people.services import resident_create

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
FORMULA = '=HYPERLINK("http://evil.example","点我")'


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def many_in_a(building_a):
    """Five residents in grid A, one of them named like a formula."""
    out = []
    for i in range(5):
        out.append(
            resident_create(
                actor=None,
                name=FORMULA if i == 0 else f"居民{i}",
                id_number=id_number(300 + i),
                building=building_a,
                room=f"{i + 1}01",
                phone=f"1380598{i:04d}",
                residence_type="户籍",
                tags=["独居老人"] if i % 2 else [],
            )
        )
    return out


def test_small_list_downloads_at_once_masked_filtered_and_formula_safe(
    community_staff, many_in_a, resident_b
):
    rows = export_rows(login(community_staff), "people.residents", "tag=独居老人")
    names = [r[0] for r in rows[1:]]
    assert sorted(names) == ["居民1", "居民3"]  # the filter, as on the page
    assert id_number(301) not in str(rows)  # masked
    rows = export_rows(login(community_staff), "people.residents")
    assert "'" + FORMULA in [r[0] for r in rows]  # stays text
    assert "李建国" not in str(rows)  # grid B is not community A's
    job = ExportJob.objects.filter(kind="people.residents").first()
    assert job.status == ExportJob.Status.DONE and job.total_rows == 5
    audit = AuditLog.objects.filter(action=AuditLog.Action.EXPORT, target_id=f"export:{job.pk}")
    assert audit.get().detail["rows"] == 5 and audit.get().detail["masked"] is True


def test_large_list_is_a_background_job_with_progress_and_expiring_link(
    community_staff, worker_a, many_in_a, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_ROWS = 2  # five rows: over the inline limit
    c = login(community_staff)
    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            resp = c.post("/exports/new/", {"kind": "people.residents", "query": "q=居民"})
        job = ExportJob.objects.get()
        assert resp.status_code == 302 and resp["Location"] == f"/exports/{job.pk}/"
        assert job.status == ExportJob.Status.QUEUED and job.total_rows == 4
        assert DBTaskResult.objects.filter(
            task_path="wangge.exports.tasks.export_job_task", status="READY"
        ).exists()
        page = c.get(f"/exports/{job.pk}/").content.decode()
        # The progress polls by itself through htmx (no inline script), and says where it is.
        assert f'hx-get="/exports/{job.pk}/progress/"' in page and "<script>" not in page
        api = c.get(f"/api/v1/exports/{job.pk}/").json()
        assert api["status"] == "queued" and api["download_url"] is None

        export_job_run(job_id=job.pk)  # what the worker's task does

        job.refresh_from_db()
        assert job.status == ExportJob.Status.DONE and job.processed_rows == 4
        assert job.expires_at == NOW + dt.timedelta(hours=24)
        fragment = c.get(f"/exports/{job.pk}/progress/").content.decode()
        assert "hx-get" not in fragment  # finished: polling stops
        mine = c.get("/exports/").content.decode()  # 我的导出: the list by its name, not its key
        assert str(get_spec("people.residents").label) in mine and "people.residents" not in mine
        url = c.get(f"/api/v1/exports/{job.pk}/").json()["download_url"]
        assert url and re.search(r"\?t=.+", url)
        rows = sheet_rows(c.get(url).content)
        assert sorted(r[0] for r in rows[1:]) == ["居民1", "居民2", "居民3", "居民4"]
        # Only the requester: another user gets nothing, with or without the link.
        assert login(worker_a).get(url).status_code == 404
        assert login(worker_a).get(f"/exports/{job.pk}/").status_code == 404
        assert c.get(url.split("?t=")[0] + "?t=forged").status_code == 403
    stored = job.stored_file
    assert default_storage.exists(stored)
    with time_machine.travel(NOW + dt.timedelta(hours=24, minutes=1), tick=False):
        resp = login(community_staff).get(url)  # a new session: the old one timed out
        assert resp.status_code == 400 and "过期" in resp.json()["detail"]
        assert exports_prune() == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.EXPIRED and not default_storage.exists(stored)
    downloads = AuditLog.objects.filter(target_id=f"download:{job.pk}")
    assert downloads.count() == 1  # the one successful download


def test_the_job_runs_with_the_requesters_scope_and_filters(worker_b, many_in_a, resident_b):
    """worker_b's export of the whole list holds grid B's residents only, even when a worker
    with a wider scope runs it."""
    job = export_job_create(actor=worker_b, kind="people.residents", query="")
    rows = sheet_rows(default_storage.open(job.stored_file).read())
    assert [r[0] for r in rows[1:]] == ["李建国"]


def test_bad_requests_are_refused_with_a_message(community_staff, resident, many_in_a, settings):
    c = login(community_staff)
    resp = c.post("/exports/new/", {"kind": "people.nothing", "query": ""})
    assert resp.status_code == 404 and "未知的导出内容" in resp.content.decode()
    settings.EXPORT_MAX_ROWS = 3
    resp = c.post("/exports/new/", {"kind": "people.residents", "query": ""})
    assert resp.status_code == 400 and "一次最多导出 3 行" in resp.content.decode()
    # A resident has no base data to export.
    assert login(resident).post("/exports/new/", {"kind": "people.residents"}).status_code == 403
    assert ExportJob.objects.count() == 0
    assert c.get("/exports/new/").status_code == 405


def test_api_starts_and_follows_a_job(api, community_staff, many_in_a, settings):
    settings.EXPORT_INLINE_ROWS = 1
    client = api.as_user(community_staff)
    resp = client.post("/api/v1/exports/", {"kind": "people.buildings", "query": ""}, format="json")
    assert resp.status_code == 201  # one building: written at once
    assert resp.json()["download_url"]
    resp = client.post("/api/v1/exports/", {"kind": "people.residents"}, format="json")
    assert resp.status_code == 202 and resp["Location"] == f"/api/v1/exports/{resp.json()['id']}/"
    resp = client.post("/api/v1/exports/", {"kind": "nope"}, format="json")
    assert resp.status_code == 400
    # The residents API export of a long list answers with the job too.
    resp = client.get("/api/v1/people/export/?filetype=csv")
    assert resp.status_code == 202 and resp.json()["kind"] == "people.residents.sheet"


@pytest.mark.parametrize(
    "kind,user_fixture",
    [
        ("people.buildings", "community_staff"),
        ("people.organisations", "community_staff"),
        ("people.assets", "community_staff"),
        ("people.places", "community_staff"),
        ("cases.console", "operator"),
        ("cases.mine", "resident"),
        ("cases.history", "worker_a"),
        ("cases.follow_ups", "operator"),
        ("community.desk", "community_staff"),
        ("council.meetings", "community_staff"),
        ("council.decisions", "community_staff"),
        ("notices.list", "community_staff"),
        ("funds.requests", "community_staff"),
    ],
)
def test_every_list_exports(kind, user_fixture, request, building_a):
    user = request.getfixturevalue(user_fixture)
    rows = export_rows(login(user), kind)
    assert rows and all(isinstance(h, str) and h for h in rows[0])


@pytest.mark.parametrize(
    "kind", ["cases.console", "cases.follow_ups", "community.desk", "people.buildings"]
)
def test_staff_lists_refuse_a_resident(kind, resident):
    assert login(resident).post("/exports/new/", {"kind": kind}).status_code == 403
