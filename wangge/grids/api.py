from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wangge.core.api import ServiceError
from wangge.core.geo import CoordinateError, check_lat_lng, parse_crs
from wangge.core.scope import scope_for_user
from wangge.grids.locator import Location, locator
from wangge.grids.models import Grid, GridLevel
from wangge.grids.selectors import (
    department_list_for_user,
    grid_get_for_user,
    grid_list_for_user,
    grid_subtree,
)
from wangge.grids.services import (
    GridImportError,
    grid_tree_export,
    grid_tree_import,
    grid_update,
    reject_out,
)


class IsAdministrator(BasePermission):
    message = "只有系统管理员可以修改网格"

    def has_permission(self, request, view):
        return scope_for_user(request.user).everything


class GridOut(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", default=None, allow_null=True)
    level_display = serializers.CharField(source="get_level_display")

    class Meta:
        model = Grid
        fields = [
            "code",
            "name",
            "level",
            "level_display",
            "special_kind",
            "parent_code",
            "version",
            "effective_from",
            "min_lng",
            "min_lat",
            "max_lng",
            "max_lat",
        ]


class GridDetailOut(GridOut):
    class Meta(GridOut.Meta):
        fields = [*GridOut.Meta.fields, "geometry"]


class GridListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("level", int, description="1 区县 … 5 微网格, 9 专属网格"),
            OpenApiParameter("parent", str, description="上级网格编码"),
        ],
        responses=GridOut(many=True),
        summary="我管辖范围内的网格",
    )
    def get(self, request: Request) -> Response:
        level = request.query_params.get("level")
        if level not in (None, "") and (not level.isdigit() or int(level) not in GridLevel.values):
            raise ServiceError(f"层级 “{level}” 无效，应为 1–5 或 9")
        qs = grid_list_for_user(
            request.user,
            level=int(level) if level else None,
            parent_code=request.query_params.get("parent") or None,
        )
        return Response(GridOut(qs, many=True).data)


class GridPatchIn(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=100)
    geometry = serializers.JSONField(required=False)
    effective_from = serializers.DateField(required=False)
    is_active = serializers.BooleanField(required=False)


class GridDetailView(APIView):
    def get_permissions(self):
        if self.request.method == "GET":
            return [IsAuthenticated()]
        return [IsAuthenticated(), IsAdministrator()]

    @extend_schema(responses=GridDetailOut, summary="网格详情（含边界）")
    def get(self, request: Request, code: str) -> Response:
        return Response(GridDetailOut(grid_get_for_user(request.user, code)).data)

    @extend_schema(request=GridPatchIn, responses=GridDetailOut, summary="修改网格（管理员）")
    def patch(self, request: Request, code: str) -> Response:
        grid = grid_get_for_user(request.user, code)
        data = GridPatchIn(data=request.data)
        data.is_valid(raise_exception=True)
        grid = grid_update(actor=request.user, grid=grid, request=request, **data.validated_data)
        return Response(GridDetailOut(grid).data)


GRID_IMPORT_OUT = inline_serializer(
    "GridImportOut",
    {
        "created": serializers.IntegerField(required=False),
        "updated": serializers.IntegerField(required=False),
        "unchanged": serializers.IntegerField(required=False),
        # A body refused before the import (unreadable JSON, a NUL byte) has no reject list.
        "rejects": serializers.ListField(child=serializers.DictField(), required=False),
        "dry_run": serializers.BooleanField(required=False),
        "detail": serializers.CharField(required=False),
        "code": serializers.CharField(required=False),
    },
)


class GridImportView(APIView):
    permission_classes = [IsAuthenticated, IsAdministrator]

    @extend_schema(
        request={
            "application/json": inline_serializer(
                "GridImportIn",
                {
                    "type": serializers.ChoiceField(choices=["FeatureCollection"]),
                    "features": serializers.ListField(child=serializers.DictField()),
                },
            )
        },
        responses={
            (200, "application/json"): GRID_IMPORT_OUT,
            (201, "application/json"): GRID_IMPORT_OUT,
            (400, "application/json"): GRID_IMPORT_OUT,
        },
        parameters=[OpenApiParameter("dry_run", bool, description="只校验，不写入")],
        summary="导入网格树（GeoJSON FeatureCollection）",
        description="全部通过才写入；任何一个网格不合格时返回 400 和拒绝清单，已有网格不变。",
    )
    def post(self, request: Request) -> Response:
        dry_run = request.query_params.get("dry_run") in ("1", "true", "yes")
        try:
            result = grid_tree_import(
                actor=request.user, collection=request.data, dry_run=dry_run, request=request
            )
        except GridImportError as exc:
            return Response({"detail": exc.message, "code": exc.code, "rejects": []}, status=400)
        body = {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "rejects": [reject_out(r) for r in result.rejects],
            "dry_run": dry_run,
        }
        if not result.ok:
            first = result.rejects[0]
            body["detail"] = f"{len(result.rejects)} 个网格不合格，未导入任何数据。第一个：" + (
                f"第 {first.row + 1} 个（{first.code or '无编码'}）{first.reason}"
            )
            body["code"] = "grid_import_rejected"
            return Response(body, status=400)
        return Response(body, status=200 if dry_run else 201)


class GridExportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("root", str, description="导出此网格及其全部下级")],
        responses=OpenApiTypes.OBJECT,
        summary="导出网格树（GeoJSON FeatureCollection）",
    )
    def get(self, request: Request) -> Response:
        root = request.query_params.get("root")
        if root:
            qs = grid_subtree(grid_get_for_user(request.user, root)).filter(is_active=True)
        else:
            qs = grid_list_for_user(request.user)
        return Response(grid_tree_export(grids=qs))


def _ref(r) -> dict:
    return {"code": r.code, "name": r.name, "level": r.level}


def location_out(loc: Location | None, specials: list[Location]) -> dict:
    if loc is None:
        return {"located": False, "grid": None, "ancestors": [], "special": []}
    return {
        "located": True,
        "grid": _ref(loc.grid),
        "ancestors": [_ref(a) for a in loc.ancestors],
        "special": [_ref(s.grid) for s in specials],
    }


class LocateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("lat", float, required=True),
            OpenApiParameter("lng", float, required=True),
            OpenApiParameter(
                "crs", str, description="wgs84（默认）、gcj02（高德/腾讯/微信）、bd09（百度）"
            ),
        ],
        responses=OpenApiTypes.OBJECT,
        summary="坐标落格：返回包含该点的最末级网格及其上级",
    )
    def get(self, request: Request) -> Response:
        q = request.query_params
        if q.get("lat") in (None, "") or q.get("lng") in (None, ""):
            raise ServiceError("请提供经纬度 lat 和 lng")
        try:
            crs = parse_crs(q.get("crs"))
            lat, lng = check_lat_lng(q["lat"], q["lng"])
            loc = locator.locate(lat, lng, crs)
        except CoordinateError as exc:
            raise ServiceError(str(exc)) from exc
        specials = []
        if loc is not None:
            from wangge.core.geo import to_wgs84

            lat, lng = to_wgs84(lat, lng, crs)
            specials = locator.locate_special(lat, lng)
        return Response(location_out(loc, specials))


class DepartmentOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    service_area_code = serializers.CharField(source="service_area.code")


class DepartmentListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=DepartmentOut(many=True), summary="职能部门")
    def get(self, request: Request) -> Response:
        return Response(DepartmentOut(department_list_for_user(request.user), many=True).data)
