"""The contact phone of a service order: stored encrypted and hashed like residents' phones
(people/crypto.py), shown masked.

The resident who placed the order sees their own number; the volunteer or party member who took
it and the community staff ask `order_contact_reveal` with a reason, which is audited. Code that
must call or text the resident (turning an order into a case) reads `order_contact_phone`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from wangge.cases.contact import phone_key
from wangge.core.api import Forbidden, ServiceError
from wangge.core.models import AuditLog
from wangge.core.services import audit_record
from wangge.people.crypto import cipher
from wangge.people.idcard import mask_phone

PHONE_COLUMN = "community_serviceorder.contact_phone"


def order_contact_phone_fields(phone: str) -> dict[str, str]:
    """Column values for an order's phone: its ciphertext and its lookup hash."""
    c = cipher()
    return {
        "contact_phone_cipher": c.encrypt(phone, column=PHONE_COLUMN) if phone else "",
        "contact_phone_hash": c.lookup_hash(phone_key(phone), kind="phone") if phone else "",
    }


def order_contact_phone(order: Any) -> str:
    """The plain number, for code that must reach the resident. Never put it on a page."""
    if not order.contact_phone_cipher:
        return ""
    return cipher().decrypt(order.contact_phone_cipher, column=PHONE_COLUMN)


def order_contact_phone_shown(order: Any, user: Any) -> str:
    """What `user` sees without asking: their own number in full, anyone else's masked."""
    if not order.contact_phone_cipher:
        return ""
    phone = order_contact_phone(order)
    own = order.orderer_id is not None and order.orderer_id == getattr(user, "pk", None)
    return phone if own else mask_phone(phone)


def may_reveal_order_contact(user: Any, order: Any) -> bool:
    """The taker, and staff working in the order's community."""
    from wangge.community.workflow import staff_paths

    if order.assignee_id is not None and order.assignee_id == getattr(user, "pk", None):
        return True
    return any(order.grid_path.startswith(p) for p in staff_paths(user))


def order_contact_reveal(
    *, actor: Any, order: Any, reason: str, request: HttpRequest | None = None
) -> str:
    """The full number for the taker or community staff, with a reason; always audited.

    The caller has already fetched `order` through a scoped getter (out of scope is a 404)."""
    if not may_reveal_order_contact(actor, order):
        raise Forbidden(_("您无权查看该服务单的完整联系电话"))
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ServiceError(_("查看完整电话必须填写事由"), code="reason_required")
    phone = order_contact_phone(order)
    audit_record(
        action=AuditLog.Action.REVEAL,
        actor=actor,
        request=request,
        target=order,
        reason=reason[:200],
        detail={"fields": ["contact_phone"], "order": order.code},
    )
    return phone
