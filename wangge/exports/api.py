"""Export jobs over the API: start one, follow its progress, download the file (signed link,
the requester only, until it expires)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from wangge.accounts.requests import AuthedRequest
from wangge.core.api import ServiceError
from wangge.core.spreadsheets import SHEET_ANSWERS
from wangge.exports import selectors, services
from wangge.exports.models import ExportJob
from wangge.exports.registry import SPECS


class ExportJobOut(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    download_url = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "kind",
            "query",
            "fmt",
            "status",
            "status_label",
            "total_rows",
            "processed_rows",
            "percent",
            "error",
            "filename",
            "size_bytes",
            "created_at",
            "started_at",
            "finished_at",
            "expires_at",
            "download_url",
        ]

    def get_download_url(self, job: ExportJob) -> str | None:
        return services.download_url(job) if job.status == ExportJob.Status.DONE else None


class ExportJobIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=sorted(SPECS))
    query = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000,
        help_text="列表页的筛选条件（查询字符串，如 tag=独居老人&grid=350427001001）",
    )  # fmt: skip
    fmt = serializers.ChoiceField(choices=ExportJob.Format.choices, default="xlsx")


def job_response(job: ExportJob) -> Response:
    """201 when the file is ready (small lists run at once), 202 while it is being written."""
    status = 201 if job.status == ExportJob.Status.DONE else 202
    resp = Response(ExportJobOut(job).data, status=status)
    resp["Location"] = f"/api/v1/exports/{job.pk}/"
    return resp


class ExportJobListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ExportJobOut(many=True), summary="我的导出任务")
    def get(self, request: AuthedRequest) -> Response:
        jobs = selectors.export_job_list_for_user(request.user)[:50]
        return Response(ExportJobOut(jobs, many=True).data)

    @extend_schema(
        request=ExportJobIn,
        responses={201: ExportJobOut, 202: ExportJobOut},
        summary="导出筛选后的列表（后台生成）",
    )
    def post(self, request: AuthedRequest) -> Response:
        s = ExportJobIn(data=request.data)
        if not s.is_valid():
            raise ServiceError(_("导出参数有误：%(e)s") % {"e": s.errors}, code="invalid")
        d = s.validated_data
        job = services.export_job_create(
            actor=request.user, kind=d["kind"], query=d["query"], fmt=d["fmt"], request=request
        )
        return job_response(job)


class ExportJobDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ExportJobOut, summary="导出进度")
    def get(self, request: AuthedRequest, pk: int) -> Response:
        return Response(ExportJobOut(selectors.export_job_get_for_user(request.user, pk)).data)


class ExportDownloadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("t", str, required=True, description="签名下载令牌")],
        responses=SHEET_ANSWERS,
        summary="下载导出文件（仅申请人，链接到期失效）",
    )
    def get(self, request: AuthedRequest, pk: int) -> HttpResponse:
        job = selectors.export_job_get_for_user(request.user, pk)
        content, name, ctype = services.export_download(
            actor=request.user, job=job, token=request.query_params.get("t", ""), request=request
        )
        resp = HttpResponse(content, content_type=ctype)
        resp["Content-Disposition"] = f'attachment; filename="{name}"'
        resp["Cache-Control"] = "no-store"
        return resp
