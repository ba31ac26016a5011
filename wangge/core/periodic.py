"""Periodic background work, run by `manage.py wangge_worker`.

`PERIODIC_TASKS` lists (dotted path of a django-tasks `@task` function taking no arguments,
interval in seconds). Apps append their own entries here. Every worker process runs the
scheduler (`schedule_due`); the rows of `PeriodicTaskState` make sure each run is enqueued by one
worker only, however many run. The enqueued task then runs on whichever worker takes it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task
from django_tasks.base import Task

from wangge.core.models import PeriodicTaskState

logger = logging.getLogger(__name__)

PERIODIC_TASKS: list[tuple[str, int]] = [
    # Webhook delivery; commits that queue webhooks also kick it at once (on_commit).
    ("wangge.notify.tasks.deliver_outbox", 5),
    # Delivered webhook rows past their keeping time.
    ("wangge.notify.tasks.prune_outbox", 6 * 3600),
    # Finished task results would otherwise pile up at one row per run.
    ("wangge.core.periodic.prune_task_results", 3600),
    # SLA sweep: escalate cases unclaimed past their response limit, flag handling-overdue ones.
    ("wangge.cases.tasks.sweep_cases", 60),
    # After resolution: auto-close what the reporter never confirmed, queue 回访 calls.
    ("wangge.cases.tasks.sweep_follow_ups", 300),
    # Council decisions past their due date: flagged on the owner's list, the owner told once.
    ("wangge.council.tasks.sweep_decisions", 600),
    # Results back to the channels: 12345 回单 webhooks and replies into grid chat groups.
    ("wangge.hotline.tasks.send_results", 30),
    ("wangge.chat.tasks.send_results", 30),
    # Case summary tables for the statistics API and the cockpit (days touched since last run).
    ("wangge.stats.tasks.rollup_cases", 60),
    # Learned category suggestions and chat request detection, from the history (when changed).
    ("wangge.suggest.tasks.train_models", 6 * 3600),
    # Service orders past their due time: one overdue reminder each.
    ("wangge.community.tasks.remind_overdue_orders", 300),
    # Signed checkpoints of every moved case-event chain head and of the audit log's head.
    ("wangge.cases.tasks.anchor_chains", settings.WANGGE_CHAIN_ANCHOR_SECONDS),
    # Imports and exports whose worker died (lease run out): failed or queued again.
    ("wangge.core.periodic.reap_jobs", 60),
    # Export files past their download time; import uploads abandoned before the mapping step.
    ("wangge.exports.tasks.prune_exports", 600),
    ("wangge.people.tasks.prune_pending_uploads", 600),
]


def _load(path: str) -> Task:
    obj = import_string(path)
    if not isinstance(obj, Task):
        raise TypeError(f"{path} is not a django-tasks @task")
    return obj


def _already_waiting(path: str, t: Task) -> bool:
    """True when an earlier run of the task is still queued, not started: enqueuing another
    would only pile runs up behind a busy or stopped worker."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(t.get_backend(), DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(task_path=path, status="READY").exists()


def enqueue_unless_waiting(path: str) -> bool:
    """Enqueue the argument-less task `path` now, unless a run of it is already queued and not
    started; True when this call enqueued one.

    The task's `PeriodicTaskState` row is the pending marker: it is locked while the queue is
    looked at, so of several processes kicking at once one enqueues and the others see its
    run (on SQLite the immediate transaction serialises them the same way). A run that has
    started does not count as pending: it may already have passed the work just committed.
    """
    t = _load(path)
    state = _state(path, timezone.now())
    with transaction.atomic():
        PeriodicTaskState.objects.select_for_update().filter(pk=state.pk).first()
        if _already_waiting(path, t):
            return False
        t.enqueue()
    return True


def _state(path: str, now: datetime) -> PeriodicTaskState:
    state = PeriodicTaskState.objects.filter(name=path).first()
    if state is not None:
        return state
    try:
        with transaction.atomic():
            return PeriodicTaskState.objects.create(name=path, next_run_at=now)
    except IntegrityError:  # another worker created it first
        return PeriodicTaskState.objects.get(name=path)


def schedule_due(
    *, now: datetime | None = None, tasks: list[tuple[str, int]] | None = None
) -> list[str]:
    """Enqueue every periodic task that is due; return the paths this call enqueued.

    Safe to call from any number of processes at once: a run is claimed by moving
    `next_run_at` from the value read to the next slot in one guarded UPDATE, in the same
    transaction as the enqueue (the database task backend writes to the same database), so a
    crash between the two loses nothing and nobody else claims the same slot.
    """
    now = now or timezone.now()
    enqueued: list[str] = []
    for path, interval in PERIODIC_TASKS if tasks is None else tasks:
        state = _state(path, now)
        # A shortened interval takes effect at once instead of after the old, longer wait.
        if state.next_run_at > now and state.next_run_at - now <= timedelta(seconds=interval):
            continue
        with transaction.atomic():
            won = PeriodicTaskState.objects.filter(
                pk=state.pk, next_run_at=state.next_run_at
            ).update(
                next_run_at=now + timedelta(seconds=interval),
                last_enqueued_at=now,
                runs=F("runs") + 1,
            )
            if not won:
                continue
            t = _load(path)
            if _already_waiting(path, t):
                logger.info("periodic %s: previous run still queued, not adding another", path)
                continue
            t.enqueue()
            enqueued.append(path)
    return enqueued


@task()
def prune_task_results() -> int:
    """Delete finished task results older than WANGGE_TASK_RESULTS_KEEP_HOURS (failed ones are
    kept seven times longer, for diagnosis)."""
    from django_tasks_db.models import DBTaskResult

    keep = timedelta(hours=float(getattr(settings, "TASK_RESULTS_KEEP_HOURS", 24)))
    now = timezone.now()
    ok, _ = DBTaskResult.objects.filter(status="SUCCESSFUL", finished_at__lt=now - keep).delete()
    failed, _ = DBTaskResult.objects.filter(
        status="FAILED", finished_at__lt=now - 7 * keep
    ).delete()
    return ok + failed


@task()
def reap_jobs() -> dict[str, int]:
    """Fail (or queue again) the background jobs whose lease ran out (wangge.core.leases)."""
    from wangge.core.leases import reap_expired

    return reap_expired()
