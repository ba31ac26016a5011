"""Serving stored photos. The only way to a file: MEDIA_ROOT is never published."""

from __future__ import annotations

import logging
from uuid import UUID

from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponseNotModified
from django.http.response import FileResponse, HttpResponseBase
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_safe
from rest_framework.exceptions import AuthenticationFailed

from wangge.accounts.tokens import key_from_header, token_authenticate
from wangge.attachments.models import Attachment
from wangge.attachments.selectors import attachment_get_for_user
from wangge.attachments.signing import SIGNATURE_PARAM, signature_valid
from wangge.core.api import NotFound

logger = logging.getLogger(__name__)

SESSION_KEY = "attachments.uploaded"
# Browsers may keep a photo for an hour, never shared caches (proxies, CDNs).
CACHE_SECONDS = 3600


def session_upload_ids(request: HttpRequest) -> list[str]:
    session = getattr(request, "session", None)
    return list(session.get(SESSION_KEY, [])) if session is not None else []


def remember_session_upload(request: HttpRequest, attachment: Attachment) -> None:
    """Let an anonymous uploader see their own upload (form previews) in this session."""
    session = getattr(request, "session", None)
    if session is None:
        return
    # The most recent 50 are enough for a form of nine photos and keep the session small.
    session[SESSION_KEY] = [*session.get(SESSION_KEY, []), str(attachment.pk)][-50:]


def _request_user(request: HttpRequest):
    """The session user, or the user of an `Authorization: Token …` header (mobile apps)."""
    user = request.user
    if user.is_authenticated:
        return user
    key = key_from_header(request.headers.get("Authorization", ""))
    if key:
        try:
            return token_authenticate(key)[0]
        except AuthenticationFailed:
            return user
    return user


def _lookup(request: HttpRequest, pk: UUID) -> Attachment:
    token = request.GET.get(SIGNATURE_PARAM)
    if token and signature_valid(token, pk):
        attachment = Attachment.objects.filter(pk=pk).first()
        if attachment is not None:
            return attachment
        raise Http404
    try:
        return attachment_get_for_user(
            _request_user(request), pk, session_ids=session_upload_ids(request)
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _protect(response: HttpResponseBase) -> HttpResponseBase:
    response["X-Content-Type-Options"] = "nosniff"
    # Opened on its own, the picture may load nothing and run nothing.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    patch_cache_control(response, private=True, max_age=CACHE_SECONDS)
    patch_vary_headers(response, ["Cookie", "Authorization"])
    return response


def _serve(request: HttpRequest, pk: UUID, *, thumb: bool) -> HttpResponseBase:
    attachment = _lookup(request, pk)
    etag = f'"{attachment.sha256[:32]}{"-t" if thumb else ""}"'
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        not_modified = HttpResponseNotModified()
        not_modified["ETag"] = etag
        return _protect(not_modified)
    name = attachment.thumb_name if thumb else attachment.storage_name
    try:
        fh = default_storage.open(name, "rb")
    except OSError as exc:
        logger.error("attachments: file %s of %s is missing from storage", name, attachment.pk)
        raise Http404 from exc
    stem = (attachment.original_name.rsplit(".", 1)[0] or "photo")[:80]
    ext = "jpg" if thumb else attachment.extension
    response = FileResponse(
        fh,
        content_type="image/jpeg" if thumb else attachment.content_type,
        as_attachment=False,
        filename=f"{stem}{'-thumb' if thumb else ''}.{ext}",
    )
    response["ETag"] = etag
    return _protect(response)


@require_safe
def attachment_file(request: HttpRequest, pk: UUID) -> HttpResponseBase:
    return _serve(request, pk, thumb=False)


@require_safe
def attachment_thumb(request: HttpRequest, pk: UUID) -> HttpResponseBase:
    return _serve(request, pk, thumb=True)
