"""Text models learned from the deployment's own history, one row per trained version.

The fitted numbers (vocabulary, idf weights, coefficients) are stored in `weights` as a NumPy
`.npz` archive read with `allow_pickle=False`: loading a model never runs code, whatever the
bytes are. A process keeps the newest version of each kind and reloads when a newer row appears.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ModelKind(models.TextChoices):
    CATEGORY = "category", _("事件类别")
    REQUEST = "request", _("群消息诉求识别")


class TextModel(models.Model):
    kind = models.CharField(_("用途"), max_length=16, choices=ModelKind.choices)
    version = models.PositiveIntegerField(_("版本"))
    trained_at = models.DateTimeField(_("训练时间"))
    # Distinct (text, label) pairs used; the held-out part is `heldout_size` of them.
    samples = models.PositiveIntegerField(_("样本数"))
    heldout_size = models.PositiveIntegerField(_("留出样本数"))
    heldout_accuracy = models.FloatField(_("留出准确率"))
    heldout_top3 = models.FloatField(_("留出前三准确率"), null=True, blank=True)
    labels = models.JSONField(_("标签"), default=list)
    features = models.PositiveIntegerField(_("特征数"))
    weights = models.BinaryField(_("模型参数"))

    class Meta:
        verbose_name = _("文本模型")
        verbose_name_plural = _("文本模型")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="suggest_model_version"),
            models.CheckConstraint(
                condition=Q(heldout_accuracy__gte=0) & Q(heldout_accuracy__lte=1),
                name="suggest_model_accuracy_range",
            ),
            models.CheckConstraint(
                condition=Q(heldout_top3__isnull=True)
                | (Q(heldout_top3__gte=0) & Q(heldout_top3__lte=1)),
                name="suggest_model_top3_range",
            ),
            models.CheckConstraint(
                condition=Q(heldout_size__lte=models.F("samples")),
                name="suggest_model_heldout_le_samples",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"
