"""Anchor the chain heads now (the worker does it every WANGGE_CHAIN_ANCHOR_SECONDS)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from wangge.cases.chain import anchor_cases
from wangge.core.auditchain import anchor_audit


class Command(BaseCommand):
    help = "立即为事件哈希链和审计日志哈希链写一次签名锚点"

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="为每件事件写检查点，不只是变动的")

    def handle(self, *args, full: bool, **options):
        now = timezone.now()
        cases = anchor_cases(now=now, full=full)
        audit = anchor_audit(now=now)
        self.stdout.write(
            f"事件检查点 {cases.entries if cases else 0} 件；"
            f"审计日志锚点 {'第 ' + str(audit.entries) + ' 条' if audit else '无变动'}"
        )
