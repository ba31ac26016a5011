"""Run the SLA sweep once (the worker runs it every minute; this is for cron and operators)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from wangge.cases.sweep import cases_sweep


class Command(BaseCommand):
    help = "超时未认领的事件自动上报上级，超过处置时限的事件标记督办"

    def handle(self, *args, **options):
        r = cases_sweep()
        self.stdout.write(f"上报 {r.escalated}，标记超期 {r.flagged}，跳过 {r.skipped}")
