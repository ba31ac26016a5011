"""REST endpoints of civility points and the points store: validate, call one service, answer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wangge.community.api import page
from wangge.core.api import NotFound, ServiceError, request_body
from wangge.core.pagination import CursorCountedPage, counted_page_schema, page_parameters
from wangge.grids.models import Grid
from wangge.grids.selectors import grid_get_for_user
from wangge.people.models import Resident
from wangge.points import selectors as sel
from wangge.points.models import Goods, PointsEntry, PointsRule, Redemption, Store
from wangge.points.services import (
    InspectionLine,
    goods_restock,
    inspection_batch_enter,
    points_award,
    points_correct,
    points_redeem,
    redemption_hand_over,
    redemption_return,
)


def _int(value: Any, what: str) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise ServiceError(_("%(w)s须为整数") % {"w": what}, code="invalid") from None


def _pts(value: Decimal) -> str:
    return str(Decimal(value).quantize(Decimal("0.1")))


def _month(value: str | None) -> date:
    if not value:
        return timezone.localdate().replace(day=1)
    d = parse_date(f"{value}-01") if len(value) == 7 else parse_date(value)
    if d is None:
        raise ServiceError(_("月份格式应为 YYYY-MM"), code="month")
    return d.replace(day=1)


class RuleOut(serializers.ModelSerializer):
    class Meta:
        model = PointsRule
        fields = [
            "code",
            "name",
            "description",
            "amount",
            "custom_amount",
            "min_amount",
            "max_amount",
            "allow_fraction",
            "allow_negative",
            "subject",
            "monthly_cap",
            "manual",
        ]


class EntryOut(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")
    rule_name = serializers.CharField(source="rule.name", default=None, allow_null=True)
    person = serializers.CharField(source="resident.name", default=None, allow_null=True)
    reversed = serializers.SerializerMethodField()

    class Meta:
        model = PointsEntry
        fields = [
            "id",
            "kind",
            "kind_display",
            "rule_name",
            "amount",
            "source_type",
            "source_id",
            "note",
            "person",
            "reverses",
            "reversed",
            "created_at",
        ]

    def get_reversed(self, e: PointsEntry) -> bool:
        return hasattr(e, "reversed_by") and e.reversed_by is not None


class StoreOut(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")
    community_name = serializers.CharField(source="community.name")

    class Meta:
        model = Store
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "community_name",
            "address",
            "opening_hours",
        ]


class GoodsOut(serializers.ModelSerializer):
    class Meta:
        model = Goods
        fields = ["id", "name", "unit", "price", "stock", "per_redemption_max"]


class RedemptionOut(serializers.ModelSerializer):
    goods_name = serializers.CharField(source="goods.name")
    store_name = serializers.CharField(source="store.name")
    state_display = serializers.CharField(source="get_state_display")

    class Meta:
        model = Redemption
        fields = [
            "code",
            "store_name",
            "goods_name",
            "quantity",
            "points",
            "state",
            "state_display",
            "created_at",
            "handed_at",
            "returned_at",
        ]


class RuleListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=RuleOut(many=True), summary="积分规则")
    def get(self, request: Request) -> Response:
        return Response(RuleOut(sel.rule_list(), many=True).data)


class MyPointsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=counted_page_schema(
            EntryOut,
            name="MyPoints",
            extra={"household": serializers.CharField(), "balance": serializers.CharField()},
        ),
        parameters=page_parameters(),
        summary="我家的积分：余额与明细",
    )
    def get(self, request: Request) -> Response:
        acct = getattr(request.user, "resident_account", None)
        if acct is None:
            raise ServiceError(_("请先到社区绑定您的住户信息"), code="no_household")
        response = page(request, sel.entries_for_household(acct.household), EntryOut)
        response.data.update(
            household=str(acct.household), balance=_pts(sel.balance_of(acct.household))
        )
        return response


class HouseholdPointsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=counted_page_schema(
            EntryOut,
            name="HouseholdPoints",
            extra={"household": serializers.CharField(), "balance": serializers.CharField()},
        ),
        parameters=page_parameters(),
        summary="某户积分明细（工作人员）",
    )
    def get(self, request: Request, household_id: int) -> Response:
        hh = sel.household_get_for_user(request.user, household_id)
        response = page(request, sel.entries_for_household(hh), EntryOut)
        response.data.update(household=str(hh), balance=_pts(sel.balance_of(hh)))
        return response


class AwardIn(serializers.Serializer):
    household_id = serializers.IntegerField()
    rule_code = serializers.CharField()
    source_type = serializers.CharField(max_length=40, default="manual")
    source_id = serializers.CharField(max_length=64)
    amount = serializers.CharField(required=False, allow_blank=True, default="")
    resident_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class AwardView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=AwardIn, responses={201: EntryOut}, summary="人工计分（可人工录入的规则）"
    )
    def post(self, request: Request) -> Response:
        s = AwardIn(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        hh = sel.household_get_for_user(request.user, d["household_id"])
        resident = None
        if d["resident_id"]:
            resident = Resident.objects.filter(pk=d["resident_id"], household=hh).first()
            if resident is None:
                raise NotFound(_("该户没有这位居民"))
        entry = points_award(
            actor=request.user,
            household=hh,
            rule_code=d["rule_code"],
            source_type=d["source_type"],
            source_id=d["source_id"],
            amount=d["amount"] or None,
            resident=resident,
            note=d["note"],
        )
        return Response(EntryOut(entry).data, status=201)


class CorrectView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer("CorrectIn", {"reason": serializers.CharField()}),
        responses={201: EntryOut},
        summary="冲正一条积分记录（反向记录，原记录不变）",
    )
    def post(self, request: Request, entry_id: int) -> Response:
        entry = sel.entry_get_for_user(request.user, entry_id)
        corr = points_correct(
            actor=request.user, entry=entry, reason=str(request_body(request).get("reason") or "")
        )
        return Response(EntryOut(corr).data, status=201)


class InspectionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer(
            "InspectionIn",
            {
                "community": serializers.CharField(),
                "rule_code": serializers.CharField(default="clean_household"),
                "title": serializers.CharField(),
                "held_on": serializers.DateField(),
                "results": serializers.ListField(
                    child=inline_serializer(
                        "InspectionLineIn",
                        {
                            "household_id": serializers.IntegerField(),
                            "passed": serializers.BooleanField(),
                            "amount": serializers.CharField(required=False),
                        },
                    )
                ),
            },
        ),
        responses={
            201: inline_serializer(
                "InspectionOut",
                {
                    "id": serializers.IntegerField(),
                    "households": serializers.IntegerField(),
                    "awarded": serializers.IntegerField(),
                },
            )
        },
        summary="录入一批清洁户评比结果（全部成功或全部不写入）",
    )
    def post(self, request: Request) -> Response:
        data = request_body(request)
        community = grid_get_for_user(request.user, str(data.get("community") or ""))
        held_on = parse_date(str(data.get("held_on") or ""))
        if held_on is None:
            raise ServiceError(_("评比日期格式应为 YYYY-MM-DD"), code="held_on")
        raw = data.get("results")
        if not isinstance(raw, list):
            raise ServiceError(_("results 须为列表"), code="results")
        lines = []
        for n, r in enumerate(raw, start=1):
            if not isinstance(r, dict):
                raise ServiceError(_("第 %(n)d 行格式有误") % {"n": n}, code="results")
            lines.append(
                InspectionLine(
                    household_id=_int(r.get("household_id"), _("第 %(n)d 行户编号") % {"n": n}),
                    passed=bool(r.get("passed", True)),
                    amount=r.get("amount") or None,
                    note=str(r.get("note") or "")[:200],
                )
            )
        batch = inspection_batch_enter(
            actor=request.user,
            community=community,
            rule_code=str(data.get("rule_code") or "clean_household"),
            title=str(data.get("title") or ""),
            held_on=held_on,
            lines=lines,
        )
        return Response(
            {"id": batch.pk, "households": batch.households, "awarded": batch.awarded},
            status=201,
        )


class StoreListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=StoreOut(many=True), summary="积分超市（我能用或管理的）")
    def get(self, request: Request) -> Response:
        return Response(StoreOut(sel.store_list_for_user(request.user), many=True).data)


class GoodsListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=GoodsOut(many=True), summary="超市商品与库存")
    def get(self, request: Request, store_id: int) -> Response:
        store = sel.store_get_for_user(request.user, store_id)
        return Response(GoodsOut(sel.goods_for_store(store), many=True).data)


class RestockView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer(
            "RestockIn", {"quantity": serializers.IntegerField(), "note": serializers.CharField()}
        ),
        responses=GoodsOut,
        summary="入库 / 库存更正",
    )
    def post(self, request: Request, goods_id: int) -> Response:
        goods = sel.goods_get_for_user(request.user, goods_id)
        goods = goods_restock(
            actor=request.user,
            goods=goods,
            quantity=request_body(request).get("quantity"),
            note=str(request_body(request).get("note") or ""),
        )
        return Response(GoodsOut(goods).data)


class RedemptionListView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CursorCountedPage  # declares the page it answers (schema only)

    @extend_schema(
        parameters=[OpenApiParameter("store", int)],
        responses=RedemptionOut(many=True),
        summary="兑换记录（我家的；店员看本店的）",
    )
    def get(self, request: Request) -> Response:
        store = None
        if request.query_params.get("store"):
            store = sel.store_get_for_user(
                request.user, _int(request.query_params["store"], "store")
            )
        return page(request, sel.redemptions_for_user(request.user, store=store), RedemptionOut)

    @extend_schema(
        request=inline_serializer(
            "RedeemIn",
            {
                "goods_id": serializers.IntegerField(),
                "quantity": serializers.IntegerField(),
                "household_id": serializers.IntegerField(required=False),
            },
        ),
        responses={201: RedemptionOut},
        summary="兑换商品（扣积分、减库存，返回兑换码）",
    )
    def post(self, request: Request) -> Response:
        goods = sel.goods_get_for_user(
            request.user, _int(request_body(request).get("goods_id"), "goods_id")
        )
        household = None
        if request_body(request).get("household_id"):
            household = sel.household_get_for_user(
                request.user, _int(request_body(request)["household_id"], "household_id")
            )
        r = points_redeem(
            actor=request.user,
            goods=goods,
            quantity=request_body(request).get("quantity"),
            household=household,
        )
        return Response(RedemptionOut(r).data, status=201)


class HandOverView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=RedemptionOut, summary="凭兑换码发放商品（店员）")
    def post(self, request: Request, code: str) -> Response:
        return Response(RedemptionOut(redemption_hand_over(actor=request.user, code=code)).data)


class ReturnView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer("ReturnIn", {"reason": serializers.CharField()}),
        responses=RedemptionOut,
        summary="退货：积分退回、库存加回",
    )
    def post(self, request: Request, code: str) -> Response:
        r = sel.redemptions_for_user(request.user).filter(code=code.strip().upper()).first()
        if r is None:
            raise NotFound(_("兑换码 %(c)s 不存在或不属于您管理的超市") % {"c": code[:8]})
        r = redemption_return(
            actor=request.user, redemption=r, reason=str(request_body(request).get("reason") or "")
        )
        return Response(RedemptionOut(r).data)


class GridReportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("grid", str, description="网格编码，缺省为本人管辖的最上级"),
            OpenApiParameter("month", str, description="YYYY-MM"),
        ],
        responses=inline_serializer("GridReport", {"rows": serializers.ListField()}),
        summary="月度积分报表（按网格）：发放、兑换、参与户数与参与率",
    )
    def get(self, request: Request) -> Response:
        from wangge.accounts.selectors import scope_for_user

        code = request.query_params.get("grid")
        grid: Grid | None
        if code:
            grid = grid_get_for_user(request.user, code)
        else:
            scope = scope_for_user(request.user)
            grid = Grid.objects.filter(path__in=scope.grid_paths[:1]).first()
            if grid is None:
                raise ServiceError(_("请指定网格"), code="grid_required")
        report = sel.report_by_grid(
            request.user, grid=grid, month=_month(request.query_params.get("month"))
        )

        def row(r: sel.GridRow) -> dict:
            return {
                "code": r.code,
                "name": r.name,
                "households": r.households,
                "active_month": r.active_month,
                "participating": r.participating,
                "participation_rate": round(r.rate, 4) if r.rate is not None else None,
                "month_rate": round(r.month_rate, 4) if r.month_rate is not None else None,
                "earned": _pts(r.earned),
                "spent": _pts(r.spent),
            }

        return Response(
            {
                "grid": grid.code,
                "month": report.month.strftime("%Y-%m"),
                "rows": [row(r) for r in report.rows],
                "total": row(report.total) if report.total else None,
            }
        )


class StoreReportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("month", str, description="YYYY-MM")],
        responses=inline_serializer("StoreReport", {"rows": serializers.ListField()}),
        summary="月度积分超市报表",
    )
    def get(self, request: Request) -> Response:
        month = _month(request.query_params.get("month"))
        rows = sel.report_by_store(request.user, month=month)
        return Response(
            {
                "month": month.strftime("%Y-%m"),
                "rows": [
                    {
                        "store": r.store.name,
                        "redemptions": r.redemptions,
                        "items": r.items,
                        "points": _pts(r.points),
                        "returns": r.returns,
                        "returned_points": _pts(r.returned_points),
                        "stock_items": r.stock_items,
                        "stock_points": _pts(r.stock_points),
                    }
                    for r in rows
                ],
            }
        )
