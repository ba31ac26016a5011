"""Write paths of the Open311 face: API clients."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.core.api import Forbidden
from wangge.core.services import audit_record
from wangge.open311.models import ApiClient, Open311Request
from wangge.open311.params import NewRequest

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


def open311_request_submit(
    *,
    client: ApiClient,
    request: NewRequest,
    category: Any,
    media: UploadedFile | None = None,
) -> Open311Request:
    """Create a case from an Open311 POST through the common intake (channel "open311").

    A `media` file is checked and stored as a photo first (a refused picture is a 400 and
    nothing else is written); the case and the Open311 record are written in one transaction.
    Without a point, the address is resolved to a building where the base data allows;
    otherwise the case goes to triage unlocated, with the address kept.
    """
    from wangge.attachments.services import attachment_store
    from wangge.cases.models import Channel
    from wangge.cases.services import case_submit

    photo = None
    if media is not None:
        photo = attachment_store(actor=None, upload=media, filename=media.name or "media.jpg")
    with transaction.atomic():
        case = case_submit(
            actor=None,
            channel=Channel.OPEN311,
            title=category.name,
            description=request.description or category.name,
            lat=request.lat,
            lng=request.lng,
            address=request.address_string or request.address_id,
            category_code=category.code,
            contact_name=request.contact_name,
            contact_phone=request.phone,
            attachments=[photo] if photo else (),
        ).case
        return Open311Request.objects.create(
            case=case,
            client=client,
            token=uuid.uuid4(),
            attributes=request.attributes,
            media_url=request.media_url,
            media=photo,
            email=request.email,
            device_id=request.device_id,
            account_id=request.account_id,
            address_id=request.address_id,
        )
