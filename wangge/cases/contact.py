"""Reporters' phone numbers: stored encrypted and hashed like residents' (people/crypto.py).

The one way to the plain number is `case_contact_phone(case)` (for code that must call or text
the reporter: the hotline result push, a service order); people see `case_contact_phone_masked`,
and staff who need the full number ask `case_contact_reveal` with a reason, which is audited.
"""

from __future__ import annotations

import re

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext as _

from wangge.accounts.models import Role, User
from wangge.accounts.selectors import scope_for_user
from wangge.core.api import Forbidden, ServiceError
from wangge.core.models import AuditLog
from wangge.core.services import audit_record
from wangge.people.crypto import cipher
from wangge.people.idcard import mask_phone

PHONE_COLUMN = "cases_case.contact_phone"

# Staff who work the case (and may call the reporter back) may reveal the number, with a
# reason; leaders and system roles never.
REVEAL_ROLES = frozenset(
    {
        Role.GRID_WORKER,
        Role.GRID_HEAD,
        Role.MICRO_GRID_HEAD,
        Role.COMMUNITY_STAFF,
        Role.STREET_STAFF,
        Role.DISTRICT_STAFF,
        Role.OPERATOR,
        Role.DEPARTMENT_HANDLER,
    }
)


def phone_key(phone: str) -> str:
    """The form hashed for look-ups: digits only (and a landline's dash dropped)."""
    return re.sub(r"\D", "", phone or "")


def contact_phone_fields(phone: str) -> dict[str, str]:
    """Column values for a reporter's phone: its ciphertext and its lookup hash."""
    c = cipher()
    return {
        "contact_phone_cipher": c.encrypt(phone, column=PHONE_COLUMN) if phone else "",
        "contact_phone_hash": c.lookup_hash(phone_key(phone), kind="phone") if phone else "",
    }


def contact_phone_hash(phone: str) -> str:
    return cipher().lookup_hash(phone_key(phone), kind="phone") if phone else ""


def case_contact_phone(case) -> str:
    """The plain number, for code that must reach the reporter. Never put it on a page."""
    return cipher().decrypt(case.contact_phone_cipher, column=PHONE_COLUMN)


def case_contact_phone_masked(case) -> str:
    return mask_phone(case_contact_phone(case)) if case.contact_phone_cipher else ""


def case_contact_reveal(
    *, actor: User | AnonymousUser, case, reason: str, request: HttpRequest | None = None
) -> str:
    """The full number for a role that works cases, with a reason; always audited.

    The caller has already fetched `case` through a scoped getter (out of scope is a 404).
    """
    if not scope_for_user(actor).has_role(*REVEAL_ROLES):
        raise Forbidden(_("您的角色无权查看反映人的完整电话"))
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ServiceError(_("查看完整电话必须填写事由"), code="reason_required")
    phone = case_contact_phone(case)
    audit_record(
        action=AuditLog.Action.REVEAL,
        actor=actor,
        request=request,
        target=case,
        reason=reason[:200],
        detail={"fields": ["contact_phone"], "tracking_code": case.tracking_code},
    )
    return phone
