from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.core.hashchain import AnchorLine


class AuditLog(models.Model):
    """Append-only audit record: security events (login, reveal of personal data) and changes of
    business data with their old and new values (`wangge.core.audit`).

    Rows are only ever inserted through `wangge.core.services.audit_record`; the admin shows them
    read-only to auditors. 等保 asks that they be kept at least six months.

    The rows form one keyed hash chain (`seq`, `prev_hash`, `hash`; see `wangge.core.audit`),
    its head kept in `ChainHead` and pinned by the periodic anchors (`ChainAnchor`), so an
    edited, inserted or deleted record is found by `manage.py audit_verify_chain`.
    """

    class Action(models.TextChoices):
        LOGIN_SUCCESS = "login_success", _("登录成功")
        LOGIN_FAILURE = "login_failure", _("登录失败")
        LOGIN_LOCKED = "login_locked", _("账户锁定")
        LOGOUT = "logout", _("退出登录")
        PASSWORD_CHANGE = "password_change", _("修改密码")
        ROLE_GRANT = "role_grant", _("授予角色")
        ROLE_REVOKE = "role_revoke", _("撤销角色")
        GRID_IMPORT = "grid_import", _("导入网格")
        GRID_CHANGE = "grid_change", _("修改网格")
        REVEAL = "reveal", _("查看敏感信息")
        EXPORT = "export", _("导出数据")
        LOOKUP = "lookup", _("按证件号或电话查找")
        TOKEN_ISSUE = "token_issue", _("签发接口令牌")
        TOKEN_REFRESH = "token_refresh", _("续期接口令牌")
        TOKEN_REVOKE = "token_revoke", _("吊销接口令牌")
        DATA_CREATE = "data_create", _("新增业务数据")
        DATA_UPDATE = "data_update", _("修改业务数据")
        DATA_DELETE = "data_delete", _("删除业务数据")
        OTHER = "other", _("其他")

    # Set by `audit_record` before the insert: the time is part of the record's hash.
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The username as typed, kept even when no such user exists (failed logins).
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=32, choices=Action.choices, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(_("客户端"), max_length=300, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    # Position in the chain (1, 2, …) and the keyed links; see `wangge.core.audit`.
    seq = models.PositiveBigIntegerField(_("序号"), unique=True, null=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.username} {self.get_action_display()}"


class PeriodicTaskState(models.Model):
    """When each periodic task (wangge.core.periodic.PERIODIC_TASKS) is next due.

    Every worker's scheduler reads these rows and moves `next_run_at` forward with a
    compare-and-swap update; only the worker whose update matched enqueues the run, so several
    workers never enqueue the same run twice.
    """

    name = models.CharField(_("任务"), max_length=200, unique=True)
    next_run_at = models.DateTimeField(_("下次运行"))
    last_enqueued_at = models.DateTimeField(_("最近入队"), null=True, blank=True)
    runs = models.PositiveBigIntegerField(_("入队次数"), default=0)

    class Meta:
        verbose_name = _("定时任务")
        verbose_name_plural = _("定时任务")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ChainHead(models.Model):
    """The head of a database-wide hash chain (the audit log): its length and last hash.

    Appending locks this row (`select_for_update`), so records join the chain one at a time in
    commit order; nothing else writes it."""

    name = models.CharField(max_length=32, unique=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("哈希链头")
        verbose_name_plural = _("哈希链头")

    def __str__(self) -> str:
        return f"{self.name} #{self.seq}"


class ChainAnchor(models.Model):
    """One run of the periodic checkpoint of a chain kind (`wangge.core.hashchain`).

    For the audit log `entries` is the chain length and `digest` its head hash; for case events
    `entries` counts the run's `cases.CaseCheckpoint` rows and `digest` is their keyed digest.
    `mac` signs the run with the chain key and `prev_mac` links it to the run before, so a run
    cannot be altered, and one removed leaves a gap (and is still in the exported anchor file).
    """

    class Kind(models.TextChoices):
        CASES = "cases", _("事件处理记录")
        AUDIT = "audit", _("审计日志")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    seq = models.PositiveBigIntegerField(_("序号"))
    created_at = models.DateTimeField(_("时间"))
    entries = models.PositiveBigIntegerField(_("条数"))
    digest = models.CharField(max_length=64)
    prev_mac = models.CharField(max_length=64, blank=True)
    mac = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("哈希链锚点")
        verbose_name_plural = _("哈希链锚点")
        constraints = [
            models.UniqueConstraint(fields=["kind", "seq"], name="chain_anchor_kind_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.seq}"

    def line(self) -> AnchorLine:
        return AnchorLine(
            kind=self.kind,
            seq=self.seq,
            created_at=self.created_at,
            entries=self.entries,
            digest=self.digest,
            prev_mac=self.prev_mac,
        )


class VersionStamp(models.Model):
    """A one-row stamp, moved (`move`) in the same transaction as any change to what a
    per-process copy holds; each process compares it with the stamp its copy was built from."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"v{self.version}"

    @classmethod
    def move(cls) -> None:
        """One more, in the caller's transaction (the row is made on the first change)."""
        if not cls._default_manager.filter(pk=1).update(version=models.F("version") + 1):
            cls._default_manager.get_or_create(pk=1, defaults={"version": 1})


class ConfigVersion(VersionStamp):
    """One row per deployment: moved in the same transaction as any change to the settings the
    intake reads on every request (categories, routing rules, departments, webhook endpoints,
    Open311 clients and service attributes, hotline sources, chat groups).

    Every process keeps those tables in memory (`wangge.core.config`) and rebuilds its copy when
    this stamp differs from the one its copy was built from, as the grid locator does with
    `GridTreeVersion` and the working calendar with `CalendarVersion`.
    """

    class Meta:
        verbose_name = _("配置版本")
        verbose_name_plural = _("配置版本")
        constraints = [models.CheckConstraint(name="config_version_singleton", condition=Q(id=1))]
