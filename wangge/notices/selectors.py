"""Reads of notices, scoped to the caller.

Staff see a notice when it reached them (recipient), when they wrote it, or when its author's
unit or any of its targets lies in their subtrees. Residents see published, unexpired notices
whose targets contain a grid they subscribed to. Everyone else: not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from wangge.accounts.selectors import scope_for_user
from wangge.core.api import NotFound
from wangge.grids.models import Grid
from wangge.notices.models import (
    Notice,
    NoticeRecipient,
    NoticeState,
    NoticeSubscription,
    NoticeTarget,
)


def _ancestor_paths(paths: list[str]) -> list[str]:
    out: set[str] = set()
    for p in paths:
        codes = [c for c in p.split("/") if c]
        for i in range(1, len(codes) + 1):
            out.add("/".join(codes[:i]) + "/")
    return sorted(out)


def _live_q(now: datetime) -> Q:
    return Q(state=NoticeState.PUBLISHED) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def notice_staff_q(user: Any) -> Q:
    if user is None or not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    scope = scope_for_user(user)
    if scope.everything:
        return Q()
    q = Q(author_id=user.pk) | Q(
        Exists(NoticeRecipient.objects.filter(notice=OuterRef("pk"), user_id=user.pk))
    )
    if scope.grid_paths:
        q |= scope.path_q("unit_path")
        q |= Q(
            Exists(NoticeTarget.objects.filter(scope.path_q("grid_path"), notice=OuterRef("pk")))
        )
    return q


def notice_resident_q(user: Any, now: datetime) -> Q:
    if user is None or not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    paths = list(NoticeSubscription.objects.filter(user=user).values_list("grid_path", flat=True))
    if not paths:
        return Q(pk__in=[])
    ancestors = _ancestor_paths(paths)
    return _live_q(now) & Q(
        Exists(NoticeTarget.objects.filter(notice=OuterRef("pk"), grid_path__in=ancestors))
    )


def notice_visible_q(user: Any, now: datetime | None = None) -> Q:
    return notice_staff_q(user) | notice_resident_q(user, now or timezone.now())


def notice_visible_to(user: Any, notice_id: Any) -> bool:
    """Attachment access check: the notice's photos follow the notice."""
    return Notice.objects.filter(notice_visible_q(user), pk=notice_id).exists()


def notice_list_for_user(
    user: Any,
    *,
    state: str | None = None,
    urgent: bool | None = None,
    live_only: bool = False,
    grid: str | None = None,
    q: str | None = None,
    now: datetime | None = None,
) -> QuerySet[Notice]:
    now = now or timezone.now()
    qs = Notice.objects.filter(notice_visible_q(user, now))
    if state:
        qs = qs.filter(state=state)
    if urgent is not None:
        qs = qs.filter(urgent=urgent)
    if live_only:
        qs = qs.filter(_live_q(now))
    if grid:
        qs = qs.filter(targets__grid__code=grid)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q))
    return (
        qs.select_related("author")
        .annotate(
            recipient_count=Count("recipients", distinct=True),
            read_count=Count(
                "recipients", filter=Q(recipients__read_at__isnull=False), distinct=True
            ),
        )
        .order_by("-urgent", "-published_at", "-id")
        .distinct()
    )


def notice_get_for_user(user: Any, pk: int | str, *, now: datetime | None = None) -> Notice:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("通知不存在") from None
    notice = (
        Notice.objects.filter(notice_visible_q(user, now or timezone.now()), pk=pk)
        .select_related("author")
        .first()
    )
    if notice is None:
        raise NotFound("通知不存在或不在您的范围内")
    return notice


def notices_for_resident(user: Any, *, limit: int = 5, now: datetime | None = None) -> list[Notice]:
    """The resident's home page: live notices of their subscribed grids, urgent first."""
    now = now or timezone.now()
    return list(
        Notice.objects.filter(notice_resident_q(user, now)).order_by(
            "-urgent", "-published_at", "-id"
        )[:limit]
    )


@dataclass
class GridReads:
    grid_code: str
    grid_name: str
    recipients: int
    read: int
    readers: list[str]
    unread: list[str]


def notice_read_counts(notice: Notice) -> list[GridReads]:
    """Read counts among staff, per grid of the recipients (two queries)."""
    rows = (
        NoticeRecipient.objects.filter(notice=notice)
        .select_related("user", "grid")
        .order_by("grid__path", "user__username")
    )
    by_grid: dict[int, GridReads] = {}
    for r in rows:
        g = by_grid.setdefault(r.grid_id, GridReads(r.grid.code, r.grid.name, 0, 0, [], []))
        g.recipients += 1
        name = r.user.display_name or r.user.username
        if r.read_at:
            g.read += 1
            g.readers.append(name)
        else:
            g.unread.append(name)
    return list(by_grid.values())


def notice_targets(notice: Notice) -> list[Grid]:
    return [t.grid for t in notice.targets.select_related("grid").order_by("grid_path")]


def subscriptions_for(user: Any) -> list[NoticeSubscription]:
    return list(NoticeSubscription.objects.filter(user=user).select_related("grid"))
