"""Statistics API (/api/v1/stats/…): thin views over `wangge.stats.selectors`.

Every endpoint takes the common filters start, end (YYYY-MM-DD, inclusive, Asia/Shanghai days of
report), grid (a subtree), category (code prefix), channel and department; it answers only for
the caller's scope, and reads only the summary tables.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wangge.core.api import ServiceError
from wangge.stats import selectors
from wangge.stats.assessment import assessment
from wangge.stats.exporting import stats_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FILTERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="开始日期（含），默认结束前 29 天"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="结束日期（含），默认今天"),
    OpenApiParameter("grid", str, description="网格编码：只统计该网格及其下级"),
    OpenApiParameter("category", str, description="事件类别编码或前缀（如 E01）"),
    OpenApiParameter("channel", str, description="渠道：h5 patrol phone hotline chat open311 api"),
    OpenApiParameter("department", str, description="处置部门编码"),
]


class IndicatorsOut(serializers.Serializer):
    registered = serializers.IntegerField(help_text="反映数（含不予立案、合并）")
    accepted = serializers.IntegerField(help_text="立案数")
    due = serializers.IntegerField(help_text="应结案数")
    closed = serializers.IntegerField(help_text="结案数")
    closed_on_time = serializers.IntegerField(help_text="按期结案数")
    suspended = serializers.IntegerField(help_text="缓办（挂账）数")
    reworked = serializers.IntegerField(help_text="返工件数")
    extended = serializers.IntegerField(help_text="延期件数")
    responded = serializers.IntegerField(help_text="已认领件数")
    responded_on_time = serializers.IntegerField(help_text="响应时限内认领件数")
    rated = serializers.IntegerField(help_text="有群众评价（最近一次）的件数")
    satisfied = serializers.IntegerField(help_text="满意及基本满意件数")
    solve_answered = serializers.IntegerField(help_text="回答了“问题解决了吗”的件数")
    solved = serializers.IntegerField(help_text="答“已解决”的件数")
    followed_up = serializers.IntegerField(help_text="结案且本次办结已有评价（本人或回访）的件数")
    open = serializers.IntegerField(help_text="在办件数")
    overdue_open = serializers.IntegerField(help_text="超期在办件数")
    completion_rate = serializers.FloatField(
        allow_null=True, help_text="结案率 = 结案/(应结案−缓办)"
    )
    on_time_rate = serializers.FloatField(allow_null=True, help_text="按期结案率")
    rework_rate = serializers.FloatField(allow_null=True, help_text="返工率 = 返工/立案")
    extension_rate = serializers.FloatField(allow_null=True, help_text="延期率 = 延期/立案")
    response_rate = serializers.FloatField(
        allow_null=True, help_text="响应率 = 响应时限内认领/立案"
    )
    response_on_time_rate = serializers.FloatField(
        allow_null=True, help_text="按时响应率 = 响应时限内认领/已认领"
    )
    solved_rate = serializers.FloatField(allow_null=True, help_text="解决率 = 已解决/答复解决情况")
    satisfaction_rate = serializers.FloatField(
        allow_null=True, help_text="满意率 = (满意+基本满意)/评价"
    )
    follow_up_rate = serializers.FloatField(allow_null=True, help_text="回访率 = 已回访/结案")
    mean_claim_hours = serializers.FloatField(allow_null=True)
    mean_resolve_hours = serializers.FloatField(allow_null=True)


class SummaryOut(IndicatorsOut):
    median_claim_hours = serializers.FloatField(allow_null=True, help_text="认领用时中位数（小时）")
    median_resolve_hours = serializers.FloatField(
        allow_null=True, help_text="处置用时中位数（小时）"
    )


class GroupOut(IndicatorsOut):
    key = serializers.CharField()
    name = serializers.CharField()


class TrendOut(IndicatorsOut):
    period = serializers.DateField()


class DensityOut(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    open = serializers.IntegerField()
    overdue_open = serializers.IntegerField()
    area_km2 = serializers.FloatField(allow_null=True)
    open_per_km2 = serializers.FloatField(allow_null=True)


class RankingOut(serializers.Serializer):
    indicator = serializers.CharField()
    min_cases = serializers.IntegerField()
    top = GroupOut(many=True)
    bottom = GroupOut(many=True)
    small_samples = serializers.ListField(child=serializers.DictField())


def _query(request: Request) -> selectors.StatsQuery:
    p = request.query_params
    return selectors.stats_query_for_user(
        request.user,
        start=p.get("start"),
        end=p.get("end"),
        grid=p.get("grid"),
        category=p.get("category"),
        channel=p.get("channel"),
        department=p.get("department"),
    )


def _int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ServiceError(f"参数 {name} 须为整数", code="bad_integer") from None


class StatsView(APIView):
    permission_classes = [IsAuthenticated]


class SummaryView(StatsView):
    @extend_schema(parameters=FILTERS, responses=SummaryOut, summary="综合指标", tags=["stats"])
    def get(self, request: Request) -> Response:
        return Response(selectors.summary(_query(request)))


class BreakdownView(StatsView):
    @extend_schema(
        parameters=[
            *FILTERS,
            OpenApiParameter(
                "by",
                str,
                required=True,
                enum=["category", "channel", "grid", "department"],
                description="分组：类别、渠道、下级网格（所选网格的下一级）或处置部门",
            ),
        ],
        responses=GroupOut(many=True),
        summary="分组指标",
        tags=["stats"],
    )
    def get(self, request: Request) -> Response:
        sq = _query(request)
        return Response(selectors.breakdown(sq, request.query_params.get("by", "")))


class TrendView(StatsView):
    @extend_schema(
        parameters=[
            *FILTERS,
            OpenApiParameter("interval", str, enum=["day", "week", "month"], description="粒度"),
        ],
        responses=TrendOut(many=True),
        summary="趋势（按反映日期）",
        tags=["stats"],
    )
    def get(self, request: Request) -> Response:
        sq = _query(request)
        return Response(selectors.trend(sq, request.query_params.get("interval", "day")))


class DensityView(StatsView):
    @extend_schema(
        parameters=FILTERS,
        responses=DensityOut(many=True),
        summary="下级网格在办密度（地图）",
        tags=["stats"],
    )
    def get(self, request: Request) -> Response:
        return Response(selectors.density(_query(request)))


class RankingView(StatsView):
    @extend_schema(
        parameters=[
            *FILTERS,
            OpenApiParameter("by", str, required=True, enum=["grid", "department"]),
            OpenApiParameter("indicator", str, enum=list(selectors.RANK_INDICATORS)),
            OpenApiParameter("limit", int, description="名次数，1–50，默认 5"),
        ],
        responses=RankingOut,
        summary="前后排名（样本不足者单列）",
        tags=["stats"],
    )
    def get(self, request: Request) -> Response:
        sq = _query(request)
        p = request.query_params
        return Response(
            selectors.ranking(
                sq,
                by=p.get("by", ""),
                indicator=p.get("indicator", "completion_rate"),
                limit=_int_param(request, "limit", 5),
            )
        )


class AssessmentView(StatsView):
    @extend_schema(
        parameters=[*FILTERS, OpenApiParameter("scheme", int, description="考核方案 id")],
        responses=OpenApiTypes.OBJECT,
        summary="考核排名",
        tags=["stats"],
    )
    def get(self, request: Request) -> Response:
        sq = _query(request)
        scheme = request.query_params.get("scheme")
        return Response(assessment(sq, _int_param(request, "scheme", 0) if scheme else None))


class CockpitView(StatsView):
    @extend_schema(
        parameters=[
            *FILTERS,
            OpenApiParameter("interval", str, enum=["day", "week", "month"]),
        ],
        responses=OpenApiTypes.OBJECT,
        summary="驾驶舱数据（页面所示即此）",
        tags=["stats"],
    )
    def get(self, request: Request) -> Response:
        sq = _query(request)
        return Response(selectors.cockpit(sq, interval=request.query_params.get("interval", "day")))


class ExportView(StatsView):
    @extend_schema(
        parameters=FILTERS,
        responses={(200, XLSX): OpenApiTypes.BINARY},
        summary="导出 Excel：汇总及按网格、类别、渠道、部门的全部指标",
        tags=["stats"],
    )
    def get(self, request: Request) -> HttpResponse:
        sq = _query(request)
        response = HttpResponse(stats_xlsx(sq), content_type=XLSX)
        params = sq.as_params()
        response["Content-Disposition"] = (
            f'attachment; filename="stats-{params["start"]}-{params["end"]}.xlsx"'
        )
        return response
