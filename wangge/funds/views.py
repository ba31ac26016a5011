"""Emergency fund pages: balances and requests of my units, the request form, the request with
its approval and payments, budgets for the level above, the yearly statement."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from wangge.accounts.selectors import scope_for_user
from wangge.attachments.models import Attachment
from wangge.cases.selectors import case_get_for_user
from wangge.core.api import ServiceError
from wangge.council.access import STAFF_ROLES, role_grid_paths
from wangge.council.selectors import decision_get_for_user
from wangge.council.webutil import page_of, run
from wangge.council.xlsx import fmt_date, xlsx_response
from wangge.exports.registry import ExportData, ExportSpec
from wangge.funds import selectors, services
from wangge.funds.models import FundPayment, RequestState, SpendRequest
from wangge.funds.statement import fund_statement_xlsx
from wangge.grids.models import Grid, GridLevel

HEADERS = [
    "编号",
    "单位",
    "申请时间",
    "金额",
    "用途",
    "关联",
    "状态",
    "需上级审批",
    "已支付",
    "申请人",
    "审批人",
]


def _staffish(user: Any) -> bool:
    scope = scope_for_user(user)
    return scope.everything or bool(scope.grid_paths)


def _budget_units(user: Any) -> list[Grid]:
    """Units below the user's staff grids, to which they may give a budget."""
    scope = scope_for_user(user)
    qs = Grid.objects.filter(
        level__in=[GridLevel.STREET, GridLevel.COMMUNITY, GridLevel.ZONE], is_active=True
    )
    if scope.everything:
        return list(qs.order_by("path")[:300])
    paths = role_grid_paths(user, STAFF_ROLES)
    units = [
        g for g in qs.order_by("path") if any(g.path.startswith(p) and g.path != p for p in paths)
    ]
    return units[:300]


def _requests(user: Any, p: QueryDict, options: dict[str, Any]) -> ExportData:
    """用款申请 with the page's filters: the page's list and its export job."""
    if not _staffish(user):
        raise PermissionDenied(_("应急资金仅对工作人员开放"))
    state = p.get("state") if p.get("state") in RequestState.values else None
    needs_above = {"1": True, "0": False}.get(p.get("needs_above", ""))
    qs = selectors.request_list_for_user(user, state=state, needs_above=needs_above)
    return ExportData(
        header=HEADERS,
        items=qs,
        sheet="用款申请",
        row=lambda r: [
            r.pk,
            r.account.unit.name,
            fmt_date(r.requested_at),
            r.amount,
            r.purpose,
            r.case.tracking_code if r.case else (r.decision.topic.title if r.decision else ""),
            r.get_state_display(),
            "是" if r.needs_above else "",
            r.paid_amount,
            str(r.requested_by),
            str(r.decided_by or ""),
        ],
    )


REQUESTS = ExportSpec(
    kind="funds.requests",
    label=_lazy("应急资金用款申请"),
    filename="fund-requests",
    build=_requests,
    list_url="funds:home",
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if not _staffish(request.user):
        raise PermissionDenied(_("应急资金仅对工作人员开放"))
    p = request.GET
    status = 200
    if request.method == "POST":
        unit = Grid.objects.filter(code=request.POST.get("unit", "")).first()

        def call() -> Any:
            if unit is None:
                raise ServiceError(_("请选择单位"))
            year = request.POST.get("year", "")
            if not year.isdigit():
                raise ServiceError(_("年度不正确"))
            return services.fund_budget_set(
                actor=request.user,
                unit=unit,
                year=int(year),
                amount=request.POST.get("amount", ""),
                head_limit=request.POST.get("head_limit") or None,
            )

        _a, error = run(request, call, _("预算已下达"))
        if error is None:
            return redirect(request.get_full_path())
        status = error.status_code
    year = p.get("year") or str(timezone.localdate().year)
    accounts = list(
        selectors.account_list_for_user(request.user, year=int(year) if year.isdigit() else None)
    )
    qs = _requests(request.user, p, {}).items
    budget_units = _budget_units(request.user)
    return render(
        request,
        "funds/home.html",
        {
            "accounts": accounts,
            "page": page_of(request, qs),
            "states": RequestState.choices,
            "filters": {
                "state": p.get("state", ""),
                "needs_above": p.get("needs_above", ""),
                "year": year,
            },
            "budget_units": budget_units,
            "form": request.POST if request.method == "POST" else {},
        },
        status=status,
    )


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    if not _staffish(request.user):
        raise PermissionDenied(_("应急资金仅对工作人员开放"))
    accounts = list(selectors.account_list_for_user(request.user, year=timezone.localdate().year))
    status = 200
    if request.method == "POST":
        p = request.POST

        def call() -> SpendRequest:
            account = selectors.account_get_for_user(request.user, p.get("account", ""))
            case = (
                case_get_for_user(request.user, p["case"].strip())
                if p.get("case", "").strip()
                else None
            )
            decision = (
                decision_get_for_user(request.user, p["decision"]) if p.get("decision") else None
            )
            with transaction.atomic():
                from wangge.attachments.services import attachment_store

                photos = [
                    attachment_store(actor=request.user, upload=f)
                    for f in request.FILES.getlist("photos")[:9]
                ]
                return services.fund_request_submit(
                    actor=request.user,
                    account=account,
                    amount=p.get("amount", ""),
                    purpose=p.get("purpose", ""),
                    case=case,
                    decision=decision,
                    attachments=[a.pk for a in photos],
                )

        req, error = run(request, call, _("用款申请已提交"))
        if error is None:
            return redirect("funds:request", pk=req.pk)
        status = error.status_code
    return render(
        request,
        "funds/request_new.html",
        {
            "accounts": accounts,
            "form": request.POST if request.method == "POST" else request.GET,
        },
        status=status,
    )


def _photos(owner: Any) -> list[Attachment]:
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(type(owner))
    return list(
        Attachment.objects.filter(owner_type=ct, owner_id=str(owner.pk)).order_by("linked_at")
    )


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    req = selectors.request_get_for_user(request.user, pk)
    status = 200
    if request.method == "POST":
        p = request.POST
        what = p.get("what")
        if what == "approve":
            call: Any = lambda: services.fund_request_approve(  # noqa: E731
                actor=request.user, request=req, note=p.get("note", "")
            )
            done = _("已批准")
        elif what == "reject":
            call = lambda: services.fund_request_reject(  # noqa: E731
                actor=request.user, request=req, reason=p.get("note", "")
            )
            done = _("已不予批准")
        else:

            def call() -> FundPayment:
                from wangge.attachments.services import attachment_store

                with transaction.atomic():
                    photos = [
                        attachment_store(actor=request.user, upload=f, purpose="after")
                        for f in request.FILES.getlist("photos")[:9]
                    ]
                    return services.fund_payment_record(
                        actor=request.user,
                        request=req,
                        amount=p.get("amount", ""),
                        payee=p.get("payee", ""),
                        note=p.get("note", ""),
                        attachments=[a.pk for a in photos],
                    )

            done = _("支付已登记")
        _r, error = run(request, call, done)
        if error is None:
            return redirect(request.path)
        status = error.status_code
        req = selectors.request_get_for_user(request.user, pk)
    account = req.account
    account.refresh_from_db()
    user = request.user
    approver = services.is_above(user, account.grid_path) or services.is_head(
        user, account.grid_path
    )
    may_approve = approver and (
        not req.amount > account.head_limit or services.is_above(user, account.grid_path)
    )
    payments = list(req.payments.select_related("recorded_by").order_by("paid_at"))
    return render(
        request,
        "funds/request.html",
        {
            "req": req,
            "account": account,
            "approver": approver,
            "may_approve": may_approve,
            "payments": [(pay, _photos(pay)) for pay in payments],
            "photos": _photos(req),
            "events": list(req.events.order_by("created_at", "id")),
            "remaining": req.amount - req.paid_amount,
        },
        status=status,
    )


@login_required
def statement(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.account_get_for_user(request.user, pk)
    content, filename = fund_statement_xlsx(account)
    return xlsx_response(filename, content)
