"""Delivery kicks coalesce: while no worker runs, commits that queue webhooks leave one waiting
delivery run in the task queue, not one per commit (247 queued kicks once delayed the first
sweep by minutes)."""

from __future__ import annotations

import signal
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from wangge.core.periodic import schedule_due
from wangge.notify import services as notify_services
from wangge.notify.models import OutboxMessage, OutboxStatus
from wangge.notify.services import DELIVER_TASK, kick_delivery

from .test_delivery import endpoint


def waiting() -> int:
    return DBTaskResult.objects.filter(task_path=DELIVER_TASK, status="READY").count()


@pytest.fixture(autouse=True)
def _no_process_throttle(settings):
    # The per-process throttle would hide the pile-up this file is about.
    settings.NOTIFY_KICK_MIN_SECONDS = 0
    notify_services._last_kick = 0.0


@pytest.mark.django_db
def test_many_commits_without_a_worker_leave_one_waiting_run(
    receiver, django_capture_on_commit_callbacks
):
    endpoint(receiver)
    for i in range(247):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            enqueue_one(i)
        assert len(callbacks) == 1  # every commit did kick
    assert OutboxMessage.objects.count() == 247
    assert waiting() == 1
    # The scheduler does not add its periodic run behind the waiting kick either.
    assert DELIVER_TASK not in schedule_due(tasks=[(DELIVER_TASK, 5)])
    assert waiting() == 1


def enqueue_one(i: int) -> None:
    from django.utils import timezone

    notify_services.outbox_enqueue(
        topic="case.created",
        title=f"新案件 {i}",
        body="16号楼下有碎玻璃",
        link=f"/cases/{i}/",
        payload={"case_id": i, "at": timezone.now()},
        dedupe_key=f"case:{i}:kick",
    )


@pytest.mark.django_db
def test_a_started_run_does_not_count_as_waiting(receiver):
    endpoint(receiver)
    kick_delivery()
    assert waiting() == 1
    # A worker took it: it may already have passed rows committed from now on.
    DBTaskResult.objects.filter(task_path=DELIVER_TASK).update(status="RUNNING")
    kick_delivery()
    assert waiting() == 1
    assert DBTaskResult.objects.filter(task_path=DELIVER_TASK).count() == 2


@pytest.mark.django_db(transaction=True)
def test_worker_drains_the_one_run_and_everything_is_delivered(receiver):
    endpoint(receiver)
    for i in range(30):
        with transaction.atomic():
            enqueue_one(i)
    assert waiting() == 1
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command(
            "wangge_worker", "--batch", "--no-startup-delay", "--no-scheduler", verbosity=0
        )
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
    assert waiting() == 0
    assert OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED).count() == 30
    assert len(receiver.received) == 30
    # The next commit kicks a fresh run.
    with transaction.atomic():
        enqueue_one(99)
    assert waiting() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_kicks_enqueue_one_run():
    kick_delivery()  # creates the marker row
    DBTaskResult.objects.all().delete()
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def kick() -> None:
        try:
            barrier.wait(timeout=10)
            kick_delivery()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=kick) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert waiting() == 1
