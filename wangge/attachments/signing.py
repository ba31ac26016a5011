"""Attachment URLs, optionally signed for a page that has already checked access.

A signed URL lets a viewer without an account fetch one photo for a limited time — the
resident who looks up a case by its tracking code sees the handler's photos although the
case's access check knows nothing of tracking codes. The page that decided the viewer may
see the owner row signs the URLs it renders; the signature covers the attachment id only and
expires after WANGGE_ATTACHMENT_SIGNED_URL_SECONDS (one hour by default).
"""

from __future__ import annotations

from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.urls import reverse

from wangge.attachments.models import Attachment

SALT = "wangge.attachments.url"
SIGNATURE_PARAM = "s"


def signed_url_max_age() -> int:
    return int(getattr(settings, "WANGGE_ATTACHMENT_SIGNED_URL_SECONDS", 3600))


def attachment_url(attachment: Attachment, *, thumb: bool = False, signed: bool = False) -> str:
    """The path of the photo (or its thumbnail); with `signed`, viewable by anyone for a while.

    Sign only after checking that the viewer may see the owner row.
    """
    url = reverse("attachments:thumb" if thumb else "attachments:file", args=[attachment.pk])
    if signed:
        token = signing.TimestampSigner(salt=SALT).sign(str(attachment.pk))
        url += "?" + urlencode({SIGNATURE_PARAM: token})
    return url


def signature_valid(token: str, attachment_id: UUID) -> bool:
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=signed_url_max_age())
    except signing.BadSignature:  # also SignatureExpired
        return False
    return value == str(attachment_id)
