"""The grid chat bridge: receive a message, turn requests into cases, run worker commands,
reply into the group through the outbound webhook (the outbox), report results later.

See docs/chat.md for the wire format and the command syntax.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.cases.access import ReporterPass, link_url
from wangge.cases.feedback import case_feedback_give, feedback_current
from wangge.cases.models import PUBLIC_STATUS, Case, CaseEvent, CaseState, Channel, EventKind
from wangge.cases.selectors import case_get_for_user
from wangge.cases.services import intake_prepare, intake_store
from wangge.cases.workflow import case_transition
from wangge.chat.commands import Command, RateCommand, parse_command, parse_rate
from wangge.chat.detector import detect
from wangge.chat.models import ChatGroup, ChatMessage, ChatStaff, MessageKind
from wangge.core.api import ServiceError
from wangge.core.config import config_loader
from wangge.notify.services import outbox_enqueue
from wangge.suggest.models import ModelKind
from wangge.suggest.selectors import learned_model

MAX_IMAGES = 9


@dataclass
class Inbound:
    message_id: str
    sender_id: str
    sender_name: str = ""
    text: str = ""
    mentions: list[str] = field(default_factory=list)
    image_urls: list[str] = field(default_factory=list)
    # Uploaded pictures as (filename, base64 data).
    uploads: list[tuple[str, str]] = field(default_factory=list)
    sent_at: datetime | None = None


@dataclass
class Received:
    kind: str  # chat | request | command | duplicate
    message: ChatMessage
    case: Case | None = None


def reply(
    *,
    group: ChatGroup,
    key: str,
    text: str,
    reply_to: str,
    case: Case | None,
    private_link: str = "",
) -> None:
    """Queue a message into the group (inside the caller's transaction).

    `private_link` (the reporter's own link to the case) is for relays that can message the
    sender privately; it must never be posted into the group."""
    if group.endpoint_id is None:
        return
    outbox_enqueue(
        topic="chat.reply",
        title=text[:60],
        body=text,
        payload={
            "group_id": group.group_id,
            "reply_to": reply_to,
            "text": text,
            "tracking_code": case.tracking_code if case else None,
            "private_link": private_link or None,
        },
        endpoint_ids=[group.endpoint_id],
        dedupe_key=f"chat:{group.pk}:{key}"[:200],
    )


def _store_uploads(uploads: list[tuple[str, str]]) -> list[Any]:
    from wangge.attachments.services import attachment_store

    photos = []
    for filename, data in uploads[:MAX_IMAGES]:
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ServiceError(_("图片数据不是有效的 base64"), code="image") from exc
        photos.append(attachment_store(actor=None, upload=raw, filename=filename or "chat.jpg"))
    return photos


@dataclass(frozen=True)
class GroupSetting:
    group: ChatGroup  # its grid and reply endpoint loaded
    staff: dict[str, ChatStaff]  # by sender id, their users loaded


@config_loader("chat.groups")
def active_groups() -> dict[str, GroupSetting]:
    """Active groups by their relay id with their staff, kept per process (wangge.core.config)."""
    groups = {
        g.pk: GroupSetting(g, {})
        for g in ChatGroup.objects.filter(active=True).select_related("grid", "endpoint")
    }
    for member in ChatStaff.objects.filter(group__in=list(groups)).select_related("user"):
        groups[member.group_id].staff[member.sender_id] = member
    return {g.group.group_id: g for g in groups.values()}


def group_for_relay(group_id: str) -> ChatGroup | None:
    found = active_groups().get(group_id)
    return found.group if found is not None else None


def _staff(group: ChatGroup) -> dict[str, ChatStaff]:
    found = active_groups().get(group.group_id)
    if found is not None and found.group.pk == group.pk:
        return found.staff
    return {s.sender_id: s for s in ChatStaff.objects.filter(group=group).select_related("user")}


def _seen(group: ChatGroup, inbound: Inbound) -> Received | None:
    seen = ChatMessage.objects.filter(group=group, message_id=inbound.message_id).first()
    return Received("duplicate", seen, seen.case) if seen is not None else None


def message_receive(*, group: ChatGroup, inbound: Inbound) -> Received:
    """Handle one delivered message; a replayed delivery (same message id) changes nothing.

    Commands look for an earlier delivery first (they act on other cases); a chat line or a
    request is stored under the message's unique id, so a replay is refused by the database
    and answered as a duplicate (`_save_once`).
    """
    staff = _staff(group)
    command = parse_command(inbound.text)
    now = timezone.now()
    message = ChatMessage(
        group=group,
        message_id=inbound.message_id,
        sender_id=inbound.sender_id,
        sender_name=inbound.sender_name,
        text=inbound.text,
        mentions=inbound.mentions,
        image_urls=inbound.image_urls,
        sent_at=inbound.sent_at,
        received_at=now,
    )
    rate = parse_rate(inbound.text)
    if rate is not None:
        message.kind = MessageKind.COMMAND
        return _seen(group, inbound) or _run_rate(group, message, rate)
    if command is not None and inbound.sender_id in staff:
        message.kind = MessageKind.COMMAND
        return _seen(group, inbound) or _run_command(
            group, message, command, staff[inbound.sender_id].user
        )
    found = detect(
        inbound.text,
        mentions=inbound.mentions,
        staff_ids=list(staff),
        learned=learned_model(ModelKind.REQUEST),
        rules_weight=settings.SUGGEST_REQUEST_RULES_WEIGHT,
    )
    message.score = found.score
    message.kind = MessageKind.REQUEST if found.is_request else MessageKind.CHAT
    if message.kind == MessageKind.CHAT:
        return _save_once(message, lambda: None)
    if inbound.uploads:
        # Pictures are stored before the transaction: a replay must not store them again.
        earlier = _seen(group, inbound)
        if earlier is not None:
            return earlier
    photos = _store_uploads(inbound.uploads)

    intake = intake_prepare(
        actor=None,
        channel=Channel.CHAT,
        description=inbound.text,
        # Where: a building the message names inside the group's grid, else a point in that
        # grid (the case belongs to the grid either way).
        place_text=inbound.text,
        within=group.grid,
        contact_name=inbound.sender_name[:50],
        idempotency_key=f"{group.group_id}:{inbound.message_id}"[:100],
        attachments=photos,
    )

    def create_case() -> Case:
        # In `_save_once`'s transaction: a replayed message is refused there (the case's key).
        intake_store(intake)
        case = intake.case
        message.case = case
        reply(
            group=group,
            key=f"{inbound.message_id}:ack",
            text=_("@%(name)s 已收到您的反映，已转%(unit)s办理，查询码 %(code)s。")
            % {
                "name": inbound.sender_name or _("群友"),
                "unit": case.handling_grid.name
                if case.handling_grid is not None
                else _("指挥中心"),
                "code": case.tracking_code,
            },
            reply_to=inbound.message_id,
            case=case,
        )
        return case

    return _save_once(message, create_case)


def _save_once(message: ChatMessage, work: Any) -> Received:
    """Run `work` and store the message in one transaction; a concurrent twin loses quietly."""
    try:
        with transaction.atomic():
            case = work()
            message.save(force_insert=True)
    except IntegrityError:
        twin = ChatMessage.objects.filter(
            group=message.group, message_id=message.message_id
        ).first()
        if twin is None:
            raise
        return Received("duplicate", twin, twin.case)
    return Received(message.kind, message, case)


def _run_command(group: ChatGroup, message: ChatMessage, command: Command, user: Any) -> Received:
    """Claim / resolve / status from the chat, acting as the staff member's user. Refusals are
    answered in the group with the reason; nothing changes then."""
    key = f"{message.message_id}:cmd"

    def work() -> Case | None:
        try:
            case = case_get_for_user(user, command.code)
        except ServiceError:
            text = _("查询码 %(c)s 不存在或不在您的网格。") % {"c": command.code}
            reply(group=group, key=key, text=text, reply_to=message.message_id, case=None)
            return None
        message.case = case
        values = {
            "c": case.tracking_code,
            "n": getattr(user, "display_name", "") or user.get_username(),
            "r": command.note,
        }
        resolved = False
        try:
            with transaction.atomic():
                if command.action == "claim":
                    case_transition(case=case, actor=user, action=EventKind.CLAIM)
                    text = _("%(c)s 已由 %(n)s 认领。") % values
                elif command.action == "resolve":
                    if not command.note:
                        raise ServiceError(
                            _("请写明处理结果，例如：办结 %(c)s 已更换玻璃") % values
                        )
                    case_transition(
                        case=case, actor=user, action=EventKind.RESOLVE, reason=command.note
                    )
                    text = _("%(c)s 已办结：%(r)s") % values
                    resolved = True
                else:
                    text = _("%(c)s 当前状态：%(s)s") % {
                        **values,
                        "s": PUBLIC_STATUS[case.state].label,
                    }
        except ServiceError as exc:
            text = exc.message
        reply(group=group, key=key, text=text, reply_to=message.message_id, case=case)
        if resolved:
            # The result reply was just sent: the sweep need not repeat it.
            ChatMessage.objects.filter(case=case).update(result_sent_seq=case.event_count)
            message.result_sent_seq = case.event_count
        return case

    return _save_once(message, work)


def _run_rate(group: ChatGroup, message: ChatMessage, rate: RateCommand) -> Received:
    """A resident's 评价 / 没解决 from the chat: only for a case they reported in this group,
    through the one feedback service. Refusals are answered in the group; nothing changes."""
    key = f"{message.message_id}:rate"
    name = message.sender_name or _("群友")

    def work() -> Case | None:
        own = (
            ChatMessage.objects.filter(
                group=group,
                sender_id=message.sender_id,
                kind=MessageKind.REQUEST,
                case__tracking_code=rate.code,
            )
            .select_related("case")
            .first()
        )
        if own is None:
            text = _("@%(n)s 查询码 %(c)s 不是您在本群反映的问题，不能评价。") % {
                "n": name,
                "c": rate.code,
            }
            reply(group=group, key=key, text=text, reply_to=message.message_id, case=None)
            return None
        case = own.case
        if case is None:  # pragma: no cover - the filter above matched on the case
            return None
        message.case = case
        if rate.error:
            text = _("@%(n)s 请这样回复：%(h)s") % {"n": name, "h": rate.error}
            reply(group=group, key=key, text=text, reply_to=message.message_id, case=case)
            return case
        try:
            with transaction.atomic():
                result = case_feedback_give(
                    actor=ReporterPass(case_id=case.pk, source="chat"),
                    case=case,
                    solved=rate.solved,
                    satisfaction=rate.satisfaction,
                    comment=rate.comment,
                )
        except ServiceError as exc:
            text = f"@{name} {exc.message}"
        else:
            fb = result.feedback
            text = (
                _("@%(n)s 已退回重新办理（%(c)s），我们会尽快处理。")
                if result.reopened
                else _("@%(n)s 感谢评价（%(c)s）：问题%(a)s，%(b)s。")
            ) % {
                "n": name,
                "c": case.tracking_code,
                "a": fb.get_solved_display(),
                "b": fb.get_satisfaction_display(),
            }
        reply(group=group, key=key, text=text, reply_to=message.message_id, case=case)
        return case

    return _save_once(message, work)


RESULT_KINDS = (EventKind.RESOLVE, EventKind.CLOSE, EventKind.SETTLE_ON_SPOT, EventKind.REJECT)


def results_send(*, limit: int = 500) -> int:
    """Tell each group the result of the cases its messages raised, once per result event."""
    messages = (
        ChatMessage.objects.filter(
            kind=MessageKind.REQUEST,
            case__isnull=False,
            group__endpoint__isnull=False,
            case__state__in=["resolved", "closed", "rejected", "merged"],
        )
        .exclude(result_sent_seq__gte=F("case__event_count"))
        .select_related("group", "case")
        .order_by("id")[:limit]
    )
    sent = 0
    for message in messages:
        case = message.case
        if case is None:  # excluded by the query
            continue
        last = (
            CaseEvent.objects.filter(case=case, kind__in=RESULT_KINDS, public=True)
            .order_by("-seq")
            .first()
        )
        with transaction.atomic():
            if last is not None:
                text = _("@%(n)s 您反映的问题（%(c)s）%(s)s：%(r)s") % {
                    "n": message.sender_name or _("群友"),
                    "c": case.tracking_code,
                    "s": PUBLIC_STATUS[case.state].label,
                    "r": last.reason or _("已处理"),
                }
                answerable = case.state in (CaseState.RESOLVED, CaseState.CLOSED)
                if answerable and feedback_current(case) is None:
                    text += _(
                        "。解决了请回复“评价 %(c)s 解决 满意”（满意/基本满意/不满意），"
                        "没解决请回复“没解决 %(c)s 原因”。"
                    ) % {"c": case.tracking_code}
                reply(
                    group=message.group,
                    key=f"{message.message_id}:result:{last.seq}",
                    text=text,
                    reply_to=message.message_id,
                    case=case,
                    private_link=link_url(case) if answerable else "",
                )
                sent += 1
            ChatMessage.objects.filter(pk=message.pk).update(result_sent_seq=case.event_count)
    return sent
