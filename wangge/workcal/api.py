"""Read-only calendar API: which days are working days, and a deadline preview.

A `grid` parameter applies that grid's local entries; it must lie in the caller's scope (404
otherwise, as for every grid lookup).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wangge.grids.selectors import grid_get_for_user
from wangge.workcal.calendar import SHANGHAI, TimeUnit, WorkCalendar, deadline_add, get_calendar

MAX_RANGE_DAYS = 400


def _calendar_for(request: Request, grid_code: str | None, hours: str | None) -> WorkCalendar:
    grid_path = grid_get_for_user(request.user, grid_code).path if grid_code else None
    return get_calendar(hours=hours or None, grid_path=grid_path)


class DaysIn(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    grid = serializers.CharField(required=False, max_length=20)
    only_exceptions = serializers.BooleanField(required=False, default=True)

    def validate(self, attrs):
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError(_("结束日期不能早于开始日期"))
        if (attrs["end"] - attrs["start"]).days >= MAX_RANGE_DAYS:
            raise serializers.ValidationError(
                _("日期范围不能超过 %(n)d 天") % {"n": MAX_RANGE_DAYS}
            )
        return attrs


class DayOut(serializers.Serializer):
    date = serializers.DateField()
    working = serializers.BooleanField()
    # A response key; the serializer metaclass moves declared fields off the class, so this never
    # shadows `Field.source`.
    source = serializers.CharField(help_text="official / provisional / local")  # type: ignore[assignment]
    name = serializers.CharField()


class CalendarDaysView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[DaysIn],
        responses=DayOut(many=True),
        summary="工作日历：区间内的节假日与调休",
        description="默认只列出与“周一至周五上班”不同的日子；only_exceptions=false 列出每一天。"
        "source=provisional 表示该年尚未录入国务院公布的安排，为推算结果。",
    )
    def get(self, request: Request) -> Response:
        data = DaysIn(data=request.query_params)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        cal = _calendar_for(request, v.get("grid"), None)
        out = []
        d = v["start"]
        while d <= v["end"]:
            info = cal.describe(d)
            if not v["only_exceptions"] or info.working != (d.weekday() < 5) or info.name:
                out.append(
                    {"date": d, "working": info.working, "source": info.source, "name": info.name}
                )
            d += timedelta(days=1)
        return Response(DayOut(out, many=True).data)


class DeadlineIn(serializers.Serializer):
    start = serializers.DateTimeField()
    amount = serializers.FloatField(min_value=0, max_value=10_000)
    unit = serializers.ChoiceField(choices=TimeUnit.choices)
    grid = serializers.CharField(required=False, max_length=20)
    hours = serializers.SlugField(required=False, max_length=40)


class DeadlineOut(serializers.Serializer):
    start = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    provisional = serializers.BooleanField(help_text="期限内有尚未公布安排的年份（推算）")


class DeadlinePreviewView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[DeadlineIn], responses=DeadlineOut, summary="计算办理期限")
    def get(self, request: Request) -> Response:
        data = DeadlineIn(data=request.query_params)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        cal = _calendar_for(request, v.get("grid"), v.get("hours"))
        start = v["start"].astimezone(SHANGHAI)
        deadline = deadline_add(start, v["amount"], v["unit"], calendar=cal)
        years = range(start.year, deadline.year + 1)
        provisional = v["unit"] in (TimeUnit.WORKING_DAYS, TimeUnit.WORKING_HOURS) and any(
            cal.source_of_year(y) == "provisional" for y in years
        )
        return Response(
            DeadlineOut({"start": start, "deadline": deadline, "provisional": provisional}).data
        )
