"""Hotline API: push (per-source key), file import (operators), 回单 export, phone entry."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wangge.cases.models import Channel
from wangge.cases.services import case_submit
from wangge.core.api import ERROR_RESPONSE, ServiceError
from wangge.hotline.exporting import replies_csv, replies_xlsx
from wangge.hotline.models import HotlineImport
from wangge.hotline.selectors import (
    import_get_for_user,
    orders_for_export,
    source_get_for_user,
)
from wangge.hotline.services import import_start, order_push, source_authenticate

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class HotlineOrderIn(serializers.Serializer):
    order_no = serializers.CharField(max_length=64)
    received_at = serializers.CharField()
    caller_name = serializers.CharField(required=False, allow_blank=True, default="")
    caller_phone = serializers.CharField(required=False, allow_blank=True, default="")
    content = serializers.CharField(max_length=4000)
    address = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.CharField(required=False, allow_blank=True, default="")
    deadline = serializers.CharField(required=False, allow_blank=True, allow_null=True)


class HotlinePushOut(serializers.Serializer):
    order_no = serializers.CharField()
    tracking_code = serializers.CharField()
    outcome = serializers.CharField()


class PushView(APIView):
    """POST /api/v1/hotline/sources/<code>/orders/ with `Authorization: Hotline <key>`."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=HotlineOrderIn,
        responses={
            200: HotlinePushOut,
            201: HotlinePushOut,
            (400, "application/json"): ERROR_RESPONSE,
            (401, "application/json"): ERROR_RESPONSE,
            (403, "application/json"): ERROR_RESPONSE,
            (404, "application/json"): ERROR_RESPONSE,
        },
        summary="热线平台推送工单（按工单编号幂等）",
    )
    def post(self, request: Request, code: str) -> Response:
        header = request.headers.get("Authorization", "")
        key = header[len("Hotline ") :] if header.startswith("Hotline ") else ""
        source = source_authenticate(code, key)
        data = HotlineOrderIn(data=request.data)
        data.is_valid(raise_exception=True)
        result = order_push(source=source, data=dict(data.validated_data))
        body = {
            "order_no": result.order.order_no,
            "tracking_code": result.order.case.tracking_code,
            "outcome": result.outcome,
        }
        created = result.outcome == "created"
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ImportOut(serializers.ModelSerializer):
    # The response key is "source"; the serializer metaclass moves declared fields off the
    # class, so this never shadows `Field.source`.
    source = serializers.CharField(source="source.code")  # type: ignore[assignment]

    class Meta:
        model = HotlineImport
        fields = [
            "id",
            "source",
            "filename",
            "status",
            "total",
            "created",
            "updated",
            "unchanged",
            "rejected",
            "rejects",
            "error",
            "created_at",
            "finished_at",
        ]


class ImportView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "HotlineImportIn", {"file": serializers.FileField()}
            )
        },
        responses={202: ImportOut},
        summary="上传热线工单文件（Excel/CSV），后台导入",
    )
    def post(self, request: Request, code: str) -> Response:
        source = source_get_for_user(request.user, code)
        upload = request.FILES.get("file")
        if upload is None:
            raise ServiceError(_("请上传文件（字段 file）"), code="file")
        run = import_start(
            actor=request.user, source=source, filename=upload.name or "", data=upload
        )
        return Response(ImportOut(run).data, status=status.HTTP_202_ACCEPTED)


class ImportDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="导入进度与拒收明细", responses=ImportOut)
    def get(self, request: Request, pk: int) -> Response:
        return Response(ImportOut(import_get_for_user(request.user, pk)).data)


class RepliesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATETIME, description="受理时间起"),
            OpenApiParameter("until", OpenApiTypes.DATETIME, description="受理时间止"),
            OpenApiParameter("filetype", str, enum=["xlsx", "csv"], default="xlsx"),
        ],
        responses={
            (200, XLSX): OpenApiTypes.BINARY,
            (200, "text/csv"): OpenApiTypes.STR,
        },
        summary="导出回单（filetype=xlsx|csv，可按受理时间 since/until 筛选）",
    )
    def get(self, request: Request, code: str) -> HttpResponse:
        source = source_get_for_user(request.user, code)
        bounds = {}
        for name in ("since", "until"):
            raw = request.query_params.get(name)
            if raw:
                moment = parse_datetime(raw.replace(" ", "+"))
                if moment is None:
                    raise ServiceError(_("%(n)s 时间格式不正确") % {"n": name}, code=name)
                bounds[name] = moment
        orders = orders_for_export(source, **bounds)
        fmt = request.query_params.get("filetype", "xlsx")
        if fmt == "csv":
            body, ctype = replies_csv(orders), "text/csv; charset=utf-8"
        elif fmt == "xlsx":
            body = replies_xlsx(orders)
            ctype = XLSX
        else:
            raise ServiceError(_("filetype 只能是 xlsx 或 csv"), code="filetype")
        response = HttpResponse(body, content_type=ctype)
        response["Content-Disposition"] = f'attachment; filename="replies-{source.code}.{fmt}"'
        return response


class PhoneCaseIn(serializers.Serializer):
    description = serializers.CharField(max_length=4000)
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    caller_name = serializers.CharField(required=False, allow_blank=True, default="")
    caller_phone = serializers.CharField(required=False, allow_blank=True, default="")
    address = serializers.CharField(required=False, allow_blank=True, default="")
    lat = serializers.FloatField(required=False, allow_null=True, default=None)
    lng = serializers.FloatField(required=False, allow_null=True, default=None)
    crs = serializers.CharField(required=False, default="wgs84")
    category = serializers.CharField(required=False, allow_blank=True, default="")


class PhoneCaseOut(serializers.Serializer):
    tracking_code = serializers.CharField()
    state = serializers.CharField()


class PhoneCaseView(APIView):
    """POST /api/v1/phone/cases/ — an operator types in a call (channel "phone")."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=PhoneCaseIn,
        responses={200: PhoneCaseOut, 201: PhoneCaseOut},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key", str, OpenApiParameter.HEADER, description="重试时原样带上"
            )
        ],
        summary="电话受理录入",
    )
    def post(self, request: Request) -> Response:
        data = PhoneCaseIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        submitted = case_submit(
            actor=request.user,
            channel=Channel.PHONE,
            description=v["description"],
            title=v["title"],
            lat=v["lat"],
            lng=v["lng"],
            crs=v["crs"],
            address=v["address"],
            category_code=v["category"] or None,
            contact_name=v["caller_name"],
            contact_phone=v["caller_phone"],
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        return Response(
            {"tracking_code": submitted.case.tracking_code, "state": submitted.case.state},
            status=status.HTTP_200_OK if submitted.replayed else status.HTTP_201_CREATED,
        )
