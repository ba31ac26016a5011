"""Remove uploads never linked to anything, and files left without a row. Dry run by default."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from wangge.attachments.services import attachments_purge_unlinked


class Command(BaseCommand):
    help = "删除超过 N 天仍未关联的上传图片和无记录的存储文件（默认只列出，--commit 才删除）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=7, help="上传超过多少天（默认 7）")
        parser.add_argument("--commit", action="store_true", help="真正删除（默认只列出）")

    def handle(self, *args, days: int, commit: bool, **options) -> None:
        if days < 1:
            raise CommandError("--days 至少为 1：刚上传、表单尚未提交的图片不能删")
        result = attachments_purge_unlinked(older_than=timedelta(days=days), commit=commit)
        verb = "已删除" if commit else "将删除（加 --commit 执行）"
        self.stdout.write(
            f"{verb}: {result.attachments} 张未关联图片（{result.bytes} 字节），"
            f"{len(result.orphan_files)} 个无记录文件"
        )
        if options.get("verbosity", 1) > 1:
            for name in result.orphan_files:
                self.stdout.write(f"  {name}")
