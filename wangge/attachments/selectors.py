"""Reads on attachments, always on behalf of a user."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any
from uuid import UUID

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from wangge.attachments.access import owner_visible
from wangge.attachments.models import Attachment
from wangge.core.api import NotFound, ServiceError


def _as_uuid(value: str | UUID) -> UUID | None:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        return None


def _uploaded_by(user: Any, attachment: Attachment, session_ids: Collection[str]) -> bool:
    if attachment.uploaded_by_id is not None:
        return bool(getattr(user, "is_authenticated", False)) and (
            user.pk == attachment.uploaded_by_id
        )
    # An anonymous upload: its uploader is whoever holds it in their session.
    return str(attachment.pk) in session_ids


def attachment_visible_to(
    user: Any, attachment: Attachment, *, session_ids: Collection[str] = ()
) -> bool:
    """Its uploader always sees an upload; others only through the owner's access check.

    Administrators get no exception: a photo of a resident's doorway is not configuration.
    """
    if _uploaded_by(user, attachment, session_ids):
        return True
    if not attachment.is_linked:
        return False
    return owner_visible(user, attachment.owner_label, attachment.owner_id)


def attachment_get_for_user(
    user: Any, attachment_id: str | UUID, *, session_ids: Collection[str] = ()
) -> Attachment:
    """The attachment if `user` may see it; NotFound otherwise (as if it did not exist).

    `session_ids` are the anonymous uploads remembered in the caller's session.
    """
    pk = _as_uuid(attachment_id)
    attachment = Attachment.objects.filter(pk=pk).first() if pk else None
    if attachment is None or not attachment_visible_to(user, attachment, session_ids=session_ids):
        raise NotFound(_("图片不存在或无权查看"))
    return attachment


def attachment_list_for_owner(owner: Model) -> QuerySet[Attachment]:
    """The attachments linked to `owner`, in the order they were linked.

    No user check: call it only after the caller's scoped getter returned `owner`.
    """
    owner_type = ContentType.objects.get_for_model(owner, for_concrete_model=True)
    return Attachment.objects.filter(owner_type=owner_type, owner_id=str(owner.pk))


def attachments_by_owner(owners: Sequence[Model]) -> dict[str, list[Attachment]]:
    """The attachments of several owners of one model in one query, by the owner's pk (as text).

    For list pages: a page of visits shows each visit's photos without a query per row. Like
    `attachment_list_for_owner`, call it only with owners the caller's scoped list returned.
    """
    if not owners:
        return {}
    owner_type = ContentType.objects.get_for_model(owners[0], for_concrete_model=True)
    found: dict[str, list[Attachment]] = {str(o.pk): [] for o in owners}
    rows = Attachment.objects.filter(owner_type=owner_type, owner_id__in=list(found)).order_by(
        "linked_at", "created_at"
    )
    for a in rows:
        found[a.owner_id].append(a)
    return found


def attachment_list_for_link(
    *,
    actor: Any,
    attachment_ids: Iterable[str | UUID],
    max_count: int | None = None,
) -> list[Attachment]:
    """Attachments named by a client that `actor` may link, in the order named (duplicates
    dropped). See `services.attachments_link` for the rules."""
    wanted: list[UUID] = []
    for raw in attachment_ids:
        pk = _as_uuid(raw)
        if pk is None:
            raise ServiceError(_("图片编号 “%(id)s” 无效") % {"id": str(raw)[:40]})
        if pk not in wanted:
            wanted.append(pk)
    if max_count is not None and len(wanted) > max_count:
        raise ServiceError(
            _("最多只能附 %(n)d 张图片") % {"n": max_count}, code="too_many_attachments"
        )
    found = {a.pk: a for a in Attachment.objects.filter(pk__in=wanted)}
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    out: list[Attachment] = []
    for pk in wanted:
        attachment = found.get(pk)
        if attachment is None or attachment.uploaded_by_id not in (None, actor_id):
            raise NotFound(_("图片 %(id)s 不存在或已失效，请重新上传") % {"id": pk})
        out.append(attachment)
    # Ids linked already are left to attachment_link: fine when to the same owner (a retried
    # submission), Conflict otherwise.
    return out
