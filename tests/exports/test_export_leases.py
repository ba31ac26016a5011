"""Export jobs whose worker died: queued again (an export can start over), then failed."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from wangge.core.leases import reap_expired
from wangge.exports.models import ExportJob
from wangge.exports.services import export_job_create, export_job_run

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


def test_a_dead_export_is_retried_once_then_failed(community_staff, resident_a, settings):
    settings.EXPORT_INLINE_ROWS = 0
    settings.JOB_LEASE_SECONDS = 60
    with time_machine.travel(NOW, tick=False):
        job = export_job_create(actor=community_staff, kind="people.residents")
        # A worker takes it and dies: the row says running, with a lease nobody renews.
        ExportJob.objects.filter(pk=job.pk).update(
            status="running",
            attempts=1,
            worker="host:1",
            lease_expires_at=NOW + dt.timedelta(seconds=60),
        )
        assert (
            reap_expired(now=NOW + dt.timedelta(seconds=30))[
                "wangge.exports.services.export_jobs_reap"
            ]
            == 0
        )
    with time_machine.travel(NOW + dt.timedelta(seconds=61), tick=False):
        assert reap_expired()["wangge.exports.services.export_jobs_reap"] == 1
        job.refresh_from_db()
        assert job.status == ExportJob.Status.QUEUED and job.worker == ""
        # Second run dies too.
        ExportJob.objects.filter(pk=job.pk).update(
            status="running", attempts=2, worker="host:2", lease_expires_at=NOW
        )
        partial = default_storage.save("exports/partial.xlsx", ContentFile(b"x"))
        ExportJob.objects.filter(pk=job.pk).update(stored_file=partial)
        assert reap_expired()["wangge.exports.services.export_jobs_reap"] == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and "中断" in job.error
    assert not default_storage.exists(partial)


def test_a_late_worker_does_not_overwrite_the_reaped_job(community_staff, resident_a, settings):
    settings.EXPORT_INLINE_ROWS = 0
    job = export_job_create(actor=community_staff, kind="people.residents")
    export_job_run(job_id=job.pk)
    export_job_run(job_id=job.pk)  # a second delivery of the same task: nothing to take
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.attempts == 1
