"""Issue 15 item 11: import jobs whose worker dies are noticed, and uploads do not stay.

The upload (plain ID numbers) is deleted as soon as its rows are read and on any failure; a
running job holds a lease that its worker's heartbeat renews; the reaper fails a job whose
lease ran out and deletes what it left. The last test kills a real `wangge_worker` process
with SIGKILL in the middle of an import (PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from wangge.core.leases import Heartbeat, reap_expired
from wangge.people.jobs import PENDING_DIR, import_job_create, import_job_run, pending_uploads_prune
from wangge.people.models import ImportJob, Resident

from .test_import import as_csv, good_rows

NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
REAPER = "wangge.people.jobs.import_jobs_reap"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def queued_job(user, rows: int = 20, settings=None) -> ImportJob:
    data = as_csv(good_rows(rows))
    import io

    return import_job_create(
        actor=user,
        kind="residents",
        data=io.BytesIO(data),
        size=len(data),
        filename="居民.csv",
    )


@pytest.mark.django_db
def test_upload_is_gone_once_the_rows_are_read(community_staff, building_a, settings):
    job = queued_job(community_staff)  # 20 rows: run in the request
    assert job.status == ImportJob.Status.DONE and job.created_count == 20
    assert job.stored_file == "" and files(settings) == []
    assert job.lease_expires_at is None and job.worker


@pytest.mark.django_db
def test_upload_is_gone_when_the_job_fails(community_staff, building_a, settings):
    settings.PEOPLE_IMPORT_INLINE_ROWS = 0
    job = queued_job(community_staff)
    assert job.status == ImportJob.Status.QUEUED and len(files(settings)) == 1
    # The stored file is damaged before the worker reads it.
    with default_storage.open(job.stored_file, "wb") as fh:
        fh.write(b"\x00\x01 not a table")
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.error
    assert job.stored_file == "" and files(settings) == []


@pytest.mark.django_db
def test_heartbeat_renews_only_a_running_job_of_its_own(community_staff, building_a, settings):
    settings.PEOPLE_IMPORT_INLINE_ROWS = 0
    settings.JOB_LEASE_SECONDS = 60
    job = queued_job(community_staff)
    beat = Heartbeat(ImportJob, job.pk, running=ImportJob.Status.RUNNING)
    assert beat.beat() is False  # still queued: nothing to renew
    with time_machine.travel(NOW, tick=False):
        ImportJob.objects.filter(pk=job.pk).update(
            status="running", worker=beat.owner, lease_expires_at=NOW
        )
    with time_machine.travel(NOW + dt.timedelta(seconds=50), tick=False):
        assert beat.beat() is True
    job.refresh_from_db()
    assert job.lease_expires_at == NOW + dt.timedelta(seconds=110)
    ImportJob.objects.filter(pk=job.pk).update(worker="another-host:7")
    assert beat.beat() is False  # someone else's lease is not ours to renew


@pytest.mark.django_db
def test_reaper_fails_a_job_whose_lease_ran_out_and_deletes_its_upload(
    community_staff, building_a, settings
):
    settings.PEOPLE_IMPORT_INLINE_ROWS = 0
    job = queued_job(community_staff)
    stored = job.stored_file
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", worker="gone:1", lease_expires_at=NOW
    )
    # Before the lease runs out nothing happens.
    assert reap_expired(now=NOW - dt.timedelta(seconds=1))[REAPER] == 0
    assert reap_expired(now=NOW + dt.timedelta(seconds=1))[REAPER] == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "中断" in job.error
    assert not default_storage.exists(stored) and job.stored_file == ""
    assert reap_expired(now=NOW + dt.timedelta(hours=1))[REAPER] == 0  # once


@pytest.mark.django_db
def test_abandoned_mapping_step_uploads_are_pruned(settings):
    settings.IMPORT_PENDING_KEEP_MINUTES = 60
    old = default_storage.save(f"{PENDING_DIR}/abandoned", ContentFile(b"id numbers"))
    modified = default_storage.get_modified_time(old)
    assert pending_uploads_prune(now=modified + dt.timedelta(minutes=59)) == 0
    assert pending_uploads_prune(now=modified + dt.timedelta(minutes=61)) == 1
    assert not default_storage.exists(old)
    assert oct(os.stat(settings.MEDIA_ROOT / "imports").st_mode & 0o777) == "0o700"


# --- a real worker, killed ------------------------------------------------------------------


def _db_url() -> str:
    s = connection.settings_dict
    user, host, port = s.get("USER") or "postgres", s.get("HOST") or "127.0.0.1", s.get("PORT")
    return f"postgres://{user}@{host}:{port or 5432}/{s['NAME']}"


class Lines:
    """The worker's log lines, read by a thread; `wait_for` blocks until one matches."""

    def __init__(self, stream) -> None:
        self.q: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in iter(stream.readline, ""):
            self.q.put(line)
        self.q.put("")

    def wait_for(self, pattern: str, timeout: float) -> str:
        deadline = dt.datetime.now() + dt.timedelta(seconds=timeout)
        while (left := (deadline - dt.datetime.now()).total_seconds()) > 0:
            try:
                line = self.q.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(line)
            if line == "":
                break  # the process ended
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no line matching {pattern!r}; saw:\n" + "".join(self.seen[-30:]))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_killed_worker_leaves_a_failed_job_and_no_upload(community_staff, building_a, settings):
    import psycopg

    settings.PEOPLE_IMPORT_INLINE_ROWS = 0
    job = queued_job(community_staff, rows=200)
    stored = Path(settings.MEDIA_ROOT) / job.stored_file
    assert stored.exists()
    # Hold the buildings table, which the import reads right after taking its lease: the
    # worker is then certainly inside the job (lease taken, upload still on disk) when killed.
    lock = psycopg.connect(_db_url().replace("postgres://", "postgresql://"), autocommit=False)
    lock.execute("LOCK TABLE people_building IN ACCESS EXCLUSIVE MODE")
    env = {
        **os.environ,
        "DATABASE_URL": _db_url(),
        "WANGGE_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "WANGGE_JOB_LEASE_SECONDS": "1.5",
        "WANGGE_LOG_LEVEL": "DEBUG",
        "PYTHONUNBUFFERED": "1",
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "wangge_worker", "--no-scheduler", "--no-startup-delay",
         "--interval", "0.2"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        lines = Lines(worker.stdout)
        lines.wait_for(rf"import job {job.pk} started", timeout=180)
        # The heartbeat renews the lease while the job waits on the lock.
        lines.wait_for(rf"lease of people.importjob {job.pk} renewed", timeout=60)
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=30) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
        lock.rollback()
        lock.close()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING and job.lease_expires_at is not None
    assert stored.exists()  # what the killed worker left behind
    # The lease runs out with nobody to renew it; the reaper's periodic run finds it.
    assert reap_expired(now=job.lease_expires_at - dt.timedelta(seconds=1))[REAPER] == 0
    assert reap_expired(now=job.lease_expires_at + dt.timedelta(seconds=1))[REAPER] == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "未写入任何数据" in job.error
    assert not stored.exists() and job.stored_file == ""
    assert Resident.objects.count() == 0
