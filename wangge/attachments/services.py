"""Writes on attachments: store an upload, link it to its owner, purge stale uploads."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from wangge.attachments.access import has_access_check
from wangge.attachments.images import Limits, process_image
from wangge.attachments.models import Attachment
from wangge.attachments.selectors import attachment_list_for_link
from wangge.core.api import Conflict, ServiceError
from wangge.core.models import AuditLog
from wangge.core.services import audit_record

logger = logging.getLogger(__name__)

STORAGE_PREFIX = "attachments"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# How many photos one owner row takes in one submission (the resident form offers nine).
DEFAULT_MAX_PER_SUBMISSION = 9
# Pixel cap for pictures from the public (16 MP: every phone camera's full-size photo fits).
PUBLIC_MAX_PIXELS = 16_000_000


class PayloadTooLarge(ServiceError):
    status_code = 413
    code = "too_large"


def upload_max_bytes() -> int:
    return int(getattr(settings, "WANGGE_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def too_large_error() -> PayloadTooLarge:
    limit = upload_max_bytes()
    if limit < 1024 * 1024:
        return PayloadTooLarge(_("图片超过 %(kb)d KB 上限") % {"kb": limit // 1024})
    mb = limit / (1024 * 1024)
    shown = f"{mb:.0f}" if mb == int(mb) else f"{mb:.1f}"
    return PayloadTooLarge(_("图片超过 %(mb)s MB 上限") % {"mb": shown})


def upload_limits(actor: Any = None) -> Limits:
    """The limits for `actor`'s upload. Pictures from the public (anonymous, a resident's own
    account, a channel with no user) get the lower pixel cap: it is checked from the header, so
    a 7000×7000 picture costs them nothing to send and the server nothing to refuse. Staff,
    who photograph whole walls and scan documents, keep the higher one."""
    max_pixels = int(getattr(settings, "WANGGE_UPLOAD_MAX_PIXELS", Limits.max_pixels))
    if not _is_staff(actor):
        public = getattr(settings, "WANGGE_UPLOAD_MAX_PIXELS_PUBLIC", PUBLIC_MAX_PIXELS)
        max_pixels = min(max_pixels, int(public))
    return Limits(
        max_pixels=max_pixels,
        max_side=int(getattr(settings, "WANGGE_UPLOAD_MAX_SIDE", Limits.max_side)),
        thumb_side=int(getattr(settings, "WANGGE_UPLOAD_THUMB_SIDE", Limits.thumb_side)),
        jpeg_quality=int(getattr(settings, "WANGGE_UPLOAD_JPEG_QUALITY", Limits.jpeg_quality)),
    )


def _is_staff(actor: Any) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    from wangge.accounts.selectors import scope_for_user

    scope = scope_for_user(actor)
    return not scope.is_empty


def _clean_name(name: str) -> str:
    """The client's file name, safe to show and to put in a Content-Disposition header."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable())[-100:]
    try:
        return get_valid_filename(base)[:100]
    except SuspiciousFileOperation:
        return ""


def _actor_or_none(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def attachment_store(
    *,
    actor: Any,
    upload: UploadedFile | bytes,
    purpose: str = Attachment.Purpose.PHOTO,
    filename: str = "",
) -> Attachment:
    """Check, re-encode and store one picture; return the new, still unlinked attachment.

    `upload` is a Django UploadedFile (from a form or the API) or raw bytes (from a channel
    that fetched the media itself; give `filename` then). `actor` is the uploading user, or
    None / AnonymousUser for an anonymous resident. Refusals raise ServiceError subclasses
    with a Chinese message: PayloadTooLarge (413) over WANGGE_UPLOAD_MAX_BYTES, ImageRefused
    (400) for anything that is not an intact JPEG, PNG or WebP within the pixel limit.
    """
    if purpose not in Attachment.Purpose.values:
        raise ServiceError(_("图片用途 “%(p)s” 无效") % {"p": purpose}, code="invalid_purpose")
    if isinstance(upload, bytes | bytearray):
        if len(upload) > upload_max_bytes():
            raise too_large_error()
        upload = SimpleUploadedFile(filename or "upload", bytes(upload))
    max_bytes = upload_max_bytes()
    # The declared size is checked first, so an oversized file is never read at all.
    if upload.size is not None and upload.size > max_bytes:
        raise too_large_error()

    digest = hashlib.sha256()
    received = 0
    upload.seek(0)
    for chunk in upload.chunks():
        received += len(chunk)
        if received > max_bytes:  # a stream that lied about its size
            raise too_large_error()
        digest.update(chunk)
    upload.seek(0)

    processed = process_image(upload, limits=upload_limits(actor))

    now = timezone.now()
    # The storage name is random and unrelated to the id: knowing one gives not the other.
    base = f"{STORAGE_PREFIX}/{now:%Y/%m}/{secrets.token_hex(16)}"
    ext = "png" if processed.content_type == Attachment.StoredType.PNG else "jpg"
    stored_name = default_storage.save(f"{base}.{ext}", ContentFile(processed.data))
    thumb_name = default_storage.save(f"{base}.thumb.jpg", ContentFile(processed.thumb))
    try:
        with transaction.atomic():
            attachment = Attachment.objects.create(
                purpose=purpose,
                storage_name=stored_name,
                thumb_name=thumb_name,
                content_type=processed.content_type,
                size=len(processed.data),
                width=processed.width,
                height=processed.height,
                sha256=hashlib.sha256(processed.data).hexdigest(),
                original_sha256=digest.hexdigest(),
                original_size=received,
                original_format=processed.source_format,
                original_name=_clean_name(filename or upload.name or ""),
                uploaded_by=_actor_or_none(actor),
                created_at=now,
            )
    except BaseException:
        # No row, no file. (Files of a row whose outer transaction rolls back later are
        # found by `manage.py attachments_purge`, which removes storage files without a row.)
        _delete_files(stored_name, thumb_name)
        raise
    return attachment


def attachment_link(*, attachment: Attachment, owner: Model) -> Attachment:
    """Link an unlinked attachment to `owner`; linking again to the same owner is a no-op.

    No permission check here: the caller has already decided that the actor may attach this
    picture to this owner (use `attachments_link` for ids that came from a client). Raises
    Conflict when the attachment already belongs to another owner, ImproperlyConfigured when
    the owner's model has no access check registered (nobody could ever see the photo).
    """
    label = owner._meta.label_lower
    if not has_access_check(label):
        raise ImproperlyConfigured(
            f"attachments: register_access({label!r}, …) before linking photos to it"
        )
    owner_type = ContentType.objects.get_for_model(owner, for_concrete_model=True)
    owner_id = str(owner.pk)
    if attachment.owner_type_id == owner_type.pk and attachment.owner_id == owner_id:
        return attachment
    linked_at: datetime | None = timezone.now()
    updated = Attachment.objects.filter(pk=attachment.pk, owner_type__isnull=True).update(
        owner_type=owner_type, owner_id=owner_id, linked_at=linked_at
    )
    if updated == 0:
        # 0 rows: it was linked meanwhile (by a concurrent submission) or it is gone.
        current = Attachment.objects.filter(pk=attachment.pk).values_list(
            "owner_type_id", "owner_id", "linked_at"
        )
        row = current.first()
        if row is None or (row[0], row[1]) != (owner_type.pk, owner_id):
            raise Conflict(_("这张图片已用于其他记录"), code="attachment_in_use")
        linked_at = row[2]
    attachment.owner_type = owner_type
    attachment.owner_id = owner_id
    attachment.linked_at = linked_at
    return attachment


def attachments_link(
    *,
    actor: Any,
    attachment_ids: Iterable[str | UUID],
    owner: Model,
    max_count: int | None = DEFAULT_MAX_PER_SUBMISSION,
) -> list[Attachment]:
    """Link the attachments a client named in a submission to `owner`, in the given order.

    Call it inside the owner's creating transaction, with the submitting user as `actor`.
    An id is accepted when it was uploaded by `actor` or anonymously (an anonymous upload's
    random id is the capability its uploader holds) and is unlinked or already linked to this
    same owner (a retried submission). Unknown or someone else's ids raise NotFound, ids used
    elsewhere Conflict, malformed ids or more than `max_count` ServiceError. All or nothing.
    """
    with transaction.atomic():
        attachments = attachment_list_for_link(
            actor=actor, attachment_ids=attachment_ids, max_count=max_count
        )
        return [attachment_link(attachment=a, owner=owner) for a in attachments]


@dataclass
class PurgeResult:
    attachments: int = 0
    bytes: int = 0
    orphan_files: list[str] = field(default_factory=list)


def _delete_files(*names: str) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("attachments: could not delete %s", name)


def _storage_walk(prefix: str) -> Iterable[str]:
    try:
        dirs, files = default_storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{prefix}/{name}"
    for sub in dirs:
        yield from _storage_walk(f"{prefix}/{sub}")


def attachments_purge_unlinked(
    *, actor: Any = None, older_than: timedelta, commit: bool = False
) -> PurgeResult:
    """Remove uploads never linked to anything within `older_than`, and stray files.

    Unlinked uploads are the photos of forms that were never sent. Stray files are files under
    the attachments prefix with no row (their row's transaction rolled back) and older than
    `older_than`. Without `commit` nothing is removed: the result says what would be.
    """
    cutoff = timezone.now() - older_than
    result = PurgeResult()
    stale = Attachment.objects.filter(owner_type__isnull=True, created_at__lt=cutoff)
    rows = list(stale.values_list("pk", "storage_name", "thumb_name", "size"))
    result.attachments = len(rows)
    result.bytes = sum(r[3] for r in rows)

    old_files: list[str] = []
    for name in _storage_walk(STORAGE_PREFIX):
        try:
            if default_storage.get_modified_time(name) < cutoff:
                old_files.append(name)
        except (OSError, NotImplementedError):
            continue
    # Asked in batches: the table may hold millions of rows, never loaded at once.
    for i in range(0, len(old_files), 500):
        batch = old_files[i : i + 500]
        owned = Attachment.objects.filter(Q(storage_name__in=batch) | Q(thumb_name__in=batch))
        known = {n for pair in owned.values_list("storage_name", "thumb_name") for n in pair}
        result.orphan_files += [n for n in batch if n not in known]

    if not commit:
        return result
    with transaction.atomic():
        # Linking races the purge: only rows still unlinked at delete time go.
        deleted_pks = []
        for pk, stored, thumb, _size in rows:
            if Attachment.objects.filter(pk=pk, owner_type__isnull=True).delete()[0]:
                deleted_pks.append(pk)
                transaction.on_commit(partial(_delete_files, stored, thumb))
        result.attachments = len(deleted_pks)
        audit_record(
            action=AuditLog.Action.OTHER,
            actor=actor,
            target_type="attachments.attachment",
            reason="purge unlinked attachments",
            detail={
                "attachments": len(deleted_pks),
                "orphan_files": len(result.orphan_files),
                "older_than_days": older_than.days,
            },
        )
    _delete_files(*result.orphan_files)
    return result
