"""Photos uploaded to the platform, re-encoded and stored through Django's storage API.

An attachment starts unlinked (uploaded, not yet part of anything) and is later linked to
exactly one owner row — a case, a case event, a care visit, a chat message … — through
`services.attachment_link`. Who may see a linked photo is decided by the owning app's access
check (`access.register_access`); an unlinked one only by its uploader. The files themselves
are never served from MEDIA_URL: only `views.attachment_file` hands them out.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Attachment(models.Model):
    class Purpose(models.TextChoices):
        PHOTO = "photo", _("照片")
        BEFORE = "before", _("处置前照片")
        AFTER = "after", _("处置后照片")

    class StoredType(models.TextChoices):
        # What the re-encoder writes: JPEG, or PNG when the picture has real transparency.
        JPEG = "image/jpeg", "JPEG"
        PNG = "image/png", "PNG"

    # The primary key is random so that a URL reveals neither the count of uploads nor its
    # neighbours; it is also the capability an anonymous reporter holds for their upload.
    id = models.UUIDField(_("编号"), primary_key=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(
        _("用途"), max_length=16, choices=Purpose.choices, default=Purpose.PHOTO
    )
    storage_name = models.CharField(_("存储名"), max_length=200, unique=True)
    thumb_name = models.CharField(_("缩略图存储名"), max_length=200, unique=True)
    content_type = models.CharField(_("类型"), max_length=32, choices=StoredType.choices)
    size = models.PositiveIntegerField(_("字节数"))
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    # The upload as received (before re-encoding): what the client sent, for duplicate checks.
    original_sha256 = models.CharField(_("原始文件 SHA-256"), max_length=64)
    original_size = models.PositiveIntegerField(_("原始字节数"))
    original_format = models.CharField(_("原始格式"), max_length=16)
    original_name = models.CharField(_("原始文件名"), max_length=120, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now, db_index=True)
    owner_type = models.ForeignKey(
        ContentType,
        verbose_name=_("所属对象类型"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Text, so that owners with integer and UUID keys alike fit.
    owner_id = models.CharField(_("所属对象编号"), max_length=64, blank=True)
    linked_at = models.DateTimeField(_("关联时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("图片附件")
        verbose_name_plural = _("图片附件")
        ordering = ["linked_at", "created_at"]
        indexes = [
            models.Index(fields=["owner_type", "owner_id"], name="attachment_owner_idx"),
            # The clean-up job only ever scans unlinked uploads.
            models.Index(
                fields=["created_at"],
                name="attachment_unlinked_idx",
                condition=Q(owner_type__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="attachment_link_complete",
                condition=(
                    Q(owner_type__isnull=True, owner_id="", linked_at__isnull=True)
                    | (Q(owner_type__isnull=False, linked_at__isnull=False) & ~Q(owner_id=""))
                ),
            ),
            models.CheckConstraint(
                name="attachment_stored_type",
                condition=Q(content_type__in=["image/jpeg", "image/png"]),
            ),
            models.CheckConstraint(
                name="attachment_dimensions",
                condition=Q(size__gt=0, width__gt=0, height__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name or self.pk} ({self.width}×{self.height})"

    @property
    def is_linked(self) -> bool:
        return self.owner_type_id is not None

    @property
    def owner_label(self) -> str:
        """ "app_label.model" of the owner, the key of the access registry; "" when unlinked."""
        if self.owner_type_id is None:
            return ""
        ct = ContentType.objects.get_for_id(self.owner_type_id)
        return f"{ct.app_label}.{ct.model}"

    @property
    def extension(self) -> str:
        return "png" if self.content_type == self.StoredType.PNG else "jpg"
