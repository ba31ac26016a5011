"""The reporter's way back to their case without an account (docs/feedback.md).

Three keys open a case to its reporter:

- a **private link**: `/track/<code>/k/<token>/`, the token signed with the site's secret
  (`django.core.signing`, salt below) over the case's id and tracking code; every report returns
  one and the browser that filed it keeps it; honoured for `CASES_ACCESS_LINK_DAYS`;
- a **one-time SMS code** sent to the phone given with the report, through the SMS gateway of
  the outbox (`wangge.notify.sms`); `CASES_SMS_CODE_TRIES` wrong tries spend it, then no new
  code for `CASES_SMS_LOCK_MINUTES`;
- the **chat sender id** of a report made in a grid chat group (`评价 CODE 5 5` in the group).

Each yields a `ReporterPass`, the actor the workflow treats as the case's reporter
(`Rel.REPORTER`) for that case only. Events it writes carry no user and the name "反映人".
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.cases.contact import case_contact_phone
from wangge.cases.models import Case, ReporterCode
from wangge.core.api import Forbidden, ServiceError

LINK_SALT = "wangge.cases.reporter-link"


class AccessRefused(Forbidden):
    """A link, code or chat id that does not open the case (403, with the reason in Chinese)."""


@dataclass(frozen=True)
class ReporterPass:
    """Proof that whoever holds it reported `case_id` (not a user: no account is involved)."""

    case_id: int
    source: str  # link | sms | chat
    is_authenticated = False
    pk = None
    display_name = "反映人"

    def get_username(self) -> str:
        return self.display_name


# ---- private links -----------------------------------------------------------------------------


def link_token(case: Case) -> str:
    """The signed token of `case`'s private link (stable for a case: the same link each time
    it is shown, so a bookmark, an SMS and the browser's copy all agree)."""
    return signing.dumps(
        {"c": case.pk, "t": case.tracking_code}, salt=LINK_SALT, compress=True
    ).replace(":", ".")


def link_path(case: Case) -> str:
    return f"/track/{case.tracking_code}/k/{link_token(case)}/"


def link_case_id(token: str, code: str | None) -> int | None:
    """The case id a valid, unexpired token names (for tracking code `code` when given), or
    None; no query, for checking the many tokens a browser keeps."""
    try:
        data = signing.loads(
            (token or "").replace(".", ":"),
            salt=LINK_SALT,
            max_age=timedelta(days=settings.CASES_ACCESS_LINK_DAYS),
        )
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or (code is not None and data.get("t") != code):
        return None
    if isinstance(data.get("c"), int):
        return data["c"]
    return None


def link_url(case: Case) -> str:
    """The private link as sent by SMS or posted in a chat group (absolute when the site's
    public address is configured)."""
    return f"{settings.SITE_PUBLIC_URL.rstrip('/')}{link_path(case)}"


def link_check(token: str, *, code: str | None = None) -> Case:
    """The case a link token opens; AccessRefused for a forged, altered or expired one, or one
    that belongs to another case than `code`."""
    max_age = timedelta(days=settings.CASES_ACCESS_LINK_DAYS)
    try:
        data = signing.loads((token or "").replace(".", ":"), salt=LINK_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise AccessRefused(
            _("该链接已过期，请用提交时留的手机号获取验证码，或拨打热线"), code="link_expired"
        ) from exc
    except signing.BadSignature as exc:
        raise AccessRefused(_("链接无效，请核对后重试"), code="link_invalid") from exc
    if not isinstance(data, dict) or "c" not in data or "t" not in data:
        raise AccessRefused(_("链接无效，请核对后重试"), code="link_invalid")
    if code is not None and str(code).strip().upper() != data["t"]:
        raise AccessRefused(_("链接与查询码不符"), code="link_mismatch")
    case = Case.objects.filter(pk=data["c"], tracking_code=data["t"]).first()
    if case is None:
        raise AccessRefused(_("链接无效，请核对后重试"), code="link_invalid")
    return case


# ---- one-time SMS codes ------------------------------------------------------------------------


def _hash(case: Case, code: str) -> str:
    key = f"{settings.SECRET_KEY}:reporter-code:{case.pk}".encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def _phone(case: Case) -> str:
    return case_contact_phone(case).strip() if case.contact_phone_cipher else ""


def masked_phone(case: Case) -> str:
    phone = _phone(case)
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else ""


def _locked_until(case: Case, now: datetime) -> datetime | None:
    """After a code was spent by wrong tries, no new code and no try until the wait is over."""
    return (
        ReporterCode.objects.filter(case=case, locked_until__gt=now)
        .order_by("-locked_until")
        .values_list("locked_until", flat=True)
        .first()
    )


def _wait_message(until: datetime, now: datetime) -> str:
    minutes = max(1, int((until - now).total_seconds() // 60) + 1)
    return _("验证码错误次数过多，请 %(m)d 分钟后再试") % {"m": minutes}


@transaction.atomic
def sms_code_send(*, case: Case, now: datetime | None = None) -> str:
    """Send a fresh 6-digit code to the case's phone through the SMS gateway; returns the
    masked number it went to. Refused when the report left no phone, while locked out after
    wrong tries, or within a minute of the previous code."""
    from wangge.notify.sms import sms_gateway_configured, sms_send

    now = now or timezone.now()
    if not sms_gateway_configured():
        raise ServiceError(_("短信服务未开通，请使用专属链接或拨打热线"), code="no_sms_gateway")
    Case.objects.select_for_update().filter(pk=case.pk).first()  # one sender at a time per case
    phone = _phone(case)
    if not phone:
        raise ServiceError(_("该反映未留手机号，无法发送验证码"), code="no_phone")
    until = _locked_until(case, now)
    if until is not None:
        raise AccessRefused(_wait_message(until, now), code="sms_locked")
    last = ReporterCode.objects.filter(case=case).order_by("-created_at", "-id").first()
    if last is not None and now - last.created_at < timedelta(seconds=60):
        raise ServiceError(_("验证码已发送，请 1 分钟后再试"), code="sms_too_soon")
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = ReporterCode.objects.create(
        case=case,
        code_hash=_hash(case, code),
        created_at=now,
        expires_at=now + timedelta(minutes=settings.CASES_SMS_CODE_MINUTES),
    )
    sms_send(
        phone=phone,
        text=_("【网格服务】您反映问题（查询码 %(t)s）的验证码 %(c)s，%(m)d 分钟内有效。")
        % {"t": case.tracking_code, "c": code, "m": settings.CASES_SMS_CODE_MINUTES},
        dedupe_key=f"reporter-code:{row.pk}",
        purpose="reporter_code",
    )
    return masked_phone(case)


def sms_code_check(*, case: Case, code: str, now: datetime | None = None) -> ReporterPass:
    """A ReporterPass for the right code; AccessRefused otherwise (the try is counted)."""
    now = now or timezone.now()
    code = (code or "").strip()
    with transaction.atomic():
        row = (
            ReporterCode.objects.select_for_update()
            .filter(case=case, used_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        until = _locked_until(case, now)
        if until is not None:
            raise AccessRefused(_wait_message(until, now), code="sms_locked")
        if row is None or row.expires_at <= now:
            raise AccessRefused(_("验证码已失效，请重新获取"), code="sms_expired")
        if row.tries >= settings.CASES_SMS_CODE_TRIES:
            raise AccessRefused(_("验证码已失效，请重新获取"), code="sms_expired")
        if not hmac.compare_digest(row.code_hash, _hash(case, code)):
            row.tries += 1
            left = settings.CASES_SMS_CODE_TRIES - row.tries
            if left > 0:
                error = AccessRefused(
                    _("验证码错误，还可再试 %(n)d 次") % {"n": left}, code="sms_wrong"
                )
            else:
                row.locked_until = now + timedelta(minutes=settings.CASES_SMS_LOCK_MINUTES)
                error = AccessRefused(_wait_message(row.locked_until, now), code="sms_locked")
            row.save(update_fields=["tries", "locked_until"])
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
            error = None
    # The wrong try is counted (committed above) before the refusal is raised.
    if error is not None:
        raise error
    return ReporterPass(case_id=case.pk, source="sms")
