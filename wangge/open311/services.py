"""Write paths of the Open311 face: API clients."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.core.api import Forbidden, Unprocessable
from wangge.core.compiled import CompiledInsert, CompiledQuery
from wangge.core.config import config_loader
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


@config_loader("open311.clients")
def active_clients() -> dict[str, ApiClient]:
    """Active clients by key hash, kept per process (wangge.core.config): a key rotated or a
    client stopped in the admin stops working within CONFIG_CHECK_SECONDS everywhere."""
    return {c.key_hash: c for c in ApiClient.objects.filter(active=True)}


def api_client_authenticate(raw_key: str | None) -> ApiClient:
    """The active client holding this key, or Forbidden (403). Empty counts as missing."""
    raw_key = (raw_key or "").strip()
    if not raw_key:
        raise Forbidden(_("缺少 api_key"), code="api_key")
    client = active_clients().get(key_hash(raw_key))
    if client is None:
        raise Forbidden(_("api_key 无效或已停用"), code="api_key")
    now = timezone.now()
    # Touch at most once a minute: a busy client should not write on every request. (The
    # cached row is shared by the process's requests: it remembers the touch.)
    if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client


def open311_request_submit(
    *,
    client: ApiClient,
    request: NewRequest,
    category: Any,
    media: UploadedFile | None = None,
    idempotency_key: str | None = None,
) -> Open311Request:
    """Create a case from an Open311 POST through the common intake (channel "open311").

    A `media` file is checked and stored as a photo first (a refused picture is a 400 and
    nothing else is written); the case and the Open311 record are written in one transaction.
    Without a point, the address is resolved to a building where the base data allows;
    otherwise the case goes to triage unlocated, with the address kept.
    """
    from wangge.attachments.services import attachment_store
    from wangge.cases.models import Channel
    from wangge.cases.services import case_submit, intake_prepare, intake_store

    digest = request_digest(request, category_code=category.code, media=media)
    # A keyed retry is found by the case's unique key when it is written (below), so a keyed
    # post reads nothing first, unless a photo would be stored before that.
    if not idempotency_key or media is not None:
        earlier = _earlier_same_request(client, idempotency_key, digest)
        if earlier is not None:
            return earlier
    # Without an Idempotency-Key, the body itself is the key for this window: two copies of a
    # retry posted at once cannot both be taken (the case's unique key refuses the second).
    window = settings.OPEN311_DEDUPE_SECONDS
    key = (
        f"{client.pk}:{idempotency_key}"
        if idempotency_key
        else f"{client.pk}~{digest[:64]}~{int(timezone.now().timestamp() // max(window, 1))}"
    )
    photo = None
    if media is not None:
        # Stored first: a refused picture is a 400 and nothing else is written.
        photo = attachment_store(actor=None, upload=media, filename=media.name or "media.jpg")
    arguments: dict[str, Any] = {
        "actor": None,
        "channel": Channel.OPEN311,
        "title": category.name,
        "description": request.description or category.name,
        "lat": request.lat,
        "lng": request.lng,
        "address": request.address_string or request.address_id,
        "category_code": category.code,
        "contact_name": request.contact_name,
        "contact_phone": request.phone,
        "attachments": [photo] if photo else (),
        "idempotency_key": key[:100],
    }
    intake = intake_prepare(**arguments)
    record = Open311Request(
        body_digest=digest,
        case=intake.case,
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
    try:
        with transaction.atomic():
            intake_store(intake)
            _record_insert.insert([record])
        return record
    except IntegrityError:
        pass
    # A twin committed first (same key), or the case's code or id was taken: the common intake
    # sorts that out (its replay answers the first case).
    with transaction.atomic():
        submitted = case_submit(**arguments)
        case = submitted.case
        if submitted.replayed and hasattr(case, "open311"):
            _same_key_same_body(case.open311, digest)
            return case.open311
        record.pk, record.case = None, case
        record._state.adding = True
        record.save(force_insert=True)
        return record


def request_digest(request: NewRequest, *, category_code: str, media: UploadedFile | None) -> str:
    fields = {k: v for k, v in sorted(vars(request).items())}
    h = hashlib.sha256(json.dumps([category_code, fields], sort_keys=True, default=str).encode())
    if media is not None:
        for chunk in media.chunks():
            h.update(chunk)
        media.seek(0)
    return h.hexdigest()


# Every post's own row, beside the case's: its INSERT built once (wangge.core.compiled).
_record_insert = CompiledInsert(Open311Request)
# The newest earlier post of the same body by a client: read before every keyless post, so
# compiled once (wangge.core.compiled); the index o311_dedupe serves it.
_same_body = CompiledQuery(
    lambda client_id, digest: (
        Open311Request.objects.filter(client_id=client_id, body_digest=digest)
        .order_by("-created_at")
        .values_list("pk", "created_at")[:1]
    ),
    int,
    str,
)


def _earlier_same_request(
    client: ApiClient, idempotency_key: str | None, digest: str
) -> Open311Request | None:
    """The first answer to a retried post: same Idempotency-Key, or same body lately."""
    qs = Open311Request.objects.select_related("case").filter(client=client)
    if idempotency_key:
        earlier = qs.filter(case__idempotency_key=f"{client.pk}:{idempotency_key}").first()
        _same_key_same_body(earlier, digest)
        return earlier
    rows = _same_body.rows(client.pk, digest)
    window = timedelta(seconds=settings.OPEN311_DEDUPE_SECONDS)
    if not rows or rows[0][1] < timezone.now() - window:
        return None
    # The newest copy is in the window; the answer is the first one in it.
    return (
        qs.filter(body_digest=digest, created_at__gte=timezone.now() - window)
        .order_by("created_at")
        .first()
    )


def _same_key_same_body(earlier: Open311Request | None, digest: str) -> None:
    if earlier is not None and earlier.body_digest != digest:
        raise Unprocessable(
            _("该 Idempotency-Key 已用于内容不同的另一次提交"), code="idempotency_mismatch"
        )
