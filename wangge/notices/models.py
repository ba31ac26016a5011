"""Notices (通知公告) to one or many grid subtrees.

A notice names its target grids (`NoticeTarget`, each a subtree). At publication the staff of
those subtrees get a `NoticeRecipient` row (and an inbox item); opening the notice stamps
`read_at` on that row, which is what the read counts per grid count. Residents see notices on
their home page through a `NoticeSubscription` to their grid. Withdrawal removes the notice
from inboxes, home pages and (by a withdrawal message) the grid chat groups.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class NoticeState(models.TextChoices):
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class Notice(models.Model):
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"))
    urgent = models.BooleanField(_("紧急"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        related_name="notices",
    )
    # The author's unit path at publication: whoever supervises it sees the notice.
    unit_path = models.CharField(_("发布单位路径"), max_length=255)
    state = models.CharField(
        _("状态"), max_length=10, choices=NoticeState.choices, default=NoticeState.PUBLISHED
    )
    published_at = models.DateTimeField(_("发布时间"))
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤回人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdraw_reason = models.CharField(_("撤回原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="notice_state_valid",
                condition=Q(state__in=[s.value for s in NoticeState]),
            ),
            models.CheckConstraint(
                name="notice_withdrawn_has_time",
                condition=~Q(state="withdrawn") | Q(withdrawn_at__isnull=False),
            ),
            models.CheckConstraint(
                name="notice_expires_after_publication",
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("published_at")),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "-published_at"], name="notice_state_time"),
        ]

    def __str__(self) -> str:
        return self.title


class NoticeTarget(models.Model):
    """One grid subtree a notice is addressed to."""

    notice = models.ForeignKey(
        Notice, verbose_name=_("通知"), on_delete=models.CASCADE, related_name="targets"
    )
    grid = models.ForeignKey(
        "grids.Grid", verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+"
    )
    grid_path = models.CharField(_("网格路径"), max_length=255)

    class Meta:
        verbose_name = _("发送范围")
        verbose_name_plural = _("发送范围")
        constraints = [
            models.UniqueConstraint(fields=["notice", "grid"], name="notice_target_once"),
        ]
        indexes = [
            models.Index(
                fields=["grid_path"], name="notice_target_path", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.grid_id}"


class NoticeRecipient(models.Model):
    """A staff member a notice reached, under the grid of their role; `read_at` when opened."""

    notice = models.ForeignKey(
        Notice, verbose_name=_("通知"), on_delete=models.CASCADE, related_name="recipients"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    grid = models.ForeignKey(
        "grids.Grid", verbose_name=_("所在网格"), on_delete=models.PROTECT, related_name="+"
    )
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接收情况")
        verbose_name_plural = _("接收情况")
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="notice_recipient_once"),
        ]
        indexes = [models.Index(fields=["user", "notice"], name="notice_recipient_user")]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.user_id}"


class NoticeSubscription(models.Model):
    """A resident follows the notices of their grid (and so of every subtree above it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("居民"),
        on_delete=models.CASCADE,
        related_name="notice_subscriptions",
    )
    grid = models.ForeignKey(
        "grids.Grid", verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+"
    )
    grid_path = models.CharField(_("网格路径"), max_length=255)
    created_at = models.DateTimeField(_("订阅时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("公告订阅")
        verbose_name_plural = _("公告订阅")
        constraints = [
            models.UniqueConstraint(fields=["user", "grid"], name="notice_subscription_once"),
        ]
        indexes = [
            models.Index(
                fields=["grid_path"],
                name="notice_subscription_path",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ⇢ {self.grid_id}"
