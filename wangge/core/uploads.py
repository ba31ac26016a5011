"""A request body never grows past its path's cap, whether or not it declared a length."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest


def body_cap(request: HttpRequest) -> int:
    """The most bytes a request to this path may carry (settings.BODY_LIMITS)."""
    for prefix, cap in settings.BODY_LIMITS:
        if request.path.startswith(prefix):
            return int(cap)
    if request.META.get("CONTENT_TYPE", "").startswith("multipart/"):
        return int(settings.BODY_UPLOAD_FORM_MAX_BYTES)
    return int(settings.BODY_MAX_BYTES)


class SizeCappedUploadHandler(FileUploadHandler):
    """First in the chain: counts every file byte as it streams and stops past the cap.

    The files themselves are kept by the next handlers (memory, then a temporary file); this
    one only refuses, so a body with no or a false Content-Length still cannot fill the disk.
    """

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.total = 0
        self.cap = body_cap(request) if request is not None else settings.BODY_MAX_BYTES

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.total += len(raw_data)
        if self.total > self.cap:
            raise RequestDataTooBig(f"上传内容超过 {self.cap // (1024 * 1024)} MB 上限")
        return raw_data

    def file_complete(self, file_size: int) -> Any:
        return None
