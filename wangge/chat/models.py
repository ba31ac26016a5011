"""Grid chat groups (网格群) bridged to the platform: groups, their staff, and messages seen."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core.config import ConfigQuerySet


class ChatGroup(models.Model):
    """A chat group of one grid. Its relay signs deliveries with `secret`; replies go out
    through `endpoint` (the relay's inbound webhook)."""

    group_id = models.CharField(_("群标识"), max_length=100, unique=True)
    name = models.CharField(_("群名称"), max_length=100)
    grid = models.ForeignKey(
        "grids.Grid", verbose_name=_("所属网格"), on_delete=models.PROTECT, related_name="+"
    )
    secret = models.CharField(_("签名密钥"), max_length=200)
    endpoint = models.ForeignKey(
        "notify.WebhookEndpoint",
        verbose_name=_("回复接口"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        verbose_name = _("网格群")
        verbose_name_plural = _("网格群")
        ordering = ["group_id"]

    def __str__(self) -> str:
        return self.name


class ChatStaff(models.Model):
    """A staff member's chat identity in a group: their mentions mark requests, and their
    commands act as their user."""

    group = models.ForeignKey(
        ChatGroup, verbose_name=_("网格群"), on_delete=models.CASCADE, related_name="staff"
    )
    sender_id = models.CharField(_("群成员标识"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="+"
    )

    objects = ConfigQuerySet.as_manager()

    class Meta:
        verbose_name = _("群内工作人员")
        verbose_name_plural = _("群内工作人员")
        constraints = [
            models.UniqueConstraint(fields=["group", "sender_id"], name="chat_staff_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}/{self.sender_id}"


class MessageKind(models.TextChoices):
    CHAT = "chat", _("闲聊")
    REQUEST = "request", _("诉求")
    COMMAND = "command", _("指令")


class ChatMessage(models.Model):
    """Each delivered message once (replays are recognised by the message id)."""

    group = models.ForeignKey(
        ChatGroup, verbose_name=_("网格群"), on_delete=models.PROTECT, related_name="messages"
    )
    message_id = models.CharField(_("消息标识"), max_length=100)
    sender_id = models.CharField(_("发送人标识"), max_length=100)
    sender_name = models.CharField(_("发送人"), max_length=100, blank=True)
    text = models.TextField(_("内容"), blank=True)
    mentions = models.JSONField(_("提及"), default=list, blank=True)
    image_urls = models.JSONField(_("图片地址"), default=list, blank=True)
    kind = models.CharField(_("类型"), max_length=10, choices=MessageKind.choices)
    score = models.FloatField(_("诉求得分"), default=0)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("事件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chat_messages",
    )
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("接收时间"))
    # The case event last reported back into the group (results are sent once each).
    result_sent_seq = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("群消息")
        verbose_name_plural = _("群消息")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "message_id"], name="chat_message_once"),
            models.CheckConstraint(
                name="chat_message_kind_valid",
                condition=Q(kind__in=[k.value for k in MessageKind]),
            ),
        ]
        indexes = [
            models.Index(
                fields=["case"], name="chat_message_case", condition=Q(case__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}/{self.message_id}"
