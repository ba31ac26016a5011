"""The background worker: django-tasks' database worker plus the periodic scheduler.

Run one or several (`manage.py wangge_worker`); see docs/worker.md.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from django.db import close_old_connections, connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from wangge.core.periodic import schedule_due

logger = logging.getLogger("wangge.worker")


class Scheduler(threading.Thread):
    """Enqueues due periodic tasks every `tick` seconds until stopped."""

    def __init__(self, tick: float) -> None:
        super().__init__(name="wangge-scheduler", daemon=True)
        self.tick = tick
        self.stopped = threading.Event()
        # Set after each completed tick, so a caller can wait for one without polling.
        self.ticked = threading.Event()

    def tick_once(self) -> list[str]:
        enqueued = schedule_due()
        for path in enqueued:
            logger.debug("enqueued periodic task %s", path)
        return enqueued

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                close_old_connections()
                self.tick_once()
            except Exception:
                # A database hiccup must not end the scheduler: the next tick tries again.
                logger.exception("periodic scheduler tick failed")
            self.ticked.set()
            self.stopped.wait(self.tick)
        connection.close()


class Command(DbWorkerCommand):
    help = (
        "Run the background worker: executes queued tasks (django-tasks database backend) and "
        "enqueues the periodic tasks of wangge.core.periodic when due. Several may run at once."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(reload=False)
        parser.add_argument(
            "--no-scheduler",
            action="store_false",
            dest="scheduler",
            help="Only run queued tasks; do not enqueue periodic ones.",
        )
        parser.add_argument(
            "--schedule-tick",
            type=float,
            default=1.0,
            help="Seconds between two checks for due periodic tasks (default 1).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scheduler: bool = options.pop("scheduler")
        schedule_tick: float = options.pop("schedule_tick")
        self.configure_logging(options["verbosity"])
        if scheduler:
            if options["batch"]:
                # One pass, so a batch run also performs whatever periodic work is due.
                schedule_due()
            elif not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                # Under --reload only the child process (the one running tasks) schedules.
                Scheduler(schedule_tick).start()
        super().handle(*args, **options)
