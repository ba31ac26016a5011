"""Key the case-event chains still linked by the unkeyed SHA-256 of before WANGGE_CHAIN_KEY."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from wangge.cases.chain import anchor_cases, chain_rekey


class Command(BaseCommand):
    help = "把仍为未加密钥 SHA-256 的事件哈希链改为用链密钥计算（已断裂的链保持原样），并立即锚定"

    def handle(self, *args, **options):
        result = chain_rekey()
        anchor_cases(now=timezone.now(), full=True)
        self.stdout.write(
            f"已改为密钥哈希 {result.rekeyed} 件，已是密钥哈希 {result.current} 件，"
            f"链已断裂未改动 {len(result.skipped)} 件"
        )
        if result.skipped:
            self.stdout.write("请用 cases_verify_chain 查看断裂之处")
