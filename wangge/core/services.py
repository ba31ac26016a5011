from __future__ import annotations

import ipaddress
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from wangge.core.auditchain import audit_chain_append
from wangge.core.models import AuditLog


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address, as the throttles see it.

    X-Forwarded-For is read only as deep as settings.NUM_PROXIES trusted proxies append to it
    (0: the socket address; the client writes whatever it likes in the header).
    """
    if request is None:
        return None
    from rest_framework.throttling import BaseThrottle

    # DRF's reading of X-Forwarded-For (NUM_PROXIES); it needs only the request's META.
    ident = BaseThrottle().get_ident(request)  # type: ignore[arg-type]
    try:
        ipaddress.ip_address(ident)
    except ValueError:
        return request.META.get("REMOTE_ADDR") or None
    return ident


def audit_record(
    *,
    action: str,
    actor: Any = None,
    username: str = "",
    request: HttpRequest | None = None,
    target: Any = None,
    target_type: str = "",
    target_id: str = "",
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditLog:
    """Append one audit record. The only write path for AuditLog."""
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
    if actor is not None and getattr(actor, "is_authenticated", False):
        username = username or actor.get_username()
    else:
        actor = None
    row = AuditLog(
        created_at=timezone.now(),
        action=action,
        actor=actor,
        username=username[:150],
        target_type=target_type,
        target_id=str(target_id)[:64],
        reason=reason[:200],
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request else ""),
        detail=detail or {},
    )
    # Linked into the keyed hash chain under the head's lock (wangge/core/auditchain.py).
    return audit_chain_append(row)
