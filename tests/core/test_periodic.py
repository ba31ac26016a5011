"""The periodic scheduler enqueues each run once, however many workers call it."""

from __future__ import annotations

import signal
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.notify.conftest import SECRET, Receiver
from wangge.core.models import PeriodicTaskState
from wangge.core.periodic import PERIODIC_TASKS, schedule_due
from wangge.notify.models import OutboxMessage, OutboxStatus, WebhookEndpoint
from wangge.notify.services import outbox_enqueue

DELIVER = "wangge.notify.tasks.deliver_outbox"
PRUNE = "wangge.core.periodic.prune_task_results"


def queued(path: str) -> int:
    return DBTaskResult.objects.filter(task_path=path).count()


def test_registry_lists_real_tasks():
    from django.utils.module_loading import import_string
    from django_tasks.base import Task

    assert (DELIVER, 5) in PERIODIC_TASKS
    assert any(path == "wangge.notify.tasks.prune_outbox" for path, _ in PERIODIC_TASKS)
    for path, interval in PERIODIC_TASKS:
        assert isinstance(import_string(path), Task), path
        assert interval > 0


@pytest.mark.django_db
def test_due_once_per_interval():
    t0 = timezone.now()
    tasks = [(DELIVER, 5), (PRUNE, 3600)]
    assert schedule_due(now=t0, tasks=tasks) == [DELIVER, PRUNE]
    # Same moment, another worker: nothing more.
    assert schedule_due(now=t0, tasks=tasks) == []
    assert schedule_due(now=t0 + timedelta(seconds=4), tasks=tasks) == []
    DBTaskResult.objects.filter(task_path=DELIVER).update(status="SUCCESSFUL")
    assert schedule_due(now=t0 + timedelta(seconds=5), tasks=tasks) == [DELIVER]
    assert queued(DELIVER) == 2 and queued(PRUNE) == 1
    state = PeriodicTaskState.objects.get(name=DELIVER)
    assert state.runs == 2 and state.next_run_at == t0 + timedelta(seconds=10)


@pytest.mark.django_db
def test_no_pile_up_behind_a_stopped_worker():
    t0 = timezone.now()
    tasks = [(DELIVER, 5)]
    schedule_due(now=t0, tasks=tasks)
    # Nobody ran the first one yet: later slots pass without adding more copies.
    for i in range(1, 6):
        schedule_due(now=t0 + timedelta(seconds=5 * i), tasks=tasks)
    assert DBTaskResult.objects.filter(task_path=DELIVER, status="READY").count() == 1


@pytest.mark.django_db
def test_shortened_interval_applies_at_once():
    t0 = timezone.now()
    schedule_due(now=t0, tasks=[(PRUNE, 3600)])
    DBTaskResult.objects.update(status="SUCCESSFUL")
    assert schedule_due(now=t0 + timedelta(seconds=2), tasks=[(PRUNE, 60)]) == [PRUNE]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_workers_enqueue_each_slot_once():
    t0 = timezone.now()
    tasks = [(DELIVER, 5), (PRUNE, 3600)]
    barrier = threading.Barrier(8)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def worker():
        try:
            barrier.wait()
            results.append(schedule_due(now=t0, tasks=tasks))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert not errors
    flat = [p for r in results for p in r]
    assert sorted(flat) == sorted([DELIVER, PRUNE])
    assert queued(DELIVER) == 1 and queued(PRUNE) == 1
    assert PeriodicTaskState.objects.count() == 2


@pytest.mark.django_db
def test_prune_keeps_recent_and_failed_results():
    from wangge.core.periodic import prune_task_results

    old = timezone.now() - timedelta(days=2)
    for status, finished in (("SUCCESSFUL", old), ("FAILED", old), ("SUCCESSFUL", timezone.now())):
        prune_task_results.enqueue()
        DBTaskResult.objects.filter(status="READY").update(status=status, finished_at=finished)
    assert prune_task_results.call() == 1
    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == [
        "FAILED",
        "SUCCESSFUL",
    ]


# The worker commits and recycles connections as in production: no wrapping test transaction.
@pytest.mark.django_db(transaction=True)
def test_worker_command_batch_delivers_due_webhooks():
    receiver = Receiver()
    receiver.start()
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        WebhookEndpoint.objects.create(
            name="企业微信机器人", url=receiver.url, secret=SECRET, topics=["case.*"]
        )
        outbox_enqueue(
            topic="case.escalated",
            title="案件升级到社区",
            body="",
            payload={"case_id": 7},
            dedupe_key="case:7:escalated:1",
        )
        call_command("wangge_worker", "--batch", "--no-startup-delay", verbosity=0)
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
        receiver.stop()
    assert [r.json["event"] for r in receiver.received] == ["case.escalated"]
    assert receiver.received[0].signature_ok
    assert OutboxMessage.objects.get().status == OutboxStatus.DELIVERED
    assert DBTaskResult.objects.filter(task_path=DELIVER, status="SUCCESSFUL").exists()


@pytest.mark.django_db(transaction=True)
def test_scheduler_thread_enqueues_and_stops():
    from wangge.core.management.commands.wangge_worker import Scheduler

    scheduler = Scheduler(tick=0.05)
    scheduler.start()
    try:
        # Wait for one whole tick (bounded); the database is read only once the thread stopped,
        # so the test never reads while the scheduler writes.
        assert scheduler.ticked.wait(10), "the scheduler did not tick within 10 s"
    finally:
        scheduler.stopped.set()
        scheduler.join(5)
    assert not scheduler.is_alive()
    assert queued(DELIVER) == 1
    assert PeriodicTaskState.objects.filter(name=DELIVER).exists()


@pytest.mark.django_db
def test_scheduler_tick_once_is_synchronous():
    from wangge.core.management.commands.wangge_worker import Scheduler

    scheduler = Scheduler(tick=60)
    assert DELIVER in scheduler.tick_once()
    assert scheduler.tick_once() == []
    assert queued(DELIVER) == 1
