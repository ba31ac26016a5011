"""Re-encrypt personal data under the first key of WANGGE_FIELD_KEYS (key rotation)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from wangge.people.crypto import cipher
from wangge.people.services import field_keys_rotate


class Command(BaseCommand):
    help = "把居民身份证号、电话的密文改用 WANGGE_FIELD_KEYS 的第一个密钥重新加密（可重复执行）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, batch_size: int, **options) -> None:
        changed = field_keys_rotate(batch_size=batch_size)
        self.stdout.write(f"已用密钥 {cipher().primary_key_id} 重新加密 {changed} 人的信息")
