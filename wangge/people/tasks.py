"""Background tasks of the people app (run by `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from wangge.people.jobs import import_job_run, pending_uploads_prune


@task()
def import_job_task(job_id: int) -> None:
    """A large import, queued by `jobs.import_job_create`; progress is on the ImportJob row."""
    import_job_run(job_id=job_id)


@task()
def prune_pending_uploads() -> int:
    """Periodic: uploads abandoned at the mapping step hold personal data in clear."""
    return pending_uploads_prune()
