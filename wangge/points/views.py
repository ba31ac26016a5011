"""Pages of civility points and the points store, under /points/ (namespace `points`).

Residents (phone): my points, history, the store's goods, redeem, my codes (/points/).
Store keepers and staff (desktop): hand-over by code, stock, returns (/points/store/),
clean-household inspection entry (/points/inspection/), monthly reports with Excel export
(/points/reports/). Thin views over the points services and selectors.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.accounts.requests import AuthedHttpRequest
from wangge.accounts.selectors import scope_for_user
from wangge.community.exporting import xlsx_response
from wangge.community.selectors import resident_account_for
from wangge.community.workflow import staff_paths
from wangge.core.api import ServiceError
from wangge.core.pagination import keyset_of, list_order
from wangge.grids.models import Grid, GridLevel
from wangge.grids.selectors import grid_get_for_user
from wangge.people.models import Household
from wangge.points import selectors as sel
from wangge.points.models import PointsRule, Store
from wangge.points.services import (
    InspectionLine,
    goods_restock,
    inspection_batch_enter,
    points_redeem,
    redemption_hand_over,
    redemption_return,
)

PER_PAGE = 30


@login_required
def mine(request: AuthedHttpRequest) -> HttpResponse:
    account = resident_account_for(request.user)
    if account is None:
        return render(request, "points/mine.html", {"account": None})
    household = account.household
    # One household's own ledger: a few entries a month (awards, redemptions, corrections),
    # some hundreds in a lifetime, on the (household) index. Numbered pages cost nothing there,
    # so this list keeps them; the lists of a store or a grid page by cursor.
    entries = Paginator(sel.entries_for_household(household), PER_PAGE).get_page(
        request.GET.get("page")
    )
    stores = list(
        sel.store_list_for_user(request.user).filter(grid_path__in=_prefixes(household.grid_path))
    )
    goods = {s.pk: list(sel.goods_for_store(s)) for s in stores}
    return render(
        request,
        "points/mine.html",
        {
            "account": account,
            "balance": sel.balance_of(household),
            "page": entries,
            "total": entries.paginator.count,
            "stores": [(s, goods[s.pk]) for s in stores],
            "redemptions": list(
                sel.redemptions_for_user(request.user).filter(household=household)[:10]
            ),
        },
    )


def _prefixes(path: str) -> list[str]:
    parts = [c for c in path.split("/") if c]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


@login_required
@require_POST
def redeem(request: AuthedHttpRequest, goods_id: int) -> HttpResponse:
    goods = sel.goods_get_for_user(request.user, goods_id)
    try:
        r = points_redeem(actor=request.user, goods=goods, quantity=request.POST.get("quantity"))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("兑换成功！请凭兑换码 %(c)s 到%(s)s领取。") % {"c": r.code, "s": r.store.name},
        )
    return redirect("points:mine")


# ---- store keepers and staff ------------------------------------------------------------------
def _stores_run_by(request: AuthedHttpRequest) -> list[Store]:
    scope = scope_for_user(request.user)
    stores = sel.store_list_for_user(request.user)
    if not scope.roles:
        stores = stores.filter(keepers=request.user)
    out = list(stores)
    if not out:
        raise PermissionDenied(_("积分超市管理只对店员和社区工作人员开放"))
    return out


@login_required
def store(request: AuthedHttpRequest) -> HttpResponse:
    stores = _stores_run_by(request)
    current = next((s for s in stores if str(s.pk) == request.GET.get("store")), stores[0])
    if request.method == "POST":
        op = request.POST.get("op")
        try:
            if op == "hand_over":
                r = redemption_hand_over(
                    actor=request.user, code=request.POST.get("code", ""), store=current
                )
                messages.success(
                    request,
                    _("已发放：%(g)s × %(n)d（%(c)s）")
                    % {"g": r.goods.name, "n": r.quantity, "c": r.code},
                )
            elif op == "restock":
                goods = sel.goods_get_for_user(request.user, int(request.POST["goods"]))
                goods_restock(
                    actor=request.user,
                    goods=goods,
                    quantity=request.POST.get("quantity"),
                    note=request.POST.get("note", ""),
                )
                messages.success(
                    request, _("库存已更新：%(g)s 现有 %(n)d") % {"g": goods.name, "n": goods.stock}
                )
            elif op == "return":
                found = (
                    sel.redemptions_for_user(request.user, store=current)
                    .filter(code=(request.POST.get("code") or "").upper())
                    .first()
                )
                if found is None:
                    raise ServiceError(_("兑换码不存在"))
                redemption_return(
                    actor=request.user, redemption=found, reason=request.POST.get("reason", "")
                )
                messages.success(request, _("已退回，积分已返还"))
            else:
                raise ServiceError(_("未知操作"))
        except (ServiceError, ValueError, KeyError) as exc:
            messages.error(request, getattr(exc, "message", _("输入有误")))
        return redirect(f"{request.path}?store={current.pk}")
    # A store's redemptions grow by every hand-over, for years: by cursor, newest first.
    qs = sel.redemptions_for_user(request.user, store=current)
    redemptions = keyset_of(request, qs, per_page=PER_PAGE, order=list_order(qs))
    return render(
        request,
        "points/store.html",
        {
            "stores": stores,
            "store": current,
            "goods": list(sel.goods_for_store(current, include_inactive=True)),
            "page": redemptions,
            "total": redemptions.total,
        },
    )


# ---- inspections ------------------------------------------------------------------------------
def _staff_or_403(request: AuthedHttpRequest) -> None:
    if not staff_paths(request.user):
        raise PermissionDenied(_("只对社区工作人员开放"))


@login_required
def inspection(request: AuthedHttpRequest) -> HttpResponse:
    """清洁户评比: pick a building, tick the clean households, one batch for all."""
    _staff_or_403(request)
    scope = scope_for_user(request.user)
    from wangge.people.models import Building

    buildings = Building.objects.filter(scope.path_q("grid_path")).order_by("grid_path", "id")
    bid = request.GET.get("building") or request.POST.get("building") or ""
    building = (
        buildings.filter(pk=int(bid)).select_related("community").first()
        if (bid.isdigit())
        else None
    )
    households = (
        list(
            Household.objects.filter(room__building=building)
            .select_related("room")
            .order_by("room__unit", "room__number")
        )
        if building
        else []
    )
    rules = PointsRule.objects.filter(manual=True, is_active=True, allow_negative=False)
    error = None
    if request.method == "POST" and building is not None:
        lines = []
        for h in households:
            if request.POST.get(f"pass_{h.pk}"):
                amount = (request.POST.get(f"amount_{h.pk}") or "").strip() or None
                lines.append(InspectionLine(household_id=h.pk, passed=True, amount=amount))
            else:
                lines.append(InspectionLine(household_id=h.pk, passed=False))
        held_on = parse_date(request.POST.get("held_on") or "") or timezone.localdate()
        try:
            batch = inspection_batch_enter(
                actor=request.user,
                community=building.community,
                rule_code=request.POST.get("rule") or "clean_household",
                title=request.POST.get("title") or "",
                held_on=held_on,
                lines=lines,
            )
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("已录入“%(t)s”：参评 %(n)d 户，%(a)d 户获得积分")
                % {"t": batch.title, "n": batch.households, "a": batch.awarded},
            )
            return redirect(f"{request.path}?building={building.pk}")
    return render(
        request,
        "points/inspection.html",
        {
            "buildings": buildings[:500],
            "building": building,
            "households": households,
            "rules": rules,
            "error": error,
            "today": timezone.localdate(),
            "data": request.POST,
        },
        status=400 if error else 200,
    )


# ---- reports ----------------------------------------------------------------------------------
def _month(request: AuthedHttpRequest) -> date:
    raw = request.GET.get("month") or ""
    d = parse_date(f"{raw}-01") if len(raw) == 7 else None
    return (d or timezone.localdate()).replace(day=1)


@login_required
def reports(request: AuthedHttpRequest) -> HttpResponse:
    scope = scope_for_user(request.user)
    if not (staff_paths(request.user) or scope.has_role("leader")):
        raise PermissionDenied(_("积分报表只对社区、街道、区级工作人员开放"))
    month = _month(request)
    code = request.GET.get("grid")
    found: Grid | None
    if code:
        found = grid_get_for_user(request.user, code)
    else:
        found = Grid.objects.filter(path__in=scope.grid_paths).order_by("level").first() or (
            Grid.objects.filter(level=GridLevel.DISTRICT).first() if scope.everything else None
        )
    if found is None:
        raise PermissionDenied(_("没有可查看的网格"))
    grid = found
    report = sel.report_by_grid(request.user, grid=grid, month=month)
    stores = sel.report_by_store(request.user, month=month)
    if request.GET.get("export") == "xlsx":
        return _export(report, month)
    return render(
        request,
        "points/reports.html",
        {
            "report": report,
            "stores": stores,
            "month": month,
            "month_str": month.strftime("%Y-%m"),
            "parent": grid.parent if grid.parent and scope.covers_path(grid.parent.path) else None,
            "qs": request.GET.urlencode(),
        },
    )


def _export(report: sel.GridReport, month: date) -> HttpResponse:
    def row(r: sel.GridRow) -> list[Any]:
        return [
            r.code,
            r.name,
            r.households,
            r.active_month,
            r.participating,
            f"{r.rate * 100:.1f}%" if r.rate is not None else "",
            r.earned,
            r.spent,
        ]

    total = report.total
    return xlsx_response(
        filename=f"积分月报-{report.grid.name}-{month:%Y-%m}.xlsx",
        sheet=f"{month:%Y-%m}",
        headers=[
            "网格编码",
            "网格",
            "总户数",
            "本月有积分户数",
            "累计参与户数",
            "参与率",
            "本月发放积分",
            "本月兑换积分",
        ],
        rows=(row(r) for r in report.rows),
        totals=["合计", *row(total)[1:]] if total else None,
    )
