"""Background tasks of the hotline app (run by `manage.py wangge_worker`)."""

from __future__ import annotations

from django_tasks import task

from wangge.hotline.services import import_run, results_send


@task()
def run_import(import_id: int) -> dict:
    run = import_run(import_id=import_id)
    return {"status": run.status, "created": run.created, "rejected": run.rejected}


@task()
def send_results() -> int:
    """Periodic: queue the 回单 webhook of every order whose case was closed since."""
    return results_send()
