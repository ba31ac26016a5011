"""The chat relay's inbound webhook: POST /api/v1/chat/webhook/ (signed, see docs/chat.md)."""

from __future__ import annotations

import json
from typing import IO, Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wangge.chat.services import MAX_IMAGES, Inbound, group_for_relay, message_receive
from wangge.core.api import ServiceError
from wangge.notify.signing import verify


class RawParser(BaseParser):
    """Keep the body bytes exactly as received: the signature is computed over them."""

    media_type = "*/*"

    def parse(
        self, stream: IO[Any] | None, media_type: str | None = None, parser_context: Any = None
    ) -> dict[str, bytes]:
        return {"body": stream.read() if stream is not None else b""}


class SenderIn(serializers.Serializer):
    id = serializers.CharField(max_length=100)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ImageIn(serializers.Serializer):
    url = serializers.URLField(required=False, max_length=500)
    # A request key; the serializer metaclass moves declared fields off the class, so this never
    # shadows `Serializer.data`.
    data = serializers.CharField(required=False)  # type: ignore[assignment]
    filename = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)

    def validate(self, attrs):
        if bool(attrs.get("url")) == bool(attrs.get("data")):
            raise serializers.ValidationError(_("每张图片须给出 url 或 data 之一"))
        return attrs


class MessageIn(serializers.Serializer):
    group_id = serializers.CharField(max_length=100)
    message_id = serializers.CharField(max_length=100)
    sender = SenderIn()
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    mentions = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list, max_length=50
    )
    images = serializers.ListField(
        child=ImageIn(), required=False, default=list, max_length=MAX_IMAGES
    )
    sent_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class Unauthorized(ServiceError):
    status_code = 401
    code = "signature"


class ChatWebhookView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [RawParser]

    @extend_schema(request=MessageIn, summary="网格群消息接收（HMAC-SHA256 签名）")
    def post(self, request: Request) -> Response:
        parsed = request.data.get("body") if isinstance(request.data, dict) else None
        raw: bytes = parsed if isinstance(parsed, bytes) else b""
        try:
            body = json.loads(raw)
            group_id = str(body.get("group_id", ""))
        except (ValueError, AttributeError):
            body, group_id = None, ""
        group = group_for_relay(group_id) if body else None
        # Unknown group, bad JSON and bad signature look the same: nothing to learn by probing.
        if group is None or not verify(
            group.secret,
            request.headers.get("X-Wangge-Timestamp", ""),
            raw,
            request.headers.get("X-Wangge-Signature", ""),
        ):
            raise Unauthorized(_("签名无效或已过期"))
        data = MessageIn(data=body)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        inbound = Inbound(
            message_id=v["message_id"],
            sender_id=v["sender"]["id"],
            sender_name=v["sender"]["name"],
            text=v["text"],
            mentions=v["mentions"],
            image_urls=[i["url"] for i in v["images"] if i.get("url")],
            uploads=[(i["filename"], i["data"]) for i in v["images"] if i.get("data")],
            sent_at=v["sent_at"],
        )
        result = message_receive(group=group, inbound=inbound)
        return Response(
            {
                "result": result.kind,
                "tracking_code": result.case.tracking_code if result.case else None,
            }
        )
