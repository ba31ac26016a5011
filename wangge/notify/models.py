"""Notifications: an in-app inbox per user, and an outbox of signed webhook deliveries.

Both are written by `outbox_enqueue` in the caller's transaction, so a notification exists if and
only if the change it reports was committed. Delivery happens afterwards, at least once; receivers
deduplicate on the stable delivery id.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core.config import ConfigQuerySet


class WebhookEndpoint(models.Model):
    """An outbound receiver: an SMS gateway, a WeCom group bot relay, another system.

    `topics` lists the topics it hears ("case.created"), a prefix with ".*" ("case.*") or "*".
    With a grid, only events inside that grid's subtree reach it.
    """

    name = models.CharField(_("名称"), max_length=100)
    url = models.URLField(
        _("地址"), max_length=500, validators=[URLValidator(schemes=["http", "https"])]
    )
    secret = models.CharField(
        _("签名密钥"), max_length=200, help_text=_("用于 X-Wangge-Signature 的 HMAC-SHA256 密钥")
    )
    topics = models.JSONField(_("订阅主题"), default=list, blank=True)
    grid = models.ForeignKey(
        "grids.Grid",
        verbose_name=_("限定网格（含下级）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        verbose_name = _("外发接口")
        verbose_name_plural = _("外发接口")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def hears(self, topic: str) -> bool:
        for pattern in self.topics or ():
            if pattern == "*" or pattern == topic:
                return True
            if (
                isinstance(pattern, str)
                and pattern.endswith(".*")
                and topic.startswith(pattern[:-1])
            ):
                return True
        return False


class InboxItem(models.Model):
    """One in-app message for one user (staff or resident)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("收件人"),
        on_delete=models.CASCADE,
        related_name="inbox_items",
    )
    topic = models.CharField(_("主题"), max_length=64)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    payload = models.JSONField(_("数据"), default=dict, blank=True)
    dedupe_key = models.CharField(_("去重键"), max_length=200)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key", "user"], name="notify_inbox_dedupe"),
        ]
        indexes = [
            # The unread badge: a user's unread items only.
            models.Index(
                fields=["user", "created_at"],
                condition=Q(read_at__isnull=True),
                name="notify_inbox_unread",
            ),
            models.Index(fields=["user", "-created_at"], name="notify_inbox_user_time"),
        ]

    def __str__(self) -> str:
        return self.title


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    DELIVERED = "delivered", _("已送达")
    DEAD = "dead", _("发送失败（死信）")


class OutboxMessage(models.Model):
    """One delivery of one event to one webhook endpoint.

    `delivery_id` never changes across retries: it is the receiver's deduplication key.
    A worker claims a due row by pushing `next_attempt_at` one lease ahead and counting the
    attempt; if it dies mid-request the row becomes due again when the lease runs out.
    """

    delivery_id = models.UUIDField(_("投递编号"), default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("外发接口"), on_delete=models.CASCADE, related_name="+"
    )
    topic = models.CharField(_("主题"), max_length=64)
    dedupe_key = models.CharField(_("去重键"), max_length=200)
    body = models.JSONField(_("报文"))
    status = models.CharField(
        _("状态"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"))
    last_error = models.TextField(_("最近错误"), blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("最近响应码"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("外发消息")
        verbose_name_plural = _("外发消息")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key", "endpoint"], name="notify_outbox_dedupe"),
            models.CheckConstraint(
                name="notify_outbox_status_valid",
                condition=Q(status__in=[s.value for s in OutboxStatus]),
            ),
            models.CheckConstraint(
                name="notify_outbox_delivered_has_time",
                condition=~Q(status="delivered") | Q(delivered_at__isnull=False),
            ),
        ]
        indexes = [
            # The delivery scan touches pending rows only, however long the history grows.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="notify_outbox_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.topic} → {self.endpoint_id} ({self.get_status_display()})"
