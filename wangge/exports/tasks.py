"""Background tasks of export jobs (run by `manage.py wangge_worker`)."""

from __future__ import annotations

from django_tasks import task

from wangge.exports.services import export_job_run, exports_prune


@task()
def export_job_task(job_id: int) -> None:
    """A large export, queued by `services.export_job_create`; progress is on its row."""
    export_job_run(job_id=job_id)


@task()
def prune_exports() -> int:
    """Periodic: delete the files of exports past their download time."""
    return exports_prune()
