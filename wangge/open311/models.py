"""Open311 clients (API keys) and service definitions (extra attributes per category)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core.config import ConfigQuerySet


class ApiClientQuerySet(ConfigQuerySet):
    # Touched once a minute by every client in use: not worth rebuilding the cached settings.
    volatile = frozenset({"last_used_at"})


class ApiClient(models.Model):
    """An application allowed to POST requests. Only a hash of its key is kept: the key is
    shown once, when created in the admin."""

    name = models.CharField(_("名称"), max_length=100)
    contact = models.CharField(_("联系人/联系方式"), max_length=200, blank=True)
    key_prefix = models.CharField(_("密钥前缀"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)

    objects = ApiClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("Open311 客户端")
        verbose_name_plural = _("Open311 客户端")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"


class AttributeType(models.TextChoices):
    """The spec's attribute datatypes."""

    STRING = "string", _("短文本")
    NUMBER = "number", _("数字")
    DATETIME = "datetime", _("日期时间")
    TEXT = "text", _("长文本")
    SINGLE = "singlevaluelist", _("单选")
    MULTI = "multivaluelist", _("多选")


LIST_TYPES = (AttributeType.SINGLE, AttributeType.MULTI)


class ServiceAttribute(models.Model):
    """One extra question asked for a service (= a minor category, by its code).

    Keyed by the category code rather than a foreign key: the definitions belong to the Open311
    face of the system and survive a category being re-seeded.
    """

    service_code = models.CharField(_("服务编码（事件小类编码）"), max_length=5, db_index=True)
    code = models.SlugField(_("属性编码"), max_length=50)
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    datatype = models.CharField(_("类型"), max_length=16, choices=AttributeType.choices)
    variable = models.BooleanField(_("需填写"), default=True, help_text=_("否：仅为说明文字"))
    required = models.BooleanField(_("必填"), default=False)
    description = models.CharField(_("问题"), max_length=300)
    datatype_description = models.CharField(_("填写说明"), max_length=300, blank=True)
    # [{"key": "1", "name": "…"}, …] for the list types.
    values = models.JSONField(_("选项"), default=list, blank=True)

    objects = ConfigQuerySet.as_manager()

    class Meta:
        verbose_name = _("Open311 服务属性")
        verbose_name_plural = _("Open311 服务属性")
        ordering = ["service_code", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["service_code", "code"], name="open311_attr_code"),
            models.CheckConstraint(
                name="open311_attr_datatype_valid",
                condition=Q(datatype__in=[t.value for t in AttributeType]),
            ),
            models.CheckConstraint(
                name="open311_attr_required_is_variable",
                condition=Q(variable=True) | Q(required=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_code}/{self.code}"

    def value_keys(self) -> list[str]:
        return [str(v.get("key")) for v in self.values or () if isinstance(v, dict)]


class Open311Request(models.Model):
    """What an Open311 POST carried beyond the case itself (kept private: email, device)."""

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("事件"), on_delete=models.PROTECT, related_name="open311"
    )
    client = models.ForeignKey(
        ApiClient, verbose_name=_("客户端"), on_delete=models.PROTECT, related_name="requests"
    )
    # Returned to the client at once; GET tokens/{token} maps it to the request id.
    token = models.UUIDField(_("令牌"), unique=True, editable=False)
    attributes = models.JSONField(_("属性"), default=dict, blank=True)
    media_url = models.URLField(_("图片地址（客户端提供）"), max_length=500, blank=True)
    media = models.ForeignKey(
        "attachments.Attachment",
        verbose_name=_("上传图片"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    email = models.EmailField(_("邮箱"), blank=True)
    device_id = models.CharField(_("设备标识"), max_length=100, blank=True)
    account_id = models.CharField(_("账户标识"), max_length=100, blank=True)
    address_id = models.CharField(_("地址编号"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    # SHA-256 of what was posted (fields and media bytes): a blind retry of the same body from
    # the same client within settings.OPEN311_DEDUPE_SECONDS gets the first answer back.
    body_digest = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 请求")
        verbose_name_plural = _("Open311 请求")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client", "body_digest", "created_at"], name="o311_dedupe"),
        ]

    def __str__(self) -> str:
        return str(self.token)
