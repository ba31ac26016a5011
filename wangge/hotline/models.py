"""12345 hotline sources, their work orders (工单) and import runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core.config import ConfigQuerySet
from wangge.core.leases import LeasedJob
from wangge.hotline.parsing import DEFAULT_MAPPING


def default_mapping() -> dict[str, str]:
    return dict(DEFAULT_MAPPING)


class HotlineSource(models.Model):
    """A platform that hands over work orders (the city's 12345, a district line, 城管热线).

    Its column mapping says which header of its exports holds which field; its push key
    authenticates its API calls; its webhook endpoint receives the results (回单) on close.
    """

    code = models.SlugField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    mapping = models.JSONField(_("列映射"), default=default_mapping, blank=True)
    key_prefix = models.CharField(_("推送密钥前缀"), max_length=8, blank=True, editable=False)
    key_hash = models.CharField(max_length=64, blank=True, editable=False)
    webhook = models.ForeignKey(
        "notify.WebhookEndpoint",
        verbose_name=_("回单推送接口"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        verbose_name = _("热线来源")
        verbose_name_plural = _("热线来源")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class HotlineOrder(models.Model):
    """One work order as the hotline sent it (latest version), and the case it became."""

    source = models.ForeignKey(
        HotlineSource, verbose_name=_("来源"), on_delete=models.PROTECT, related_name="orders"
    )
    order_no = models.CharField(_("工单编号"), max_length=64)
    case = models.OneToOneField(
        "cases.Case", verbose_name=_("事件"), on_delete=models.PROTECT, related_name="hotline_order"
    )
    received_at = models.DateTimeField(_("受理时间"))
    caller_name = models.CharField(_("来电人"), max_length=50, blank=True)
    # The caller's number, encrypted and hashed like reporters' (hotline/services.py).
    caller_phone_cipher = models.TextField(blank=True, default="", editable=False)
    caller_phone_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    content = models.TextField(_("诉求内容"))
    address = models.CharField(_("事发地址"), max_length=200, blank=True)
    category_code = models.CharField(_("诉求分类"), max_length=5, blank=True)
    deadline = models.DateTimeField(_("办理时限"), null=True, blank=True)
    revision = models.PositiveIntegerField(_("更新次数"), default=0)
    created_at = models.DateTimeField(_("接收时间"))
    updated_at = models.DateTimeField(_("更新时间"))
    # The case event whose result was last sent back (回单); compared with the case's events.
    result_sent_seq = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("热线工单")
        verbose_name_plural = _("热线工单")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "order_no"], name="hotline_order_unique"),
        ]

    def __str__(self) -> str:
        return self.order_no


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class HotlineImport(LeasedJob):
    """One uploaded file and what became of it; its reject report lists (row, column, reason)."""

    source = models.ForeignKey(
        HotlineSource, verbose_name=_("来源"), on_delete=models.PROTECT, related_name="imports"
    )
    filename = models.CharField(_("文件名"), max_length=200)
    storage_name = models.CharField(max_length=300, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total = models.PositiveIntegerField(_("数据行"), default=0)
    # Rows gone through so far (the page's progress bar), written every few hundred rows.
    processed = models.PositiveIntegerField(_("已处理"), default=0)
    created = models.PositiveIntegerField(_("新建"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变"), default=0)
    rejected = models.PositiveIntegerField(_("拒收"), default=0)
    rejects = models.JSONField(_("拒收明细"), default=list, blank=True)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("工单导入")
        verbose_name_plural = _("工单导入")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="hotline_import_status_valid",
                condition=Q(status__in=[s.value for s in ImportStatus]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"
