"""Background tasks of the chat bridge (run by `manage.py wangge_worker`)."""

from __future__ import annotations

from django_tasks import task

from wangge.chat.services import results_send


@task()
def send_results() -> int:
    """Periodic: tell each group the results of the cases its messages raised."""
    return results_send()
