"""Pages of community life, under /community/ (namespace `community`).

Residents on the phone: the catalogue, ordering, following and rating (/community/services/,
/community/my/). Party members, volunteers and team members on the phone: orders they may take
and theirs (/community/serve/). Community staff on the desktop: the order desk (confirm,
decline, assign), with filters, pages, totals and Excel export (/community/desk/).
Thin views: a scoped selector or one service call each.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from wangge.accounts.models import User
from wangge.accounts.requests import AuthedHttpRequest
from wangge.community import selectors as sel
from wangge.community.contact import (
    may_reveal_order_contact,
    order_contact_phone_shown,
    order_contact_reveal,
)
from wangge.community.models import OrderChannel, OrderEventKind, OrderState, ServiceItem
from wangge.community.servers import server_profile
from wangge.community.services import order_place
from wangge.community.workflow import allowed_actions, order_transition, staff_paths
from wangge.core.api import Forbidden, ServiceError
from wangge.core.pagination import KeysetListPage, keyset_of
from wangge.exports.registry import ExportData, ExportSpec

PER_PAGE = 30


def _page(request: AuthedHttpRequest, qs: QuerySet) -> KeysetListPage:
    """A page of orders by cursor in the list's own order (then id): no OFFSET."""
    order = [str(term) for term in qs.query.order_by]
    return keyset_of(request, qs, per_page=PER_PAGE, order=order)


def _query_without_page(request: AuthedHttpRequest) -> str:
    query = request.GET.copy()
    for name in ("page", "cursor"):
        query.pop(name, None)
    return query.urlencode()


K = OrderEventKind

ACTION_LABELS: dict[str, Any] = {
    K.CONFIRM: _lazy("建单"),
    K.DECLINE: _lazy("不予受理"),
    K.TAKE: _lazy("我来接单"),
    K.ASSIGN: _lazy("派单"),
    K.REASSIGN: _lazy("改派"),
    K.RELEASE: _lazy("退单"),
    K.COMPLETE: _lazy("服务完成"),
    K.RATE: _lazy("评价"),
    K.CLOSE: _lazy("代为确认完成"),
    K.CANCEL: _lazy("取消"),
    K.TO_CASE: _lazy("转为事件"),
    K.COMMENT: _lazy("备注"),
}


def _is_staff(user: Any) -> bool:
    return bool(staff_paths(user))


def _staff_or_403(request: AuthedHttpRequest) -> None:
    if not _is_staff(request.user):
        raise PermissionDenied(_("服务台只对社区工作人员开放"))


def _photos(request: AuthedHttpRequest) -> list:
    from wangge.attachments.services import attachment_store

    files = request.FILES.getlist("photos")[:9]
    return [attachment_store(actor=request.user, upload=f, purpose="after") for f in files]


# ---- residents --------------------------------------------------------------------------------
@login_required
def services(request: AuthedHttpRequest) -> HttpResponse:
    """The catalogue of the resident's community (or one the caller picks among theirs)."""
    communities = list(sel.communities_for_user(request.user))
    code = request.GET.get("community")
    community = next((c for c in communities if c.code == code), None) or (
        communities[0] if communities else None
    )
    account = sel.resident_account_for(request.user)
    items = list(sel.catalogue_for(community)) if community else []
    return render(
        request,
        "community/services.html",
        {
            "community": community,
            "communities": communities,
            "items": items,
            "account": account,
            "kinds": _kind_groups(items),
        },
    )


def _kind_groups(items: list[ServiceItem]) -> list[tuple[str, list[ServiceItem]]]:
    groups: dict[str, list[ServiceItem]] = {}
    for i in items:
        groups.setdefault(i.get_kind_display(), []).append(i)
    return list(groups.items())


@login_required
def order_new(request: AuthedHttpRequest, item_id: int) -> HttpResponse:
    item = (
        ServiceItem.objects.filter(pk=item_id, is_active=True).select_related("community").first()
    )
    if item is None:
        raise ServiceError(_("服务项目不存在或已下架"))
    account = sel.resident_account_for(request.user)
    staff = _is_staff(request.user) and account is None
    error = None
    if request.method == "POST":
        wanted = request.POST.get("wanted_at") or ""
        try:
            wanted_at = timezone.make_aware(datetime.fromisoformat(wanted)) if wanted else None
        except ValueError:
            wanted_at = None
            error = _("期望时间格式不正确")
        if error is None:
            try:
                order = order_place(
                    actor=request.user,
                    item=item,
                    channel=OrderChannel.PHONE if staff else OrderChannel.SELF,
                    description=request.POST.get("description", ""),
                    contact_name=request.POST.get("contact_name", ""),
                    contact_phone=request.POST.get("contact_phone", ""),
                    address=request.POST.get("address", ""),
                    wanted_at=wanted_at,
                    idempotency_key=request.POST.get("idempotency_key") or None,
                )
            except ServiceError as exc:
                error = exc.message
            else:
                messages.success(
                    request, _("已点单，单号 %(c)s。社区确认后会安排人员上门。") % {"c": order.code}
                )
                return redirect("community:order", code=order.code)
    import uuid

    return render(
        request,
        "community/order_new.html",
        {
            "item": item,
            "account": account,
            "staff": staff,
            "error": error,
            "data": request.POST,
            "key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
        },
        status=400 if error else 200,
    )


@login_required
def my_orders(request: AuthedHttpRequest) -> HttpResponse:
    qs = sel.order_list_for_user(request.user, ordered_by_me=True)
    page = _page(request, qs)
    return render(
        request,
        "community/my_orders.html",
        {"page": page, "total": page.total, "qs": _query_without_page(request)},
    )


# ---- one order --------------------------------------------------------------------------------
def _order_context(request: AuthedHttpRequest, order, **extra: Any) -> dict[str, Any]:
    actions = allowed_actions(request.user, order)
    timeline = list(sel.order_timeline(order))
    return {
        "order": order,
        "actions": [(a, str(ACTION_LABELS[a])) for a in ACTION_LABELS if a in actions],
        "timeline": timeline,
        "photos": [p for e in timeline for p in e.payload.get("attachments", [])],
        "takers": sel.takers_for_order(request.user, order)
        if {K.ASSIGN, K.REASSIGN} & set(actions)
        else [],
        "is_staff": _is_staff(request.user),
        "now": timezone.now(),
        "contact_phone": order_contact_phone_shown(order, request.user),
        "may_reveal_contact": may_reveal_order_contact(request.user, order),
        **extra,
    }


@login_required
def order_detail(request: AuthedHttpRequest, code: str) -> HttpResponse:
    order = sel.order_get_for_user(request.user, code)
    return render(request, "community/order_detail.html", _order_context(request, order))


@login_required
@require_POST
def order_contact(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """The resident's full phone for the taker or community staff, with a reason (audited)."""
    order = sel.order_get_for_user(request.user, code)
    reason = request.POST.get("reason", "")
    try:
        phone = order_contact_reveal(
            actor=request.user, order=order, reason=reason, request=request
        )
    except Forbidden:
        raise
    except ServiceError as exc:
        ctx = _order_context(request, order, reveal_error=exc.message, reveal_reason=reason)
        return render(request, "community/order_detail.html", ctx, status=400)
    ctx = _order_context(request, order, contact_revealed=True)
    ctx["contact_phone"] = phone
    response = render(request, "community/order_detail.html", ctx)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def order_act(request: AuthedHttpRequest, code: str, action: str) -> HttpResponse:
    order = sel.order_get_for_user(request.user, code)
    if action not in ACTION_LABELS:
        raise ServiceError(_("未知操作“%(a)s”") % {"a": action[:20]})
    p = request.POST
    try:
        assignee = None
        if action in (K.ASSIGN, K.REASSIGN):
            uid = p.get("assignee") or ""
            assignee = User.objects.filter(pk=int(uid)).first() if uid.isdigit() else None
        score = int(p["score"]) if (p.get("score") or "").isdigit() else None
        due = p.get("due_at") or ""
        due_at = timezone.make_aware(datetime.fromisoformat(due)) if due else None
        order_transition(
            order=order,
            actor=request.user,
            action=action,
            reason=p.get("reason", ""),
            assignee=assignee,
            due_at=due_at,
            hours=p.get("hours") or None,
            score=score,
            attachments=_photos(request) if action == K.COMPLETE else (),
        )
    except ValueError:
        error = _("时间格式不正确")
    except ServiceError as exc:
        error = exc.message
    else:
        if action == K.TAKE and request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = f"/community/orders/{order.code}/"
            return response
        messages.success(request, _("已%(a)s。") % {"a": ACTION_LABELS[action]})
        nxt = p.get("next")
        if nxt in ("desk", "serve"):
            return redirect(f"community:{nxt}")
        return redirect("community:order", code=order.code)
    if action == K.TAKE and p.get("next") == "serve":
        messages.warning(request, error)
        return redirect("community:serve")
    ctx = _order_context(request, order, error=error, open_action=action)
    return render(request, "community/order_detail.html", ctx, status=400)


# ---- people who serve -------------------------------------------------------------------------
@login_required
def serve(request: AuthedHttpRequest) -> HttpResponse:
    """接单: open orders this person may take (nearest deadline first) and theirs in hand."""
    profile = server_profile(request.user)
    if not profile.is_server:
        raise PermissionDenied(_("接单页面只对登记的党员、志愿者和服务队员开放"))
    takeable = (
        sel.order_list_for_user(request.user, takeable=True)
        .exclude(assignee_id=request.user.pk)
        .order_by("-overdue", "due_at", "created_at")[:50]
    )
    mine = sel.order_list_for_user(
        request.user, mine=True, state=[OrderState.TAKEN, OrderState.DONE]
    ).order_by("-overdue", "due_at")[:50]
    from wangge.community.credits import household_of
    from wangge.points.selectors import balance_of

    household, _person = household_of(request.user)
    done = sel.order_list_for_user(request.user, mine=True, state=[OrderState.CLOSED]).count()
    return render(
        request,
        "community/serve.html",
        {
            "takeable": list(takeable),
            "mine": list(mine),
            "kinds": sorted(profile.kinds),
            "hours_total": sel.hours_total_for_user(request.user),
            "hours": list(sel.hours_for_user(request.user)[:10]),
            "done_count": done,
            "balance": balance_of(household) if household else None,
        },
    )


# ---- community staff: the order desk ----------------------------------------------------------
DESK_TABS = {
    "ordered": (_lazy("待建单"), Q(state=OrderState.ORDERED)),
    "open": (_lazy("待接单"), Q(state=OrderState.OPEN)),
    "taken": (_lazy("服务中"), Q(state=OrderState.TAKEN)),
    "done": (_lazy("待评价"), Q(state=OrderState.DONE)),
    "overdue": (_lazy("超期"), Q(overdue=True, state__in=[OrderState.OPEN, OrderState.TAKEN])),
    "all": (_lazy("全部"), Q()),
}


def desk_orders(user: Any, params: QueryDict) -> tuple[str, str, str, QuerySet, QuerySet]:
    """(tab, words, service item, all orders matching, the tab's orders): the desk's filters,
    read the same way for the page and for its export job."""
    tab = params.get("tab") or "ordered"
    if tab not in DESK_TABS:
        tab = "ordered"
    q = (params.get("q") or "").replace("\x00", "").strip()[:50]
    item = params.get("service") or ""
    base = sel.order_list_for_user(user, q=q or None, item=int(item) if item.isdigit() else None)
    qs = base.filter(DESK_TABS[tab][1])
    if tab in ("ordered",):
        qs = qs.order_by("created_at", "id")
    elif tab in ("open", "taken", "overdue"):
        qs = qs.order_by("due_at", "id")
    return tab, q, item, base, qs


@login_required
def desk(request: AuthedHttpRequest) -> HttpResponse:
    _staff_or_403(request)
    tab, q, item, base, qs = desk_orders(request.user, request.GET)
    counts = base.aggregate(
        **{k: Count("id", filter=cond) for k, (_label, cond) in DESK_TABS.items() if k != "all"}
    )
    page = _page(request, qs)
    services = ServiceItem.objects.filter(_paths_q(staff_paths(request.user))).order_by(
        "grid_path", "sort"
    )
    return render(
        request,
        "community/desk.html",
        {
            "tab": tab,
            "tabs": [(k, str(v[0]), counts.get(k)) for k, v in DESK_TABS.items()],
            "page": page,
            "total": page.total,
            "q": q,
            "service": item,
            "services": services.select_related("community"),
            "qs": _query_without_page(request),
        },
    )


def _paths_q(paths: tuple[str, ...]) -> Q:
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(grid_path__startswith=p) | Q(grid_path__in=_prefixes(p))
    return q


def _prefixes(path: str) -> list[str]:
    parts = [c for c in path.split("/") if c]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _desk(user: Any, params: QueryDict, options: dict[str, Any]) -> ExportData:
    if not _is_staff(user):
        raise PermissionDenied(_("服务台只对社区工作人员开放"))
    tab, _q, _item, _base, qs = desk_orders(user, params)
    headers = [
        "服务单号",
        "服务项目",
        "社区",
        "网格",
        "联系人",
        "服务地址",
        "需求说明",
        "状态",
        "接单人",
        "点单时间",
        "办结期限",
        "完成时间",
        "服务时长",
        "评分",
        "超期",
    ]
    return ExportData(
        header=headers,
        items=qs.select_related("item", "community", "grid", "assignee").defer(
            "grid__geometry", "community__geometry"
        ),
        sheet="服务订单",
        audit={"tab": tab},
        row=lambda o: [
            o.code,
            o.item.name,
            o.community.name,
            o.grid.name,
            o.contact_name,
            o.address,
            o.description,
            o.get_state_display(),
            (o.assignee.display_name or o.assignee.username) if o.assignee_id else "",
            o.created_at,
            o.due_at,
            o.done_at,
            o.hours,
            o.score,
            o.overdue,
        ],
    )


DESK = ExportSpec(
    kind="community.desk",
    label=_lazy("服务订单"),
    filename="service-orders",
    build=_desk,
    list_url="community:desk",
)
