"""REST endpoints of the base data. Thin: validate, call one service or selector, respond.

Personal data never travels in a URL: exact lookup by ID number and full export are POSTs, and
list/detail responses carry masked values only.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wangge.accounts.requests import AuthedRequest, request_user
from wangge.accounts.selectors import scope_for_user
from wangge.attachments.selectors import attachment_list_for_owner, attachments_by_owner
from wangge.attachments.signing import attachment_url
from wangge.core.api import NotFound, ServiceError
from wangge.core.pagination import CursorCountedPage
from wangge.core.spreadsheets import SHEET_ANSWERS, XLSX_ANSWER
from wangge.core.throttling import PeopleLookupThrottle
from wangge.exports.api import ExportJobOut
from wangge.grids.models import Department, Grid
from wangge.grids.selectors import department_list_for_user, grid_get_for_user
from wangge.people import jobs, selectors, services
from wangge.people.idcard import age_on
from wangge.people.importing import reject_report_xlsx
from wangge.people.models import (
    Asset,
    Building,
    CareLevel,
    CareRecord,
    ImportJob,
    ImportKind,
    JournalEntry,
    Organisation,
    Place,
    Resident,
    Visit,
)


# --- serializers -------------------------------------------------------------------------------
class BuildingOut(serializers.ModelSerializer):
    community = serializers.CharField(source="community.name")
    compound = serializers.CharField(source="compound.name", default="")
    grid_code = serializers.CharField(source="grid.code")

    class Meta:
        model = Building
        fields = [
            "id",
            "name",
            "number",
            "community",
            "compound",
            "address",
            "lat",
            "lng",
            "grid_code",
            "units",
            "floors",
        ]


class BuildingIn(serializers.Serializer):
    community_code = serializers.CharField()
    compound = serializers.CharField(required=False, allow_blank=True, default="")
    number = serializers.CharField()
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    address = serializers.CharField(required=False, allow_blank=True, default="")
    units = serializers.IntegerField(required=False, min_value=1, default=1)
    floors = serializers.IntegerField(required=False, min_value=1, allow_null=True, default=None)


class ResidentOut(serializers.Serializer):
    """Masked view: ID 6+4 or 1+1 by role, phone 3+4, age instead of the birth date (the
    birth date plus a 6+4 mask would give the whole number back)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    id_number_masked = serializers.SerializerMethodField()
    phone_masked = serializers.SerializerMethodField()
    sex = serializers.CharField(source="get_sex_display")
    age = serializers.SerializerMethodField()
    residence_type = serializers.CharField()
    residence_type_display = serializers.CharField(source="get_residence_type_display")
    tags = serializers.ListField(source="tag_list", child=serializers.CharField())
    building = serializers.CharField(source="household.room.building.name")
    unit = serializers.CharField(source="household.room.unit")
    room = serializers.CharField(source="household.room.number")
    household_id = serializers.IntegerField()
    relation = serializers.CharField()
    grid_code = serializers.CharField(source="grid.code")

    def get_id_number_masked(self, obj) -> str:
        return selectors.masked_id_for(self.context["scope"], obj)

    def get_phone_masked(self, obj) -> str:
        return selectors.masked_phone_for(obj)

    def get_age(self, obj) -> int:
        return age_on(obj.birth_date, timezone.localdate())


class ResidentIn(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=30)
    phone = serializers.CharField(required=False, allow_blank=True, default="")
    building_id = serializers.IntegerField()
    unit = serializers.CharField(required=False, allow_blank=True, default="")
    room = serializers.CharField(max_length=20)
    household_number = serializers.CharField(required=False, allow_blank=True, default="")
    relation = serializers.CharField(required=False, allow_blank=True, default="")
    residence_type = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class ResidentPatch(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=50)
    phone = serializers.CharField(required=False, allow_blank=True)
    residence_type = serializers.CharField(required=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False)


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, required=False, default="")
    purpose = serializers.ChoiceField(
        choices=list(services.REVEAL_PURPOSES), required=False, allow_blank=True, default=""
    )


class LookupIn(serializers.Serializer):
    id_number = serializers.CharField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, default="")


class CareLevelOut(serializers.ModelSerializer):
    class Meta:
        model = CareLevel
        fields = ["id", "code", "name", "colour", "visit_interval_days"]


class CareOut(serializers.ModelSerializer):
    resident_id = serializers.IntegerField()
    resident_name = serializers.CharField(source="resident.name")
    level = CareLevelOut()
    place = serializers.SerializerMethodField()
    overdue_days = serializers.SerializerMethodField()
    grid_code = serializers.CharField(source="grid.code")

    class Meta:
        model = CareRecord
        fields = [
            "id",
            "resident_id",
            "resident_name",
            "level",
            "reason",
            "since",
            "last_visited_at",
            "next_due_on",
            "overdue_days",
            "place",
            "grid_code",
        ]

    def get_place(self, obj) -> str:
        return str(obj.resident.household.room)

    def get_overdue_days(self, obj) -> int:
        return max((timezone.localdate() - obj.next_due_on).days, 0)


class CareIn(serializers.Serializer):
    resident_id = serializers.IntegerField()
    level = serializers.SlugField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class VisitOut(serializers.ModelSerializer):
    resident_name = serializers.CharField(source="resident.name")
    visitor = serializers.CharField(source="visitor.__str__")
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = [
            "id",
            "resident_id",
            "resident_name",
            "visitor",
            "visited_at",
            "place",
            "notes",
            "findings",
            "case_id",
            "photos",
        ]

    def get_photos(self, obj: Visit) -> list[dict]:
        # Only reached for visits the caller may see, so the plain (unsigned) URLs suffice.
        # A list passes the photos of its whole page in the context (one query, not one a row).
        by_visit = self.context.get("photos")
        photos = by_visit[str(obj.pk)] if by_visit is not None else attachment_list_for_owner(obj)
        return [
            {"id": str(a.pk), "url": attachment_url(a), "thumb_url": attachment_url(a, thumb=True)}
            for a in photos
        ]


class VisitIn(serializers.Serializer):
    resident_id = serializers.IntegerField()
    visited_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    place = serializers.CharField(required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    findings = serializers.CharField(required=False, allow_blank=True, default="")
    photo_ids = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, max_length=9
    )
    raise_case = serializers.BooleanField(required=False, default=False)


class JournalOut(serializers.ModelSerializer):
    author = serializers.CharField(source="author.__str__")
    grid_code = serializers.CharField(source="grid.code")

    class Meta:
        model = JournalEntry
        fields = ["id", "day", "kind", "content", "author", "grid_code", "created_at"]


class JournalIn(serializers.Serializer):
    grid_code = serializers.CharField()
    day = serializers.DateField(required=False, allow_null=True, default=None)
    kind = serializers.CharField(required=False, default="other")
    content = serializers.CharField()


class ImportJobOut(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    rejects_preview = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "status",
            "filename",
            "mapping",
            "total_rows",
            "processed_rows",
            "progress",
            "created_count",
            "updated_count",
            "rejected_count",
            "rejects_preview",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_progress(self, obj) -> float:
        if obj.status == ImportJob.Status.DONE:
            return 1.0
        return round(obj.processed_rows / obj.total_rows, 3) if obj.total_rows else 0.0

    def get_rejects_preview(self, obj) -> list[dict]:
        return obj.rejects[:50]


class ImportIn(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=ImportKind.choices, default="residents")
    mapping = serializers.CharField(required=False, allow_blank=True, default="")
    mapping_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    save_mapping_as = serializers.CharField(required=False, allow_blank=True, default="")


class ExportIn(serializers.Serializer):
    # Not "format": DRF reads that query parameter for content negotiation.
    filetype = serializers.ChoiceField(choices=["xlsx", "csv"], default="xlsx")
    full = serializers.BooleanField(default=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    tag = serializers.CharField(required=False, allow_blank=True, default="")


class AddressMatchOut(serializers.Serializer):
    building_id = serializers.IntegerField()
    building = serializers.CharField()
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    grid_code = serializers.CharField()
    score = serializers.FloatField()
    unit = serializers.CharField()
    room = serializers.CharField()


class RevealOut(serializers.Serializer):
    id_number = serializers.CharField()
    phone = serializers.CharField()
    birth_date = serializers.DateField()


class AssetOwnerOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    phone = serializers.CharField()


class ImportPreviewOut(serializers.Serializer):
    headers = serializers.ListField(child=serializers.CharField())
    header_row = serializers.IntegerField()
    estimated_rows = serializers.IntegerField()
    suggested_mapping = serializers.DictField(child=serializers.CharField())
    missing = serializers.ListField(child=serializers.CharField())
    # The response key is "fields"; the serializer metaclass moves declared fields off the
    # class, so this never shadows `Serializer.fields` at run time.
    fields = serializers.ListField(child=serializers.DictField())  # type: ignore[assignment]


def _valid(serializer_cls, data) -> dict:
    s = serializer_cls(data=data)
    s.is_valid(raise_exception=True)
    return s.validated_data


# --- views -------------------------------------------------------------------------------------
class BuildingListView(ListAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CursorCountedPage
    serializer_class = BuildingOut
    # For the schema generator only: get_queryset scopes every real request.
    queryset = Building.objects.none()

    @extend_schema(parameters=[OpenApiParameter("q", str), OpenApiParameter("grid", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        p = self.request.query_params
        return selectors.building_list_for_user(
            request_user(self.request), q=p.get("q", ""), grid_code=p.get("grid", "")
        )

    @extend_schema(request=BuildingIn, responses=BuildingOut, summary="登记楼栋")
    def post(self, request: AuthedRequest) -> Response:
        data = _valid(BuildingIn, request.data)
        community = grid_get_for_user(request.user, data["community_code"])
        b = services.building_create(
            actor=request.user,
            community=community,
            number=data["number"],
            lat=data["lat"],
            lng=data["lng"],
            compound_name=data["compound"],
            address_text=data["address"],
            units=data["units"],
            floors=data["floors"],
        )
        return Response(BuildingOut(b).data, status=201)


class BuildingDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=BuildingOut)
    def get(self, request: AuthedRequest, pk: int) -> Response:
        return Response(BuildingOut(selectors.building_get_for_user(request.user, pk)).data)


class AddressResolveView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True)],
        responses=AddressMatchOut,
        summary="地址解析",
    )
    def get(self, request: AuthedRequest) -> Response:
        text = request.query_params.get("q", "").strip()
        if not text:
            raise ServiceError(_("请输入地址，例如 怡园社区16号楼"))
        m = selectors.address_resolve(text)
        if m is None:
            raise NotFound(_("未能把“%(text)s”解析到已登记的楼栋") % {"text": text[:50]})
        return Response(
            {
                "building_id": m.building.pk,
                "building": m.building.name,
                "lat": m.lat,
                "lng": m.lng,
                "grid_code": m.grid_code,
                "score": m.score,
                "unit": m.unit,
                "room": m.room,
            }
        )


class ResidentListView(ListAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CursorCountedPage
    serializer_class = ResidentOut
    # For the schema generator only: get_queryset scopes every real request.
    queryset = Resident.objects.none()

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="姓名包含"),
            OpenApiParameter("tag", str, description="人员类别"),
            OpenApiParameter("building", int),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "scope": scope_for_user(request_user(self.request)),
        }

    def get_queryset(self):
        p = self.request.query_params
        building = p.get("building", "")
        return selectors.resident_list_for_user(
            request_user(self.request),
            q=p.get("q", ""),
            tag=p.get("tag", ""),
            building_id=int(building) if building.isdigit() else None,
        )

    @extend_schema(request=ResidentIn, responses=ResidentOut, summary="登记居民")
    def post(self, request: AuthedRequest) -> Response:
        data = _valid(ResidentIn, request.data)
        building = selectors.building_get_for_user(request.user, data.pop("building_id"))
        r = services.resident_create(actor=request.user, building=building, **data)
        scope = scope_for_user(request.user)
        return Response(ResidentOut(r, context={"scope": scope}).data, status=201)


class ResidentLookupView(APIView):
    """Exact lookup by ID number or phone: a POST so the number never appears in a URL."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [PeopleLookupThrottle]

    @extend_schema(
        request=LookupIn,
        responses=ResidentOut(many=True),
        summary="按证件号精确查找（限可查看完整信息的角色，按人限频，留痕）",
    )
    def post(self, request: AuthedRequest) -> Response:
        data = _valid(LookupIn, request.data)
        found = services.resident_lookup(
            actor=request.user,
            id_number=data["id_number"],
            phone=data["phone"],
            request=request,
        )
        ctx = {"scope": scope_for_user(request.user)}
        return Response(ResidentOut(found, many=True, context=ctx).data)


class ResidentDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ResidentOut)
    def get(self, request: AuthedRequest, pk: int) -> Response:
        r = selectors.resident_get_for_user(request.user, pk)
        return Response(ResidentOut(r, context={"scope": scope_for_user(request.user)}).data)

    @extend_schema(request=ResidentPatch, responses=ResidentOut)
    def patch(self, request: AuthedRequest, pk: int) -> Response:
        r = selectors.resident_get_for_user(request.user, pk)
        data = _valid(ResidentPatch, request.data)
        r = services.resident_update(actor=request.user, resident=r, **data)
        return Response(ResidentOut(r, context={"scope": scope_for_user(request.user)}).data)


class ResidentRevealView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ReasonIn, responses=RevealOut, summary="查看完整身份证号与电话（须填事由，留痕）"
    )
    def post(self, request: AuthedRequest, pk: int) -> Response:
        r = selectors.resident_get_for_user(request.user, pk)
        data = _valid(ReasonIn, request.data)
        out = services.resident_reveal(
            actor=request.user,
            resident=r,
            reason=data["reason"],
            purpose=data["purpose"],
            request=request,
        )
        resp = Response(
            {"id_number": out.id_number, "phone": out.phone, "birth_date": out.birth_date}
        )
        resp["Cache-Control"] = "no-store"
        return resp


class CareLevelListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CareLevelOut(many=True))
    def get(self, request: AuthedRequest) -> Response:
        return Response(CareLevelOut(CareLevel.objects.all(), many=True).data)


class CareEnrolView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=CareIn, responses=CareOut, summary="纳入关爱台账或调整等级")
    def post(self, request: AuthedRequest) -> Response:
        data = _valid(CareIn, request.data)
        r = selectors.resident_get_for_user(request.user, data["resident_id"])
        level = CareLevel.objects.filter(code=data["level"]).first()
        if level is None:
            raise ServiceError(_("关爱等级 “%(level)s” 不存在") % {"level": data["level"]})
        rec = services.care_enrol(
            actor=request.user, resident=r, level=level, reason=data["reason"]
        )
        return Response(CareOut(rec).data, status=201)


class CareDueListView(ListAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CursorCountedPage
    serializer_class = CareOut
    # For the schema generator only: get_queryset scopes every real request.
    queryset = CareRecord.objects.none()

    @extend_schema(parameters=[OpenApiParameter("within_days", int, description="默认 7")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        days = self.request.query_params.get("within_days", "7")
        if not days.isdigit() or int(days) > 366:
            raise ServiceError(_("within_days 应为 0–366 的整数"))
        return selectors.care_due_list_for_user(request_user(self.request), within_days=int(days))


class VisitListView(ListAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CursorCountedPage
    serializer_class = VisitOut
    # For the schema generator only: get_queryset scopes every real request.
    queryset = Visit.objects.none()

    def get_queryset(self):
        rid = self.request.query_params.get("resident", "")
        return selectors.visit_list_for_user(
            request_user(self.request), resident_id=int(rid) if rid.isdigit() else None
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        qs = self.get_queryset()
        page = self.paginate_queryset(qs)
        visits = list(qs) if page is None else list(page)
        context = {**self.get_serializer_context(), "photos": attachments_by_owner(visits)}
        data = VisitOut(visits, many=True, context=context).data
        return Response(data) if page is None else self.get_paginated_response(data)

    @extend_schema(request=VisitIn, responses=VisitOut, summary="登记走访（可一键上报事件）")
    def post(self, request: AuthedRequest) -> Response:
        data = _valid(VisitIn, request.data)
        r = selectors.resident_get_for_user(request.user, data.pop("resident_id"))
        v = services.visit_record(actor=request.user, resident=r, **data)
        return Response(VisitOut(v).data, status=201)


class JournalListView(ListAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CursorCountedPage
    serializer_class = JournalOut
    # For the schema generator only: get_queryset scopes every real request.
    queryset = JournalEntry.objects.none()

    def get_queryset(self):
        return selectors.journal_list_for_user(request_user(self.request))

    @extend_schema(request=JournalIn, responses=JournalOut, summary="写民情日志")
    def post(self, request: AuthedRequest) -> Response:
        data = _valid(JournalIn, request.data)
        grid: Grid = grid_get_for_user(request.user, data["grid_code"])
        e = services.journal_add(
            actor=request.user,
            grid=grid,
            content=data["content"],
            kind=data["kind"],
            day=data["day"],
        )
        return Response(JournalOut(e).data, status=201)


class ImportPreviewView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request=ImportIn, responses=ImportPreviewOut, summary="导入第一步：识别表头，建议列对应"
    )
    def post(self, request: AuthedRequest) -> Response:
        data = _valid(ImportIn, request.data)
        f = data["file"]
        return Response(
            jobs.import_preview(actor=request.user, kind=data["kind"], data=f, size=f.size)
        )


class ImportJobCreateView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ImportIn, responses=ImportJobOut, summary="导入（大文件后台执行）")
    def post(self, request: AuthedRequest) -> Response:
        data = _valid(ImportIn, request.data)
        mapping = None
        if data["mapping"]:
            try:
                mapping = json.loads(data["mapping"])
            except ValueError:
                raise ServiceError(_('mapping 应为 JSON 对象，例如 {"name": "姓名"}')) from None
            if not isinstance(mapping, dict):
                raise ServiceError(_("mapping 应为 JSON 对象"))
        if data["save_mapping_as"] and mapping:
            jobs.column_mapping_save(
                actor=request.user, name=data["save_mapping_as"], kind=data["kind"], mapping=mapping
            )
        f = data["file"]
        job = jobs.import_job_create(
            actor=request.user,
            kind=data["kind"],
            data=f,
            size=f.size,
            filename=f.name,
            mapping=mapping,
            mapping_id=data["mapping_id"],
        )
        status = 201 if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED) else 202
        return Response(ImportJobOut(job).data, status=status)


class ImportJobDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ImportJobOut, summary="导入进度")
    def get(self, request: AuthedRequest, pk: int) -> Response:
        return Response(ImportJobOut(jobs.import_job_get_for_user(request.user, pk)).data)


class ImportRejectsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=XLSX_ANSWER, summary="未导入行报告")
    def get(self, request: AuthedRequest, pk: int) -> HttpResponse:
        job = jobs.import_job_get_for_user(request.user, pk)
        resp = HttpResponse(
            reject_report_xlsx(job.rejects),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        resp["Content-Disposition"] = f'attachment; filename="import-{job.pk}-rejects.xlsx"'
        return resp


class ExportView(APIView):
    """GET: masked export. POST with full=true and a reason: the full export, audited.

    Both are export jobs (`wangge.exports`): up to EXPORT_INLINE_ROWS rows the file is the
    answer (200); a larger list answers 202 with the job, to follow at `/api/v1/exports/{id}/`
    and download from its signed `download_url`.
    """

    permission_classes = [IsAuthenticated]

    def _export(self, request: AuthedRequest, data: dict) -> HttpResponse:
        from wangge.exports.api import job_response
        from wangge.exports.services import export_download, export_job_create

        job = export_job_create(
            actor=request.user,
            kind="people.residents.sheet",
            query={"tag": data["tag"]} if data["tag"] else "",
            fmt=data["filetype"],
            options={"full": data["full"], "reason": data["reason"].strip()},
            request=request,
        )
        if job.status != job.Status.DONE:
            return job_response(job)
        content, name, ctype = export_download(actor=request.user, job=job, once=True)
        resp = HttpResponse(content, content_type=ctype)
        resp["Content-Disposition"] = f'attachment; filename="{name}"'
        resp["Cache-Control"] = "no-store"
        return resp

    @extend_schema(
        parameters=[OpenApiParameter("filetype", str), OpenApiParameter("tag", str)],
        responses={**SHEET_ANSWERS, 202: ExportJobOut},
        summary="导出居民（脱敏）",
    )
    def get(self, request: AuthedRequest) -> HttpResponse:
        data = _valid(ExportIn, {**request.query_params.dict(), "full": False, "reason": ""})
        return self._export(request, data)

    @extend_schema(
        request=ExportIn,
        responses={**SHEET_ANSWERS, 202: ExportJobOut},
        summary="导出居民（完整信息须填事由，留痕）",
    )
    def post(self, request: AuthedRequest) -> HttpResponse:
        return self._export(request, _valid(ExportIn, request.data))


class AssetOwnerView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("lat", float, required=True),
            OpenApiParameter("lng", float, required=True),
            OpenApiParameter("category", str, required=True, description="4 位部件类别编码"),
        ],
        responses=AssetOwnerOut,
        summary="某处某类部件的权属部门",
    )
    def get(self, request: AuthedRequest) -> Response:
        p = request.query_params
        try:
            lat, lng = float(p.get("lat", "")), float(p.get("lng", ""))
        except ValueError:
            raise ServiceError(_("lat、lng 应为数字")) from None
        dept: Department | None = selectors.asset_owner_near(lat, lng, p.get("category", ""))
        if dept is None:
            raise NotFound(_("附近没有登记该类部件"))
        return Response({"code": dept.code, "name": dept.name, "phone": dept.phone})


# --- organisations, assets, places ---------------------------------------------------------------
class OrganisationOut(serializers.ModelSerializer):
    grid_code = serializers.CharField(source="grid.code")
    kind_display = serializers.CharField(source="get_kind_display")
    contact_phone = serializers.SerializerMethodField(help_text="3+4 掩码；完整号码须查看并留痕")

    def get_contact_phone(self, o: Organisation) -> str:
        return services.organisation_contact_phone_masked(o)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "kind",
            "kind_display",
            "name",
            "grid_code",
            "credit_code",
            "contact_name",
            "contact_phone",
            "address",
            "members",
        ]


class OrganisationIn(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField(max_length=100)
    grid_code = serializers.CharField()
    credit_code = serializers.CharField(required=False, allow_blank=True, default="")
    contact_name = serializers.CharField(required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(required=False, allow_blank=True, default="")
    address = serializers.CharField(required=False, allow_blank=True, default="")
    members = serializers.IntegerField(required=False, allow_null=True, min_value=0, default=None)


class AssetOut(serializers.ModelSerializer):
    grid_code = serializers.CharField(source="grid.code")
    department = serializers.CharField(source="department.code")

    class Meta:
        model = Asset
        fields = ["id", "code", "category_code", "name", "department", "lat", "lng"]
        fields += ["grid_code", "is_active"]


class AssetIn(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    category_code = serializers.CharField(max_length=5)
    name = serializers.CharField(required=False, allow_blank=True, default="")
    department = serializers.CharField(help_text="部门编码")
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    is_active = serializers.BooleanField(required=False, default=True)


class PlaceOut(serializers.ModelSerializer):
    grid_code = serializers.CharField(source="grid.code")
    kind_display = serializers.CharField(source="get_kind_display")

    class Meta:
        model = Place
        fields = ["id", "kind", "kind_display", "name", "address", "lat", "lng"]
        fields += ["operator_name", "last_inspected_on", "grid_code"]


class PlaceIn(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField(max_length=100)
    address = serializers.CharField(required=False, allow_blank=True, default="")
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    operator_name = serializers.CharField(required=False, allow_blank=True, default="")
    last_inspected_on = serializers.DateField(required=False, allow_null=True, default=None)


def _org_args(request: AuthedRequest, data: dict) -> dict:
    return dict(
        kind=data["kind"],
        name=data["name"],
        grid=grid_get_for_user(request.user, data["grid_code"]),
        credit_code=data["credit_code"],
        contact_name=data["contact_name"],
        contact_phone=data["contact_phone"],
        members=data["members"],
    )


class OrganisationListView(ListAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CursorCountedPage
    serializer_class = OrganisationOut
    # For the schema generator only: get_queryset scopes every real request.
    queryset = Organisation.objects.none()

    @extend_schema(parameters=[OpenApiParameter("q", str), OpenApiParameter("kind", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        p = self.request.query_params
        return selectors.organisation_list_for_user(
            request_user(self.request),
            q=p.get("q", ""),
            kind=p.get("kind", ""),
            grid_code=p.get("grid", ""),
        )

    @extend_schema(request=OrganisationIn, responses=OrganisationOut, summary="登记组织")
    def post(self, request: AuthedRequest) -> Response:
        data = _valid(OrganisationIn, request.data)
        org = services.organisation_create(
            actor=request.user, address=data["address"], **_org_args(request, data)
        )
        return Response(OrganisationOut(org).data, status=201)


class OrganisationDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OrganisationOut)
    def get(self, request: AuthedRequest, pk: int) -> Response:
        org = selectors.organisation_get_for_user(request.user, pk)
        return Response(OrganisationOut(org).data)

    @extend_schema(request=OrganisationIn, responses=OrganisationOut, summary="修改组织")
    def put(self, request: AuthedRequest, pk: int) -> Response:
        org = selectors.organisation_get_for_user(request.user, pk)
        data = _valid(OrganisationIn, request.data)
        org = services.organisation_update(
            actor=request.user,
            organisation=org,
            address_text=data["address"],
            **_org_args(request, data),
        )
        return Response(OrganisationOut(org).data)


class OrganisationContactIn(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class ContactPhoneOut(serializers.Serializer):
    contact_phone = serializers.CharField()


class OrganisationContactView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=OrganisationContactIn,
        responses=ContactPhoneOut,
        summary="查看组织的完整联系电话（须填事由，留痕）",
    )
    def post(self, request: AuthedRequest, pk: int) -> Response:
        org = selectors.organisation_get_for_user(request.user, pk)
        data = _valid(OrganisationContactIn, request.data)
        phone = services.organisation_contact_reveal(
            actor=request.user, organisation=org, reason=data["reason"], request=request
        )
        resp = Response({"contact_phone": phone})
        resp["Cache-Control"] = "no-store"
        return resp


def _department(request: AuthedRequest, code: str) -> Department:
    dept = department_list_for_user(request.user).filter(code=code).first()
    if dept is None:
        raise ServiceError(_("权属部门“%(code)s”不存在") % {"code": code}, code="department")
    return dept


class AssetListView(ListAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CursorCountedPage
    serializer_class = AssetOut
    # For the schema generator only: get_queryset scopes every real request.
    queryset = Asset.objects.none()

    def get_queryset(self):
        p = self.request.query_params
        return selectors.asset_list_for_user(
            request_user(self.request),
            q=p.get("q", ""),
            category=p.get("category", ""),
            grid_code=p.get("grid", ""),
        )

    @extend_schema(request=AssetIn, responses=AssetOut, summary="登记部件")
    def post(self, request: AuthedRequest) -> Response:
        data = _valid(AssetIn, request.data)
        asset = services.asset_create(
            actor=request.user,
            code=data["code"],
            category_code=data["category_code"],
            department=_department(request, data["department"]),
            lat=data["lat"],
            lng=data["lng"],
            name=data["name"],
        )
        return Response(AssetOut(asset).data, status=201)


class AssetDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=AssetOut)
    def get(self, request: AuthedRequest, pk: int) -> Response:
        return Response(AssetOut(selectors.asset_get_for_user(request.user, pk)).data)

    @extend_schema(request=AssetIn, responses=AssetOut, summary="修改部件")
    def put(self, request: AuthedRequest, pk: int) -> Response:
        asset = selectors.asset_get_for_user(request.user, pk)
        data = _valid(AssetIn, request.data)
        asset = services.asset_update(
            actor=request.user,
            asset=asset,
            category_code=data["category_code"],
            department=_department(request, data["department"]),
            lat=data["lat"],
            lng=data["lng"],
            name=data["name"],
            is_active=data["is_active"],
        )
        return Response(AssetOut(asset).data)


class PlaceListView(ListAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CursorCountedPage
    serializer_class = PlaceOut
    # For the schema generator only: get_queryset scopes every real request.
    queryset = Place.objects.none()

    def get_queryset(self):
        p = self.request.query_params
        return selectors.place_list_for_user(
            request_user(self.request),
            q=p.get("q", ""),
            kind=p.get("kind", ""),
            grid_code=p.get("grid", ""),
        )

    @extend_schema(request=PlaceIn, responses=PlaceOut, summary="登记场所")
    def post(self, request: AuthedRequest) -> Response:
        data = _valid(PlaceIn, request.data)
        place = services.place_create(actor=request.user, **data)
        return Response(PlaceOut(place).data, status=201)


class PlaceDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PlaceOut)
    def get(self, request: AuthedRequest, pk: int) -> Response:
        return Response(PlaceOut(selectors.place_get_for_user(request.user, pk)).data)

    @extend_schema(request=PlaceIn, responses=PlaceOut, summary="修改场所")
    def put(self, request: AuthedRequest, pk: int) -> Response:
        place = selectors.place_get_for_user(request.user, pk)
        data = _valid(PlaceIn, request.data)
        place = services.place_update(
            actor=request.user,
            place=place,
            kind=data["kind"],
            name=data["name"],
            lat=data["lat"],
            lng=data["lng"],
            address_text=data["address"],
            operator_name=data["operator_name"],
            last_inspected_on=data["last_inspected_on"],
        )
        return Response(PlaceOut(place).data)
