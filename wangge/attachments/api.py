"""Upload API: POST a photo, get back the id a later submission references."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from wangge.attachments.models import Attachment
from wangge.attachments.selectors import attachment_get_for_user
from wangge.attachments.services import attachment_store, too_large_error, upload_max_bytes
from wangge.attachments.signing import attachment_url
from wangge.attachments.views import remember_session_upload, session_upload_ids
from wangge.core.api import ServiceError

# Room for the multipart envelope and the small text fields around the file.
MULTIPART_SLACK_BYTES = 64 * 1024


class SizeCapUploadHandler(FileUploadHandler):
    """Stops reading a file part as soon as it passes the cap, instead of spooling it all.

    Django would otherwise stream the whole body to a temporary file first. After a stop the
    file is missing from request.FILES and `exceeded` tells the view why.
    """

    def __init__(self, request: HttpRequest, max_bytes: int):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.max_bytes:
            self.exceeded = True
            # connection_reset=False: the rest of the body is read and dropped, so the client
            # gets the 413 answer instead of a broken connection.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class UploadThrottled(exceptions.Throttled):
    default_detail = gettext_lazy("上传太频繁了。")
    extra_detail_singular = extra_detail_plural = "请 {wait} 秒后再试。"


class AnonymousUploadThrottle(AnonRateThrottle):
    """Per client IP, for residents who report without an account (cache-based counter)."""

    scope = "attachments_anon"

    def get_rate(self) -> str:
        return getattr(settings, "WANGGE_UPLOAD_ANON_RATE", "30/hour")


class UserUploadThrottle(UserRateThrottle):
    """Per account: generous (a patrol takes many photos) but bounded."""

    scope = "attachments_user"

    def get_rate(self) -> str:
        return getattr(settings, "WANGGE_UPLOAD_USER_RATE", "600/hour")

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None  # anonymous requests are counted by AnonymousUploadThrottle
        return super().get_cache_key(request, view)


class AttachmentOut(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumb_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "purpose",
            "content_type",
            "size",
            "width",
            "height",
            "sha256",
            "original_name",
            "created_at",
            "url",
            "thumb_url",
        ]

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_url(self, obj: Attachment) -> str:
        return self._absolute(attachment_url(obj))

    def get_thumb_url(self, obj: Attachment) -> str:
        return self._absolute(attachment_url(obj, thumb=True))


class AttachmentUploadIn(serializers.Serializer):
    # Documentation of the multipart form; the view reads request.FILES itself so that every
    # refusal carries the service's own message.
    file = serializers.FileField(help_text="JPEG、PNG 或 WebP 图片，一次一张")
    purpose = serializers.ChoiceField(
        choices=Attachment.Purpose.choices, default=Attachment.Purpose.PHOTO, required=False
    )


class AttachmentUploadView(APIView):
    """Anyone may upload (anonymous residents report too); anonymous uploads are rate
    limited per IP. The returned id goes into the later submission (a report, a handling
    result, a patrol record), which links the photo to what it belongs to."""

    permission_classes = [AllowAny]
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [AnonymousUploadThrottle, UserUploadThrottle]

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        # Installed before anything (the CSRF check of session users included) reads the body.
        self.size_cap = SizeCapUploadHandler(request, upload_max_bytes())
        if request.method == "POST":
            request.upload_handlers.insert(0, self.size_cap)
        return super().initialize_request(request, *args, **kwargs)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # An honest Content-Length over the cap is refused before a byte of the body is read.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > upload_max_bytes() + MULTIPART_SLACK_BYTES:
            raise too_large_error()
        super().initial(request, *args, **kwargs)

    def throttled(self, request: Request, wait: float | None) -> NoReturn:
        raise UploadThrottled(wait)

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadIn},
        responses={
            201: AttachmentOut,
            400: OpenApiResponse(description="不是 JPEG/PNG/WebP、已损坏或尺寸过大"),
            413: OpenApiResponse(description="超过大小上限"),
            429: OpenApiResponse(description="上传太频繁"),
        },
        summary="上传一张图片",
    )
    def post(self, request: Request) -> Response:
        files = request.FILES.getlist("file")
        if self.size_cap.exceeded:
            raise too_large_error()
        if not files:
            raise ServiceError(_("请选择要上传的图片（表单字段 file）"), code="no_file")
        if len(files) > 1:
            raise ServiceError(_("一次只能上传一张图片"), code="too_many_files")
        form = request.data if isinstance(request.data, dict) else {}
        purpose = form.get("purpose") or Attachment.Purpose.PHOTO
        attachment = attachment_store(actor=request.user, upload=files[0], purpose=purpose)
        if not request.user.is_authenticated:
            remember_session_upload(request._request, attachment)
        return Response(
            AttachmentOut(attachment, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class AttachmentDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=AttachmentOut, summary="图片信息（上传人或有权查看所属记录的人）")
    def get(self, request: Request, pk: Any) -> Response:
        attachment = attachment_get_for_user(
            request.user, pk, session_ids=session_upload_ids(request._request)
        )
        return Response(AttachmentOut(attachment, context={"request": request}).data)
