"""Leases for background jobs (imports, exports): a running job says it is alive, or is reaped.

A job row that is taken (QUEUED → RUNNING, one guarded UPDATE) gets `lease_expires_at` =
now + `JOB_LEASE_SECONDS` and the taker's `worker` id. While the job runs, a `Heartbeat` thread
in the same process moves the lease forward every third of its length, on its own database
connection, so a long SQL statement or a slow file does not look like a dead worker. A worker
killed with SIGKILL, an out-of-memory kill or a lost machine stops the heartbeat; once the lease
has run out, the periodic `reap_jobs` task hands the job to its app's reaper (`REAPERS`), which
fails it (or queues it again, when it can be resumed) and deletes the files it left.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, models
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# Each reaper: `fn(*, now: datetime) -> int` (jobs handled). One per app that has leased jobs.
REAPERS: list[str] = [
    "wangge.people.jobs.import_jobs_reap",
    "wangge.hotline.services.imports_reap",
    "wangge.exports.services.export_jobs_reap",
]


def lease_seconds() -> float:
    return float(getattr(settings, "JOB_LEASE_SECONDS", 60))


def worker_id() -> str:
    """Who holds a lease: host and process id (shown in the admin, logged by the reaper)."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


class LeasedJob(models.Model):
    """The lease columns every background job row carries."""

    worker = models.CharField(_("执行进程"), max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    lease_expires_at = models.DateTimeField(_("租约到期"), null=True, blank=True)

    class Meta:
        abstract = True


def lease_fields(now: datetime) -> dict[str, Any]:
    """The columns a taking UPDATE sets (with the status change, in the same statement)."""
    return {
        "worker": worker_id(),
        "heartbeat_at": now,
        "lease_expires_at": now + timedelta(seconds=lease_seconds()),
    }


def expired(now: datetime) -> models.Q:
    """Running jobs whose worker stopped renewing the lease."""
    return models.Q(lease_expires_at__lt=now)


class Heartbeat:
    """Renews the lease of one running job every `lease/3` seconds until the block ends.

    `with Heartbeat(ImportJob, job.pk, running=ImportJob.Status.RUNNING): ...` The renewal is a
    guarded UPDATE (still running, still ours): once a reaper failed the job, the renewal
    matches nothing and the job stays failed. A failed renewal (database away) is logged and
    retried at the next beat; the lease is long enough to outlast a few.
    """

    def __init__(
        self,
        model: type[LeasedJob],
        pk: Any,
        *,
        running: str,
        on_beat: Callable[[datetime], None] | None = None,
    ) -> None:
        self.model = model
        self.pk = pk
        self.running = running
        self.on_beat = on_beat
        self.owner = worker_id()
        self.stopped = threading.Event()
        self.thread = threading.Thread(
            target=self._run, name=f"lease-{model._meta.label_lower}-{pk}", daemon=True
        )

    def beat(self) -> bool:
        now = timezone.now()
        # Every leased model has a `status`; the abstract base cannot declare its choices.
        still_ours: dict[str, Any] = {"pk": self.pk, "status": self.running, "worker": self.owner}
        lease = now + timedelta(seconds=lease_seconds())
        renewed = self.model._default_manager.filter(**still_ours).update(
            heartbeat_at=now, lease_expires_at=lease
        )
        if renewed:
            logger.debug("lease of %s %s renewed", self.model._meta.label_lower, self.pk)
            if self.on_beat is not None:
                self.on_beat(now)
        return bool(renewed)

    def _run(self) -> None:
        interval = max(lease_seconds() / 3, 0.05)
        try:
            while not self.stopped.wait(interval):
                try:
                    close_old_connections()
                    self.beat()
                except Exception:
                    logger.exception("lease renewal of %s %s failed", self.model.__name__, self.pk)
        finally:
            connection.close()

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stopped.set()
        self.thread.join(timeout=lease_seconds())


def reap_expired(*, now: datetime | None = None) -> dict[str, int]:
    """Run every app's reaper; {reaper path: jobs handled}."""
    now = now or timezone.now()
    out: dict[str, int] = {}
    for path in REAPERS:
        handled = int(import_string(path)(now=now))
        if handled:
            logger.warning("%s: %d job(s) whose worker is gone", path, handled)
        out[path] = handled
    return out
