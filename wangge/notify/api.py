"""The in-app inbox: every endpoint works on the caller's own messages only."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wangge.core.pagination import CursorCountedPage
from wangge.notify.models import InboxItem
from wangge.notify.selectors import inbox_get_for_user, inbox_list_for_user, inbox_unread_count
from wangge.notify.services import inbox_mark_read


class InboxItemOut(serializers.ModelSerializer):
    unread = serializers.SerializerMethodField()

    class Meta:
        model = InboxItem
        fields = [
            "id",
            "topic",
            "title",
            "body",
            "link",
            "payload",
            "created_at",
            "read_at",
            "unread",
        ]

    def get_unread(self, obj: InboxItem) -> bool:
        return obj.read_at is None


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


class InboxListView(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = InboxItemOut
    filter_backends: list = []
    # A district operator hears of every case: years of notices. Newest first by cursor, the
    # total counted up to 10,000.
    pagination_class = CursorCountedPage

    @extend_schema(
        parameters=[
            OpenApiParameter("unread", bool, description="只看未读"),
            OpenApiParameter("topic", str, description="按主题筛选，如 case.created"),
        ],
        summary="我的站内消息",
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return inbox_list_for_user(
            self.request.user,
            unread_only=_flag(params.get("unread")),
            topic=params.get("topic") or None,
        )


class UnreadCountOut(serializers.Serializer):
    unread = serializers.IntegerField()


class InboxUnreadCountView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=UnreadCountOut, summary="我的未读消息数")
    def get(self, request: Request) -> Response:
        return Response({"unread": inbox_unread_count(request.user)})


class InboxItemReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="inbox_item_read",
        request=None,
        responses=InboxItemOut,
        summary="标记一条消息为已读",
    )
    def post(self, request: Request, pk: int) -> Response:
        item = inbox_get_for_user(request.user, pk)
        inbox_mark_read(user=request.user, ids=[item.pk])
        item.refresh_from_db()
        return Response(InboxItemOut(item).data)


class MarkReadIn(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=1000
    )
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if not attrs.get("all") and not attrs.get("ids"):
            raise serializers.ValidationError(
                "请提供要标记的消息编号 ids，或 all=true 全部标记已读"
            )
        return attrs


class MarkedOut(serializers.Serializer):
    marked = serializers.IntegerField()


class InboxMarkReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="inbox_mark_read",
        request=MarkReadIn,
        responses=MarkedOut,
        summary="批量标记已读",
    )
    def post(self, request: Request) -> Response:
        data = MarkReadIn(data=request.data)
        data.is_valid(raise_exception=True)
        ids = None if data.validated_data["all"] else data.validated_data["ids"]
        return Response({"marked": inbox_mark_read(user=request.user, ids=ids)})
