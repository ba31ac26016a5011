"""Recompute the audit log's hash chain and report each break (exit status 1 if any)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from wangge.core.auditchain import audit_chain_verify
from wangge.core.models import AuditLog


class Command(BaseCommand):
    help = "校验审计日志的哈希链与锚点，报告任何被改动、插入、删除或截断的记录"

    def handle(self, *args, **options):
        breaks = audit_chain_verify()
        if not breaks:
            n = AuditLog.objects.count()
            self.stdout.write(self.style.SUCCESS(f"审计日志哈希链完整：已校验 {n} 条记录"))
            return
        for b in breaks:
            where = f"第 {b.seq} 条" if b.seq else "整体"
            self.stdout.write(f"审计日志 {where}：{b.problem}")
        raise CommandError(f"发现 {len(breaks)} 处审计日志哈希链断裂")
