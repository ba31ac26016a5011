"""Residents hear back: followers (我也遇到了) and status updates through the reporter's channel.

`case_follow` records a resident who did not report a case but has the same problem: a +1 on
the case (instead of a duplicate report) and, with an account or a phone number, its updates.

`residents_notify` is called for every event the reporter hears about (resolved, closed,
replied, not accepted, merged): the reporter's and followers' in-app inboxes are filled by the
workflow's own notification; here the text messages go out through the SMS gateway — to the
phone the reporter left (web, phone and hotline reports that were not anonymous) with their
private link, and to followers who left a phone. Chat reporters hear in their group
(`wangge.chat.services.results_send`), Open311 clients read the status from the API.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.cases.contact import case_contact_phone, contact_phone_hash, phone_key
from wangge.cases.models import Case, CaseEvent, CaseFollower, CaseState, Channel, PublicStatus
from wangge.core.api import Conflict
from wangge.people.crypto import cipher

# Channels whose reporter left a phone for updates (chat reporters hear in their group).
SMS_CHANNELS = (Channel.H5, Channel.PHONE, Channel.HOTLINE, Channel.OPEN311, Channel.API)

# Followers' phones are stored like reporters' (cases/contact.py): ciphertext and lookup hash.
FOLLOWER_PHONE_COLUMN = "cases_casefollower.phone"


def follower_phone_fields(phone: str) -> dict[str, str]:
    """Column values for a follower's phone: its ciphertext and its lookup hash."""
    phone = (phone or "").strip()
    return {
        "phone_cipher": cipher().encrypt(phone, column=FOLLOWER_PHONE_COLUMN) if phone else "",
        "phone_hash": contact_phone_hash(phone),
    }


def follower_phone(follower: CaseFollower) -> str:
    """The plain number, to text the follower. Never put it on a page."""
    return cipher().decrypt(follower.phone_cipher, column=FOLLOWER_PHONE_COLUMN)


def _sms_key(phone: str) -> str:
    """A delivery's dedupe key names the phone by a short keyed hash, not the number."""
    return contact_phone_hash(phone)[:16]


def case_follow(*, case: Case, user: Any = None, phone: str = "") -> CaseFollower:
    """我也遇到了. Idempotent per user and per phone; a merged case is followed at its master."""
    target = case
    while target.state == CaseState.MERGED and target.merged_into_id:
        target = Case.objects.get(pk=target.merged_into_id)
    if target.state == CaseState.REJECTED:
        raise Conflict(_("该反映不予受理，无法关注"), code="not_followable")
    if user is not None and target.reporter_id == user.pk:
        raise Conflict(_("这是您自己反映的问题"), code="own_case")
    existing = None
    if user is not None:
        existing = CaseFollower.objects.filter(case=target, user=user).first()
    phone_fields = follower_phone_fields(phone) if phone_key(phone) else {}
    if user is None and phone_fields:
        existing = CaseFollower.objects.filter(
            case=target, phone_hash=phone_fields["phone_hash"]
        ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return CaseFollower.objects.create(
                case=target, user=user, created_at=timezone.now(), **phone_fields
            )
    except IntegrityError:  # the same person pressed twice at once
        return CaseFollower.objects.get(
            case=target,
            **({"user": user} if user else {"phone_hash": phone_fields.get("phone_hash")}),
        )


def follower_user_ids(case: Case) -> set[int]:
    return set(
        CaseFollower.objects.filter(case=case, user__isnull=False).values_list("user_id", flat=True)
    )


def residents_notify(*, case: Case, event: CaseEvent) -> None:
    """Text the reporter (with their link) and phone followers about `event` (in the caller's
    transaction; one message per event and phone)."""
    from wangge.cases.access import link_url
    from wangge.notify.sms import sms_send

    status = PublicStatus(case.public_status).label
    detail = (event.reason or "")[:60] if event.public else ""
    head = _("【网格服务】您反映的问题（查询码 %(c)s）%(s)s") % {
        "c": case.tracking_code,
        "s": status,
    }
    if detail:
        head += f"：{detail}"
    phones: dict[str, str] = {}
    reporter_phone = case_contact_phone(case).strip() if case.contact_phone_cipher else ""
    if reporter_phone and not case.anonymous and case.channel in SMS_CHANNELS:
        link_note = _("查看进展、确认并评价：%(u)s") % {"u": link_url(case)}
        phones[reporter_phone] = f"{head}。{link_note}"
    for follower in (
        CaseFollower.objects.filter(case=case).exclude(phone_cipher="").only("phone_cipher")
    ):
        phones.setdefault(
            follower_phone(follower),
            _("【网格服务】您关注的问题（查询码 %(c)s）%(s)s")
            % {"c": case.tracking_code, "s": status}
            + (f"：{detail}" if detail else ""),
        )
    for phone, text in phones.items():
        sms_send(
            phone=phone,
            text=text,
            dedupe_key=f"case:{case.pk}:{event.seq}:{_sms_key(phone)}",
            purpose="case_update",
        )
