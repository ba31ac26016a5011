"""Train the learned suggestion models now (the worker does it every few hours by itself)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from wangge.suggest.models import ModelKind
from wangge.suggest.services import text_model_train


class Command(BaseCommand):
    help = "训练事件类别建议与群消息诉求识别模型"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=[k.value for k in ModelKind], action="append")
        parser.add_argument("--algorithm", choices=["logreg", "svm"])

    def handle(self, *args: Any, **options: Any) -> None:
        kinds = [ModelKind(k) for k in options["kind"] or [k.value for k in ModelKind]]
        for kind in kinds:
            row = text_model_train(kind=kind, now=timezone.now(), algorithm=options["algorithm"])
            if row is None:
                self.stdout.write(f"{kind.label}：样本不足，未训练（继续使用关键词规则）")
            else:
                top3 = f"，前三 {row.heldout_top3:.1%}" if row.heldout_top3 is not None else ""
                self.stdout.write(
                    f"{kind.label} v{row.version}：{row.samples} 个样本，"
                    f"留出 {row.heldout_size} 个准确率 {row.heldout_accuracy:.1%}{top3}"
                )
