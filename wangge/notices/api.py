"""REST endpoints of notices: thin views over the scoped selectors and the services."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wangge.attachments.models import Attachment
from wangge.core.api import NotFound, ServiceError
from wangge.core.pagination import CountedPage
from wangge.council.access import is_staff_for
from wangge.council.apiutil import flag, grid_by_code, paged
from wangge.notices import services
from wangge.notices.models import Notice, NoticeState
from wangge.notices.selectors import (
    notice_get_for_user,
    notice_list_for_user,
    notice_read_counts,
    notice_targets,
    subscriptions_for,
)


class NoticeOut(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.__str__")
    state_display = serializers.CharField(source="get_state_display")
    recipient_count = serializers.IntegerField(read_only=True, default=None, allow_null=True)
    read_count = serializers.IntegerField(read_only=True, default=None, allow_null=True)

    class Meta:
        model = Notice
        fields = [
            "id",
            "title",
            "body",
            "urgent",
            "author_name",
            "state",
            "state_display",
            "published_at",
            "expires_at",
            "withdrawn_at",
            "withdraw_reason",
            "recipient_count",
            "read_count",
        ]


class NoticeDetailOut(NoticeOut):
    targets = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    reads = serializers.SerializerMethodField()

    class Meta(NoticeOut.Meta):
        fields = [*NoticeOut.Meta.fields, "targets", "attachments", "reads"]

    def get_targets(self, n: Notice) -> list[dict]:
        return [{"code": g.code, "name": g.name} for g in notice_targets(n)]

    def get_attachments(self, n: Notice) -> list[dict]:
        from django.contrib.contenttypes.models import ContentType

        ct = ContentType.objects.get_for_model(Notice)
        rows = Attachment.objects.filter(owner_type=ct, owner_id=str(n.pk)).order_by("linked_at")
        return [
            {
                "id": str(a.pk),
                "url": f"/attachments/{a.pk}/",
                "thumb_url": f"/attachments/{a.pk}/thumb/",
            }
            for a in rows
        ]

    def get_reads(self, n: Notice) -> list[dict] | None:
        # Read counts are for the author and the staff above them, not for every reader.
        user = self.context["user"]
        if n.author_id != user.pk and not is_staff_for(user, n.unit_path):
            return None
        return [r.__dict__ for r in notice_read_counts(n)]


class PublishIn(serializers.Serializer):
    title = serializers.CharField(allow_blank=True, default="")
    body = serializers.CharField(allow_blank=True, default="")
    grids = serializers.ListField(child=serializers.CharField(), default=list)
    urgent = serializers.BooleanField(required=False, default=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    attachments = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, max_length=9
    )


class WithdrawIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class SubscribeIn(serializers.Serializer):
    grid = serializers.CharField()


def _valid(cls: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    s = cls(data=data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def _detail(request: Request, pk: int) -> dict:
    return NoticeDetailOut(
        notice_get_for_user(request.user, pk), context={"user": request.user}
    ).data


class NoticeListView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CountedPage  # declares the page it answers (schema only)

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, enum=NoticeState.values),
            OpenApiParameter("urgent", bool),
            OpenApiParameter("live", bool, description="只看有效（未撤回、未过期）的"),
            OpenApiParameter("grid", str, description="发送范围中的网格编码"),
            OpenApiParameter("q", str),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
        ],
        responses=NoticeOut(many=True),
        summary="通知公告列表（我收到的、我发布的、管辖范围内的）",
    )
    def get(self, request: Request) -> Response:
        p = request.query_params
        state = p.get("state") or None
        if state and state not in NoticeState.values:
            raise ServiceError(_("未知状态：%(s)s") % {"s": state})
        qs = notice_list_for_user(
            request.user,
            state=state,
            urgent=flag(request, "urgent"),
            live_only=bool(flag(request, "live")),
            grid=p.get("grid") or None,
            q=p.get("q") or None,
        )
        return Response(paged(request, qs, lambda rows: NoticeOut(rows, many=True).data))

    @extend_schema(request=PublishIn, responses={201: NoticeDetailOut}, summary="发布通知")
    def post(self, request: Request) -> Response:
        v = _valid(PublishIn, request.data)
        if not v["grids"]:
            raise ServiceError(_("请选择发送范围（至少一个网格）"), code="no_target")
        notice = services.notice_publish(
            actor=request.user,
            title=v["title"],
            body=v["body"],
            grids=[grid_by_code(c) for c in v["grids"]],
            urgent=v["urgent"],
            expires_at=v["expires_at"],
            attachments=v["attachments"],
        )
        return Response(_detail(request, notice.pk), status=201)


class NoticeDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=NoticeDetailOut, summary="通知详情（发布人可见各网格阅读情况）")
    def get(self, request: Request, pk: int) -> Response:
        return Response(_detail(request, pk))


class NoticeReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=NoticeDetailOut, summary="标记已读")
    def post(self, request: Request, pk: int) -> Response:
        notice = notice_get_for_user(request.user, pk)
        services.notice_mark_read(actor=request.user, notice=notice)
        return Response(_detail(request, pk))


class NoticeWithdrawView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=WithdrawIn, responses=NoticeDetailOut, summary="撤回通知（各处同时撤下）"
    )
    def post(self, request: Request, pk: int) -> Response:
        notice = notice_get_for_user(request.user, pk)
        v = _valid(WithdrawIn, request.data)
        services.notice_withdraw(actor=request.user, notice=notice, reason=v["reason"])
        return Response(_detail(request, pk))


class SubscriptionOut(serializers.Serializer):
    grid = serializers.CharField()
    name = serializers.CharField()
    id = serializers.IntegerField(required=False)


class SubscriptionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=SubscriptionOut(many=True), summary="我订阅的网格")
    def get(self, request: Request) -> Response:
        return Response(
            [{"grid": s.grid.code, "name": s.grid.name} for s in subscriptions_for(request.user)]
        )

    @extend_schema(
        request=SubscribeIn, responses={201: SubscriptionOut}, summary="订阅所住网格的通知"
    )
    def post(self, request: Request) -> Response:
        v = _valid(SubscribeIn, request.data)
        grid = grid_by_code(v["grid"])
        sub = services.notice_subscribe(actor=request.user, grid=grid)
        return Response({"grid": grid.code, "name": grid.name, "id": sub.pk}, status=201)

    @extend_schema(request=SubscribeIn, responses={204: None}, summary="取消订阅")
    def delete(self, request: Request) -> Response:
        v = _valid(SubscribeIn, request.data)
        if not services.notice_unsubscribe(actor=request.user, grid=grid_by_code(v["grid"])):
            raise NotFound(_("您没有订阅该网格"), code="not_subscribed")
        return Response(status=204)
