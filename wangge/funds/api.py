"""REST endpoints of the emergency fund: accounts with their balance, requests, approvals,
payments and the yearly statement."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wangge.cases.selectors import case_get_for_user
from wangge.core.api import ServiceError
from wangge.core.pagination import CountedPage
from wangge.core.spreadsheets import XLSX_ANSWER
from wangge.council.apiutil import flag, grid_by_code, paged
from wangge.council.selectors import decision_get_for_user
from wangge.council.xlsx import xlsx_response
from wangge.funds import services
from wangge.funds.models import FundAccount, FundPayment, RequestState, SpendRequest
from wangge.funds.selectors import (
    account_get_for_user,
    account_list_for_user,
    request_get_for_user,
    request_list_for_user,
)
from wangge.funds.statement import fund_statement_xlsx


class AccountOut(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.name")
    paid = serializers.DecimalField(max_digits=12, decimal_places=2)
    reserved = serializers.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        model = FundAccount
        fields = [
            "id",
            "unit",
            "unit_name",
            "year",
            "budget",
            "head_limit",
            "balance",
            "available",
            "paid",
            "reserved",
            "updated_at",
        ]


class PaymentOut(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.__str__")

    class Meta:
        model = FundPayment
        fields = ["id", "amount", "payee", "note", "paid_at", "recorded_by"]


class RequestOut(serializers.ModelSerializer):
    account = serializers.IntegerField(source="account_id")
    unit_name = serializers.CharField(source="account.unit.name")
    state_display = serializers.CharField(source="get_state_display")
    case = serializers.CharField(source="case.tracking_code", default=None, allow_null=True)
    decision = serializers.IntegerField(source="decision_id", allow_null=True)
    requested_by = serializers.CharField(source="requested_by.__str__")
    decided_by = serializers.CharField(source="decided_by.__str__", default=None, allow_null=True)

    class Meta:
        model = SpendRequest
        fields = [
            "id",
            "account",
            "unit_name",
            "amount",
            "purpose",
            "case",
            "decision",
            "state",
            "state_display",
            "needs_above",
            "paid_amount",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]


class RequestDetailOut(RequestOut):
    payments = serializers.SerializerMethodField()
    balance = serializers.SerializerMethodField()

    class Meta(RequestOut.Meta):
        fields = [*RequestOut.Meta.fields, "payments", "balance"]

    def get_payments(self, r: SpendRequest) -> Any:
        return PaymentOut(
            r.payments.select_related("recorded_by").order_by("paid_at"), many=True
        ).data

    def get_balance(self, r: SpendRequest) -> dict:
        a = FundAccount.objects.get(pk=r.account_id)
        return {"balance": str(a.balance), "available": str(a.available), "budget": str(a.budget)}


class BudgetIn(serializers.Serializer):
    unit = serializers.CharField()
    year = serializers.IntegerField()
    amount = serializers.CharField()
    head_limit = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, default=None
    )


class RequestIn(serializers.Serializer):
    account = serializers.IntegerField()
    amount = serializers.CharField()
    purpose = serializers.CharField(allow_blank=True, default="")
    case = serializers.CharField(required=False, allow_blank=True, default="")
    decision = serializers.IntegerField(required=False, allow_null=True, default=None)
    attachments = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, max_length=9
    )


class FundNoteIn(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PaymentIn(serializers.Serializer):
    amount = serializers.CharField()
    payee = serializers.CharField(allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    attachments = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, max_length=9
    )


def _valid(cls: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    s = cls(data=data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def _request_detail(request: Request, pk: int) -> dict:
    return RequestDetailOut(request_get_for_user(request.user, pk)).data


class AccountListView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CountedPage  # declares the page it answers (schema only)

    @extend_schema(
        parameters=[OpenApiParameter("year", int), OpenApiParameter("unit", str)],
        responses=AccountOut(many=True),
        summary="应急资金账户（预算、余额、可用余额）",
    )
    def get(self, request: Request) -> Response:
        year = request.query_params.get("year")
        if year and not year.isdigit():
            raise ServiceError(_("年度须为数字"))
        qs = account_list_for_user(
            request.user, year=int(year) if year else None, unit=request.query_params.get("unit")
        )
        return Response(paged(request, qs, lambda rows: AccountOut(rows, many=True).data))


class BudgetView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=BudgetIn, responses=AccountOut, summary="下达或调整年度预算（上级）")
    def post(self, request: Request) -> Response:
        v = _valid(BudgetIn, request.data)
        account = services.fund_budget_set(
            actor=request.user,
            unit=grid_by_code(v["unit"], label=_("单位")),
            year=v["year"],
            amount=v["amount"],
            head_limit=v["head_limit"],
        )
        return Response(AccountOut(account).data, status=201)


class AccountDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=AccountOut, summary="资金账户")
    def get(self, request: Request, pk: int) -> Response:
        return Response(AccountOut(account_get_for_user(request.user, pk)).data)


class StatementView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=XLSX_ANSWER, summary="年度明细（Excel）")
    def get(self, request: Request, pk: int) -> HttpResponse:
        content, filename = fund_statement_xlsx(account_get_for_user(request.user, pk))
        return xlsx_response(filename, content)


class RequestListView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CountedPage  # declares the page it answers (schema only)

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, enum=RequestState.values),
            OpenApiParameter("account", int),
            OpenApiParameter("needs_above", bool, description="只看需上级审批的"),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
        ],
        responses=RequestOut(many=True),
        summary="用款申请列表",
    )
    def get(self, request: Request) -> Response:
        p = request.query_params
        state = p.get("state") or None
        if state and state not in RequestState.values:
            raise ServiceError(_("未知状态：%(s)s") % {"s": state})
        account = p.get("account")
        if account and not account.isdigit():
            raise ServiceError(_("account 须为数字"))
        qs = request_list_for_user(
            request.user,
            state=state,
            account=int(account) if account else None,
            needs_above=flag(request, "needs_above"),
        )
        return Response(paged(request, qs, lambda rows: RequestOut(rows, many=True).data))

    @extend_schema(request=RequestIn, responses={201: RequestDetailOut}, summary="提出用款申请")
    def post(self, request: Request) -> Response:
        v = _valid(RequestIn, request.data)
        account = account_get_for_user(request.user, v["account"])
        req = services.fund_request_submit(
            actor=request.user,
            account=account,
            amount=v["amount"],
            purpose=v["purpose"],
            case=case_get_for_user(request.user, v["case"]) if v["case"] else None,
            decision=decision_get_for_user(request.user, v["decision"]) if v["decision"] else None,
            attachments=v["attachments"],
        )
        return Response(_request_detail(request, req.pk), status=201)


class RequestDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=RequestDetailOut, summary="用款申请详情（含支付与余额）")
    def get(self, request: Request, pk: int) -> Response:
        return Response(_request_detail(request, pk))


class ApproveView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=FundNoteIn, responses=RequestDetailOut, summary="批准（本级额度内 / 上级）"
    )
    def post(self, request: Request, pk: int) -> Response:
        req = request_get_for_user(request.user, pk)
        v = _valid(FundNoteIn, request.data)
        services.fund_request_approve(actor=request.user, request=req, note=v["note"])
        return Response(_request_detail(request, pk))


class RejectView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=FundNoteIn, responses=RequestDetailOut, summary="不予批准（须填理由）")
    def post(self, request: Request, pk: int) -> Response:
        req = request_get_for_user(request.user, pk)
        v = _valid(FundNoteIn, request.data)
        services.fund_request_reject(actor=request.user, request=req, reason=v["note"])
        return Response(_request_detail(request, pk))


class PaymentView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=PaymentIn, responses={201: RequestDetailOut}, summary="登记支付（附票据照片）"
    )
    def post(self, request: Request, pk: int) -> Response:
        req = request_get_for_user(request.user, pk)
        v = _valid(PaymentIn, request.data)
        services.fund_payment_record(
            actor=request.user,
            request=req,
            amount=v["amount"],
            payee=v["payee"],
            note=v["note"],
            attachments=v["attachments"],
        )
        return Response(_request_detail(request, pk), status=201)
