"""Reads of the inbox, always limited to the caller's own items."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from wangge.core.api import NotFound
from wangge.notify.models import InboxItem


def inbox_list_for_user(
    user: Any, *, unread_only: bool = False, topic: str | None = None
) -> QuerySet[InboxItem]:
    qs = InboxItem.objects.filter(user=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    if topic:
        qs = qs.filter(topic=topic)
    return qs.order_by("-created_at", "-id")


def inbox_unread_count(user: Any) -> int:
    return InboxItem.objects.filter(user=user, read_at__isnull=True).count()


def inbox_get_for_user(user: Any, pk: int) -> InboxItem:
    """The user's own item; anyone else's is "not found", like one that does not exist."""
    item = InboxItem.objects.filter(user=user, pk=pk).first()
    if item is None:
        raise NotFound(_("消息不存在"))
    return item
