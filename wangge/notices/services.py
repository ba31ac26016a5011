"""Write paths of notices: publish, read, withdraw, subscribe.

Publishing fans out inside one transaction: targets, one recipient row per staff member of the
target subtrees, inbox items (staff and subscribed residents), and one outbox message per grid
chat group inside the targets (topic `notice.chat`, to the group's relay endpoint, as the chat
bridge's replies go). Withdrawal deletes the inbox items and posts a withdrawal into the same
groups. Nothing is written when any check refuses.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import GRID_ROLES, READ_ONLY_ROLES, RoleAssignment
from wangge.accounts.selectors import scope_for_user
from wangge.attachments.services import attachments_link
from wangge.chat.models import ChatGroup
from wangge.core.api import Conflict, Forbidden, ServiceError
from wangge.council.access import STAFF_ROLES, is_staff_for, role_grid_paths
from wangge.grids.models import Grid, GridLevel
from wangge.notices.models import (
    Notice,
    NoticeRecipient,
    NoticeState,
    NoticeSubscription,
    NoticeTarget,
)
from wangge.notify.models import InboxItem
from wangge.notify.services import outbox_enqueue

TITLE_MAX = 100
BODY_MAX = 10000
CHAT_EXCERPT = 300
RECIPIENT_ROLES = frozenset(GRID_ROLES - READ_ONLY_ROLES)


def _minimal(grids: list[Grid]) -> list[Grid]:
    """Drop targets nested in another target: the outer subtree already covers them."""
    out: list[Grid] = []
    for g in sorted({g.pk: g for g in grids}.values(), key=lambda g: g.path):
        if not any(g.path.startswith(o.path) for o in out):
            out.append(g)
    return out


def inbox_key(notice: Notice) -> str:
    return f"notice:{notice.pk}"


def _chat_groups(targets: list[Grid]) -> list[ChatGroup]:
    groups = ChatGroup.objects.filter(active=True, endpoint__isnull=False).select_related("grid")
    return [g for g in groups if any(g.grid.path.startswith(t.path) for t in targets)]


def _chat_text(notice: Notice) -> str:
    head = _("【紧急通知】") if notice.urgent else _("【通知】")
    body = notice.body if len(notice.body) <= CHAT_EXCERPT else notice.body[:CHAT_EXCERPT] + "…"
    text = f"{head}{notice.title}\n{body}"
    if notice.expires_at:
        until = timezone.localtime(notice.expires_at).strftime("%Y-%m-%d %H:%M")
        text += "\n" + _("（有效期至 %(t)s）") % {"t": until}
    return text


def notice_publish(
    *,
    actor: Any,
    title: str,
    body: str,
    grids: Iterable[Grid],
    urgent: bool = False,
    expires_at: datetime | None = None,
    attachments: Iterable[str | UUID] = (),
    now: datetime | None = None,
) -> Notice:
    title = (title or "").strip()
    body = (body or "").strip()
    if not title:
        raise ServiceError(_("请填写标题"), code="required")
    if len(title) > TITLE_MAX:
        raise ServiceError(_("标题不能超过 %(n)s 个字") % {"n": TITLE_MAX}, code="too_long")
    if not body:
        raise ServiceError(_("请填写正文"), code="required")
    if len(body) > BODY_MAX:
        raise ServiceError(_("正文不能超过 %(n)s 个字") % {"n": BODY_MAX}, code="too_long")
    grid_list = list(grids)
    if not grid_list:
        raise ServiceError(_("请选择发送范围（至少一个网格）"), code="no_target")
    if not role_grid_paths(actor, STAFF_ROLES) and not scope_for_user(actor).everything:
        raise Forbidden(_("只有社区及以上工作人员可以发布通知"), code="not_notice_staff")
    outside = [g.name for g in grid_list if not is_staff_for(actor, g.path)]
    if outside:
        raise Forbidden(
            _("不能向管辖范围以外的网格发通知：%(g)s") % {"g": "、".join(outside)},
            code="target_outside_scope",
        )
    now = now or timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ServiceError(_("有效期须晚于发布时间"), code="expired")
    targets = _minimal(grid_list)
    covering = [
        p for p in role_grid_paths(actor, STAFF_ROLES) if any(t.path.startswith(p) for t in targets)
    ]
    unit_path = min(covering, key=len) if covering else targets[0].path
    with transaction.atomic():
        notice = Notice.objects.create(
            title=title,
            body=body,
            urgent=urgent,
            author=actor,
            unit_path=unit_path,
            published_at=now,
            expires_at=expires_at,
        )
        NoticeTarget.objects.bulk_create(
            [NoticeTarget(notice=notice, grid=g, grid_path=g.path) for g in targets]
        )
        if attachments:
            attachments_link(actor=actor, attachment_ids=attachments, owner=notice)
        staff = _recipients(targets, exclude_user=actor.pk)
        NoticeRecipient.objects.bulk_create(
            [NoticeRecipient(notice=notice, user_id=u, grid_id=g) for u, g in staff.items()]
        )
        subscribers = _subscribers(targets)
        outbox_enqueue(
            topic="notice.published",
            title=(_("【紧急】") if urgent else "") + title,
            body=body[:500],
            link=f"/notices/{notice.pk}/",
            payload={"notice": notice.pk, "urgent": urgent, "grids": [t.code for t in targets]},
            user_ids=set(staff) | subscribers,
            grid_path=_common_path([t.path for t in targets]),
            dedupe_key=inbox_key(notice),
        )
        text = _chat_text(notice)
        for group in _chat_groups(targets):
            outbox_enqueue(
                topic="notice.chat",
                title=title,
                body=text,
                payload={
                    "group_id": group.group_id,
                    "kind": "notice",
                    "notice": notice.pk,
                    "urgent": urgent,
                    "text": text,
                },
                endpoint_ids=[group.endpoint_id] if group.endpoint_id else [],
                dedupe_key=f"notice:{notice.pk}:chat:{group.pk}",
            )
    return notice


def _common_path(paths: list[str]) -> str:
    parts = [p.strip("/").split("/") for p in paths]
    common: list[str] = []
    for codes in zip(*parts, strict=False):
        if len(set(codes)) != 1:
            break
        common.append(codes[0])
    return "/".join(common) + "/" if common else ""


def _recipients(targets: list[Grid], *, exclude_user: int) -> dict[int, int]:
    """user id → the grid (of their deepest role) under which they count as a reader."""
    within = Q(pk__in=[])
    for t in targets:
        within |= Q(grid__path__startswith=t.path)
    rows = (
        RoleAssignment.objects.filter(within, role__in=sorted(RECIPIENT_ROLES))
        .exclude(user_id=exclude_user)
        .values_list("user_id", "grid_id", "grid__path")
    )
    best: dict[int, tuple[int, str]] = {}
    for user_id, grid_id, path in rows:
        if user_id not in best or len(path) > len(best[user_id][1]):
            best[user_id] = (grid_id, path)
    return {u: g for u, (g, _p) in best.items()}


def _subscribers(targets: list[Grid]) -> set[int]:
    q = Q(pk__in=[])
    for t in targets:
        q |= Q(grid_path__startswith=t.path)
    return set(NoticeSubscription.objects.filter(q).values_list("user_id", flat=True))


def notice_mark_read(*, actor: Any, notice: Notice, now: datetime | None = None) -> bool:
    """The actor opened the notice: stamp their recipient row (first opening only) and their
    inbox item. True when this opening was the first."""
    now = now or timezone.now()
    first = NoticeRecipient.objects.filter(
        notice=notice, user_id=actor.pk, read_at__isnull=True
    ).update(read_at=now)
    InboxItem.objects.filter(
        user_id=actor.pk, dedupe_key=inbox_key(notice), read_at__isnull=True
    ).update(read_at=now)
    return bool(first)


def notice_withdraw(
    *, actor: Any, notice: Notice, reason: str = "", now: datetime | None = None
) -> Notice:
    """Withdraw everywhere: off inboxes and home pages, and a withdrawal into the chat groups."""
    if notice.author_id != getattr(actor, "pk", None) and not is_staff_for(actor, notice.unit_path):
        raise Forbidden(_("只有发布人或其上级可以撤回通知"), code="not_author")
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise ServiceError(_("撤回原因不能超过 200 个字"), code="too_long")
    now = now or timezone.now()
    with transaction.atomic():
        done = Notice.objects.filter(pk=notice.pk, state=NoticeState.PUBLISHED).update(
            state=NoticeState.WITHDRAWN,
            withdrawn_at=now,
            withdrawn_by=actor,
            withdraw_reason=reason,
        )
        if not done:
            raise Conflict(_("该通知已撤回"), code="already_withdrawn")
        InboxItem.objects.filter(dedupe_key=inbox_key(notice)).delete()
        targets = [t.grid for t in notice.targets.select_related("grid")]
        text = _("【撤回】通知“%(t)s”已撤回，请以最新通知为准。") % {"t": notice.title}
        for group in _chat_groups(targets):
            outbox_enqueue(
                topic="notice.chat",
                title=text,
                body=text,
                payload={
                    "group_id": group.group_id,
                    "kind": "notice_withdrawn",
                    "notice": notice.pk,
                    "text": text,
                },
                endpoint_ids=[group.endpoint_id] if group.endpoint_id else [],
                dedupe_key=f"notice:{notice.pk}:withdraw:{group.pk}",
            )
    notice.refresh_from_db()
    return notice


SUBSCRIBABLE = {GridLevel.COMMUNITY, GridLevel.ZONE, GridLevel.MICRO}


def notice_subscribe(*, actor: Any, grid: Grid) -> NoticeSubscription:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("请先登录"), code="login_required")
    if grid.level not in SUBSCRIBABLE:
        raise ServiceError(_("请选择所住的社区或网格"), code="bad_level")
    if NoticeSubscription.objects.filter(user=actor, grid=grid).exists():
        raise Conflict(_("您已订阅%(g)s的通知") % {"g": grid.name}, code="already_subscribed")
    try:
        with transaction.atomic():
            return NoticeSubscription.objects.create(user=actor, grid=grid, grid_path=grid.path)
    except IntegrityError as exc:
        raise Conflict(
            _("您已订阅%(g)s的通知") % {"g": grid.name}, code="already_subscribed"
        ) from exc


def notice_unsubscribe(*, actor: Any, grid: Grid) -> int:
    deleted, _unused = NoticeSubscription.objects.filter(user=actor, grid=grid).delete()
    return deleted
