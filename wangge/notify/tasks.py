"""Background tasks of the notify app (run by `manage.py wangge_worker`)."""

from __future__ import annotations

import time
from dataclasses import asdict

from django.conf import settings
from django_tasks import task

from wangge.notify.services import DeliveryReport, outbox_deliver_due, outbox_prune


@task()
def deliver_outbox() -> dict:
    """Deliver due outbox rows, batch after batch, for at most NOTIFY_RUN_SECONDS."""
    budget = float(getattr(settings, "NOTIFY_RUN_SECONDS", 20))
    started = time.monotonic()
    total = DeliveryReport()
    while True:
        report = outbox_deliver_due()
        for field in ("claimed", "delivered", "retried", "dead", "deferred"):
            setattr(total, field, getattr(total, field) + getattr(report, field))
        if report.claimed == 0 or time.monotonic() - started > budget:
            return asdict(total)


@task()
def prune_outbox() -> int:
    """Delete delivered webhook rows past NOTIFY_KEEP_DELIVERED_DAYS."""
    return outbox_prune()
