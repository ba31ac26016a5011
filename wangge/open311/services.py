"""Write paths of the Open311 face: API clients."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.core.api import Forbidden
from wangge.core.services import audit_record
from wangge.open311.models import ApiClient

KEY_BYTES = 24


def key_hash(raw_key: str) -> str:
    # The key is 192 random bits: a plain SHA-256 is enough (no dictionary to slow down).
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def api_client_create(*, actor: Any, name: str, contact: str = "") -> tuple[ApiClient, str]:
    """Create a client and return it with its key; the key is not stored and shown only now."""
    raw = secrets.token_urlsafe(KEY_BYTES)
    client = ApiClient.objects.create(
        name=name.strip(), contact=contact.strip(), key_prefix=raw[:8], key_hash=key_hash(raw)
    )
    audit_record(actor=actor, action="open311.client_create", target=client)
    return client, raw


@transaction.atomic
def api_client_rotate(*, actor: Any, client: ApiClient) -> str:
    """Give the client a new key; the old one stops working at once."""
    raw = secrets.token_urlsafe(KEY_BYTES)
    client.key_prefix, client.key_hash = raw[:8], key_hash(raw)
    client.save(update_fields=["key_prefix", "key_hash"])
    audit_record(actor=actor, action="open311.client_rotate", target=client)
    return raw


def api_client_authenticate(raw_key: str | None) -> ApiClient:
    """The active client holding this key, or Forbidden (403). Empty counts as missing."""
    raw_key = (raw_key or "").strip()
    if not raw_key:
        raise Forbidden(_("缺少 api_key"), code="api_key")
    client = ApiClient.objects.filter(key_hash=key_hash(raw_key), active=True).first()
    if client is None:
        raise Forbidden(_("api_key 无效或已停用"), code="api_key")
    now = timezone.now()
    # Touch at most once a minute: a busy client should not write on every request.
    if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
    return client
