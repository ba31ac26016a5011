from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core.leases import LeasedJob


class ExportJob(LeasedJob):
    """One export of a filtered list, run for the user who asked, with that user's scope.

    The job keeps what is needed to run the same scoped selector again (`kind`, the list's
    query string in `query`, `options` such as the format); the file it writes is downloadable
    by that user only, through a signed link, until `expires_at`, when the periodic
    `prune_exports` deletes it.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")
        EXPIRED = "expired", _("已过期")

    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel"
        CSV = "csv", "CSV"

    kind = models.CharField(_("导出内容"), max_length=40)
    query = models.TextField(_("筛选条件"), blank=True)
    options = models.JSONField(_("选项"), default=dict, blank=True)
    fmt = models.CharField(_("格式"), max_length=4, choices=Format.choices, default=Format.XLSX)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已写行数"), default=0)
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)
    # Relative to MEDIA_ROOT; written when the job is done, deleted when it expires.
    stored_file = models.CharField(max_length=300, blank=True)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    size_bytes = models.BigIntegerField(_("文件大小"), default=0)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("下载截止"), null=True, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="exports_job_mine"),
            models.Index(fields=["status", "lease_expires_at"], name="exports_job_lease"),
            models.Index(fields=["status", "expires_at"], name="exports_job_expiry"),
        ]
        constraints = [
            models.CheckConstraint(
                name="exports_job_status_valid",
                condition=Q(status__in=["queued", "running", "done", "failed", "expired"]),
            ),
            # A finished file always has its end of life.
            models.CheckConstraint(
                name="exports_job_done_expires",
                condition=~Q(status="done") | Q(expires_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.EXPIRED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(int(self.processed_rows * 100 / self.total_rows), 99)
