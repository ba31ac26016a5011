"""Recompute every case's event hash chain, check it against the signed checkpoints, and report
each break (exit status 1 if any)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from wangge.cases.chain import chain_verify
from wangge.cases.models import Case


class Command(BaseCommand):
    help = "校验事件处理记录的哈希链，报告任何被改动、插入或删除的记录"

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", help="只校验这些查询码的事件")

    def handle(self, *args, codes, **options):
        ids = None
        if codes:
            ids = list(Case.objects.filter(tracking_code__in=codes).values_list("pk", flat=True))
        breaks = chain_verify(case_ids=ids)
        if not breaks:
            n = len(ids) if ids is not None else Case.objects.count()
            self.stdout.write(self.style.SUCCESS(f"哈希链完整：已校验 {n} 件事件"))
            return
        codes_by_id = dict(
            Case.objects.filter(pk__in={b.case_id for b in breaks}).values_list(
                "pk", "tracking_code"
            )
        )
        for b in breaks:
            where = f"第 {b.seq} 条" if b.seq else "整体"
            who = codes_by_id.get(b.case_id, b.case_id) if b.case_id else "锚点"
            self.stdout.write(f"{who} {where}：{b.problem}")
        raise CommandError(f"发现 {len(breaks)} 处哈希链断裂")
