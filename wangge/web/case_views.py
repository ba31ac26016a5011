"""Case pages: resident H5, grid worker workbench, centre console.

Thin views over `wangge.cases`: a scoped selector or one service call each. The buttons a
person sees come from `workflow.allowed_actions`, and every POST goes through
`case_transition` / `case_submit`, which check the same table again.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from wangge.accounts.requests import AuthedHttpRequest
from wangge.accounts.selectors import scope_for_user
from wangge.cases import selectors as case_selectors
from wangge.cases.access import link_token
from wangge.cases.contact import REVEAL_ROLES as CONTACT_REVEAL_ROLES
from wangge.cases.contact import case_contact_phone_masked, case_contact_reveal
from wangge.cases.feedback import case_feedback_give
from wangge.cases.matching import suggest_category
from wangge.cases.models import (
    OPEN_STATES,
    Case,
    CaseState,
    Channel,
    EventKind,
    FeedbackSatisfaction,
    FeedbackSolved,
    Priority,
)
from wangge.cases.replies import reply_render, reply_templates_for_case
from wangge.cases.services import case_report_settled, case_submit, case_transition
from wangge.cases.targets import assignee_resolve, target_resolve, unit_workers
from wangge.cases.workflow import allowed_actions
from wangge.core.api import Conflict, Forbidden, ServiceError
from wangge.grids.selectors import department_list_for_user
from wangge.web import nav
from wangge.web.forms import (
    ActionForm,
    PatrolForm,
    PhoneEntryForm,
    ReportForm,
    attach_service_error,
    category_choices,
)
from wangge.web.resident_views import keep_token
from wangge.web.selectors import (
    case_map_data,
    case_photos,
    place_near,
    public_buildings,
    public_grid_outlines,
)


def _store_photos(request: HttpRequest, files: list, purpose: str = "photo") -> list:
    if not files:
        return []
    from wangge.attachments.services import attachment_store

    return [attachment_store(actor=_actor(request), upload=f, purpose=purpose) for f in files]


def _actor(request: HttpRequest):
    """The signed-in user, or None for an anonymous visitor (the services' convention)."""
    return request.user if request.user.is_authenticated else None


def _fresh_key() -> str:
    return uuid.uuid4().hex


# ---- resident ---------------------------------------------------------------------------------


def report(request: HttpRequest) -> HttpResponse:
    """The H5 form: describe, category (suggested), place, photos, anonymous; → tracking code."""
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            try:
                photos = _store_photos(request, d["photos"])
                case = case_submit(
                    actor=_actor(request),
                    channel=Channel.H5,
                    description=d["description"],
                    lat=d["lat"],
                    lng=d["lng"],
                    crs="wgs84",  # the browser's Geolocation API and our map both speak WGS-84
                    address=d["address"],
                    category_code=d["category"] or None,
                    anonymous=d["anonymous"],
                    contact_name=d["contact_name"],
                    contact_phone=d["contact_phone"],
                    idempotency_key=d["idempotency_key"] or None,
                    attachments=photos,
                ).case
            except ServiceError as exc:
                attach_service_error(form, exc)
            else:
                # The browser keeps the case's private link: it is the reporter's way back.
                response = redirect("web:report-done", code=case.tracking_code)
                keep_token(request, response, link_token(case))
                return response
        status = 400
    else:
        form = ReportForm(initial={"idempotency_key": _fresh_key()})
        status = 200
    return render(
        request,
        "web/report.html",
        {"form": form, "outlines_url": reverse("web:grid-outlines")},
        status=status,
    )


def suggest(request: HttpRequest) -> HttpResponse:
    """htmx: the category the keywords suggest for what has been typed so far."""
    text = (request.GET.get("description") or "")[:4000]
    category = suggest_category(text) if len(text.strip()) >= 2 else None
    return render(request, "web/_suggest.html", {"category": category})


def grid_outlines(request: HttpRequest) -> HttpResponse:
    """Community, zone and micro-grid outlines with names, to find one's place on the report
    map when no tile server is configured. Grid boundaries are posted publicly (网格公示牌);
    no people, no cases."""
    from django.http import JsonResponse

    response = JsonResponse(public_grid_outlines())
    response["Cache-Control"] = "public, max-age=600"
    return response


def _throttled(request: HttpRequest) -> HttpResponse | None:
    from wangge.core.throttling import throttle_wait, too_many_requests

    wait = throttle_wait(request, "anon")
    return too_many_requests(wait) if wait is not None else None


def _bad(message: str, status: int = 400) -> HttpResponse:
    from django.http import JsonResponse

    return JsonResponse({"detail": message}, status=status)


def _float(value: str | None, low: float, high: float) -> float | None:
    try:
        x = float(value or "")
    except ValueError:
        return None
    return x if low <= x <= high and x == x else None


def map_buildings(request: HttpRequest) -> HttpResponse:
    """Building points with their numbers, for the report and case maps (what a building's
    own sign says; nobody's personal data). `bbox=minlng,minlat,maxlng,maxlat` limits them."""
    from django.http import JsonResponse

    if (limited := _throttled(request)) is not None:
        return limited
    bbox = None
    raw = request.GET.get("bbox", "").strip()
    if raw:
        parts = raw.split(",")
        nums = [_float(p, -180, 180) for p in parts] if len(parts) == 4 else []
        if len(nums) != 4 or any(n is None for n in nums):
            return _bad(_("bbox 格式应为 最小经度,最小纬度,最大经度,最大纬度"))
        minx, miny, maxx, maxy = (float(n) for n in nums)  # type: ignore[arg-type]
        if minx > maxx or miny > maxy or not (-90 <= miny <= 90 and -90 <= maxy <= 90):
            return _bad(_("bbox 范围无效"))
        bbox = (minx, miny, maxx, maxy)
    response = JsonResponse(public_buildings(bbox=bbox))
    response["Cache-Control"] = "public, max-age=600"
    return response


def map_where(request: HttpRequest) -> HttpResponse:
    """The grid and nearest building of a pinned point: "怡园社区1片区1号微网格 · 16号楼附近"."""
    from django.http import JsonResponse

    if (limited := _throttled(request)) is not None:
        return limited
    lat = _float(request.GET.get("lat"), -90, 90)
    lng = _float(request.GET.get("lng"), -180, 180)
    if lat is None or lng is None:
        return _bad(_("经纬度无效"))
    return JsonResponse(place_near(lat, lng).as_dict())


def map_locate(request: HttpRequest) -> HttpResponse:
    """A typed address ("怡园小区16号楼") → the building's point, grid and place text."""
    from django.http import JsonResponse

    from wangge.people.selectors import address_resolve

    if (limited := _throttled(request)) is not None:
        return limited
    text = (request.GET.get("q") or "").strip()[:200]
    if not text:
        return _bad(_("请输入地址，例如 怡园小区16号楼"))
    match = address_resolve(text)
    if match is None:
        return _bad(
            _("未能把“%(text)s”解析到已登记的楼栋，请在地图上点选") % {"text": text[:50]}, 404
        )
    return JsonResponse(
        {"lat": match.lat, "lng": match.lng, **place_near(match.lat, match.lng).as_dict()}
    )


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    from wangge.web import listing

    page = listing.keyset_of(request, _listing(case_selectors.case_list_reported_by(request.user)))
    context = {"cases": page.object_list, "page": page, "total": page.total, "qs": ""}
    return render(request, "web/my_cases.html", context)


# ---- grid worker ------------------------------------------------------------------------------


def _worker_or_403(request: HttpRequest) -> None:
    scope = scope_for_user(request.user)
    if not (nav.is_worker(scope, request.user) or nav.is_console(scope, request.user)):
        raise PermissionDenied(_("工作台只对网格工作人员开放"))


# What the lists show. Lists load only these columns: the scoped selector joins the grids,
# whose GeoJSON boundaries would otherwise travel with every row of a queue polled every 4 s.
LIST_FIELDS = (
    "tracking_code",
    "title",
    "address",
    "state",
    "channel",
    "overdue",
    "urgent",
    "priority",
    "urge_count",
    "respond_by",
    "resolve_by",
    "created_at",
    "duplicate_candidates",
    "category__name",
    "grid__name",
)


def _listing(qs):
    return qs.select_related(None).select_related("category", "grid").only(*LIST_FIELDS)


def _queue(user) -> dict[str, Any]:
    # Overdue first, then the nearest deadline: what is most urgent is on top.
    order = ("-overdue", "-priority", "respond_by", "-created_at")
    claimable = _listing(case_selectors.case_list_for_user(user, claimable=True))
    mine = _listing(
        case_selectors.case_list_for_user(user, assigned_to_me=True, state=[CaseState.CLAIMED])
    )
    claimable = claimable.order_by(*order)[:50]
    mine = mine.order_by("-overdue", "resolve_by", "-created_at")[:50]
    return {"claimable": list(claimable), "mine": list(mine)}


@login_required
def worker_queue(request: HttpRequest) -> HttpResponse:
    _worker_or_403(request)
    return render(request, "web/worker_queue.html", _queue(request.user))


@login_required
def worker_queue_fragment(request: HttpRequest) -> HttpResponse:
    """htmx polls this every few seconds: new cases in my grids appear without a reload."""
    _worker_or_403(request)
    return render(request, "web/_queue.html", _queue(request.user))


@login_required
@require_POST
def claim(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """秒认领: one tap; losing the race is answered kindly, with who won."""
    case = case_selectors.case_get_for_user(request.user, code)
    try:
        case_transition(case=case, actor=request.user, action=EventKind.CLAIM)
    except Conflict as exc:
        note = (
            _("慢了一步：%(msg)s。列表已刷新。") % {"msg": exc.message}
            if exc.code == "already_claimed"
            else exc.message
        )
        if request.htmx:
            return render(
                request, "web/_queue.html", {**_queue(request.user), "note": note}, status=200
            )
        messages.warning(request, note)
        return redirect("web:worker-queue")
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("web:case", args=[case.tracking_code])
        return response
    messages.success(request, _("已认领，请尽快处置。"))
    return redirect("web:case", code=case.tracking_code)


@login_required
def patrol(request: HttpRequest) -> HttpResponse:
    """巡查上报, and 现场处置结案 for what the worker settled on the spot."""
    _worker_or_403(request)
    if request.method == "POST":
        form = PatrolForm(request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            args = dict(
                actor=request.user,
                description=d["description"],
                lat=d["lat"],
                lng=d["lng"],
                crs="wgs84",
                address=d["address"],
                category_code=d["category"] or None,
                idempotency_key=d["idempotency_key"] or None,
            )
            try:
                photos = _store_photos(request, d["photos"], "before")
                if d["settle"]:
                    case = case_report_settled(
                        resolution=d["resolution"],
                        attachments=photos,
                        result_attachments=_store_photos(request, d["result_photos"], "after"),
                        **args,
                    ).case
                    messages.success(request, _("已上报并现场结案。"))
                else:
                    case = case_submit(channel=Channel.PATROL, attachments=photos, **args).case
                    messages.success(request, _("已上报。"))
            except ServiceError as exc:
                attach_service_error(form, exc)
            else:
                return redirect("web:case", code=case.tracking_code)
        status = 400
    else:
        form = PatrolForm(initial={"idempotency_key": _fresh_key()})
        status = 200
    return render(
        request,
        "web/patrol.html",
        {"form": form, "outlines_url": reverse("web:grid-outlines")},
        status=status,
    )


# ---- staff case page and actions -------------------------------------------------------------

# The order and wording of the buttons on the staff case page.
ACTION_LABELS: dict[str, Any] = {
    EventKind.CLAIM: _lazy("认领"),
    EventKind.ACCEPT: _lazy("立案派遣"),
    EventKind.ASSIGN: _lazy("指派"),
    EventKind.RESOLVE: _lazy("处置完成"),
    EventKind.REPLY: _lazy("答复群众"),
    EventKind.COMMENT: _lazy("添加备注"),
    EventKind.ESCALATE: _lazy("上报上级"),
    EventKind.RETURN: _lazy("退回"),
    EventKind.EXTEND_REQUEST: _lazy("申请延期"),
    EventKind.EXTEND_APPROVE: _lazy("批准延期"),
    EventKind.EXTEND_REJECT: _lazy("驳回延期"),
    EventKind.TRANSFER: _lazy("转派"),
    EventKind.MERGE: _lazy("合并"),
    EventKind.SUSPEND: _lazy("挂账"),
    EventKind.RESUME: _lazy("恢复办理"),
    EventKind.URGE: _lazy("督办"),
    EventKind.REJECT: _lazy("不予立案"),
    EventKind.CLOSE: _lazy("核查结案"),
    EventKind.REOPEN: _lazy("返工"),
    EventKind.FOLLOW_UP: _lazy("回访"),
    EventKind.RECATEGORIZE: _lazy("更正类别"),
    EventKind.PRIORITIZE: _lazy("调整优先级"),
}
# Actions a staff page offers (rating belongs to the reporter; the sweep marks overdue).
STAFF_ACTIONS = tuple(ACTION_LABELS)


def _case_context(request: HttpRequest, case: Case, **extra) -> dict[str, Any]:
    actions = [a for a in STAFF_ACTIONS if a in set(allowed_actions(request.user, case))]
    return {
        "case": case,
        "actions": [(a, str(ACTION_LABELS[a])) for a in actions],
        "events": case_selectors.case_timeline(case).select_related("actor"),
        "photos": case_photos(case),
        "map_data": case_map_data(case),
        "departments": department_list_for_user(request.user)
        if {EventKind.ACCEPT, EventKind.TRANSFER} & set(actions)
        else [],
        "category_groups": category_choices()[1:] if EventKind.ACCEPT in actions else [],
        # Whom the case may be handed to by name: the lead unit's workers (few per unit).
        "assignees": list(unit_workers(case)[:200]) if EventKind.ASSIGN in actions else [],
        "form": ActionForm(),
        "contact_phone": case_contact_phone_masked(case),
        "may_reveal_contact": scope_for_user(request.user).has_role(*CONTACT_REVEAL_ROLES),
        "priority_choices": Priority.choices,
        # Filled from the case; the choice only pre-fills the reply's text, which stays editable.
        "reply_templates": [
            {"id": t.pk, "title": t.title, "text": reply_render(template=t, case=case)}
            for t in reply_templates_for_case(case)
        ]
        if EventKind.REPLY in actions
        else [],
        "solved_choices": FeedbackSolved.choices,
        "satisfaction_choices": FeedbackSatisfaction.choices,
        **extra,
    }


@login_required
def case_detail(request: HttpRequest, code: str) -> HttpResponse:
    case = case_selectors.case_get_for_user(request.user, code)
    if not scope_for_user(request.user).roles and case.reporter_id == request.user.pk:
        return redirect("web:track-case", code=case.tracking_code)
    return render(request, "web/case_detail.html", _case_context(request, case))


@login_required
@require_POST
def case_contact(request: HttpRequest, code: str) -> HttpResponse:
    """The reporter's full phone, for a role that works the case, with a reason (audited)."""
    case = case_selectors.case_get_for_user(request.user, code)
    reason = request.POST.get("reason", "")
    try:
        phone = case_contact_reveal(actor=request.user, case=case, reason=reason, request=request)
    except Forbidden:
        raise
    except ServiceError as exc:
        ctx = _case_context(request, case, reveal_error=exc.message, reveal_reason=reason)
        return render(request, "web/case_detail.html", ctx, status=400)
    ctx = _case_context(request, case, contact_phone=phone, contact_revealed=True)
    return render(request, "web/case_detail.html", ctx)


@login_required
@require_POST
def case_act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    case = case_selectors.case_get_for_user(request.user, code)
    if action not in ACTION_LABELS:
        raise ServiceError(_("未知操作“%(action)s”") % {"action": action})
    form = ActionForm(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        kwargs: dict[str, Any] = {"reason": d["reason"], "payload": {}}
        try:
            # Whether the actor may send the case there is the workflow's check (targets).
            kwargs["target_grid"], kwargs["target_department"] = target_resolve(
                grid_code=d["grid"], department_code=d["department"]
            )
            if d["category"] and action in (EventKind.ACCEPT, EventKind.RECATEGORIZE):
                from wangge.cases.models import Category

                category = Category.objects.filter(code=d["category"], is_active=True).first()
                if category is None:
                    raise ServiceError(_("事件类别不存在"), code="category")
                kwargs["category"] = category
            if action == EventKind.MERGE and d["merge_into"]:
                try:
                    kwargs["merge_into"] = case_selectors.case_get_for_user(
                        request.user, d["merge_into"]
                    )
                except ServiceError as exc:
                    raise ServiceError(exc.message, code="merge_target_invalid") from exc
            if action == EventKind.PRIORITIZE:
                kwargs["payload"]["priority"] = d["priority"]
            if action == EventKind.ASSIGN:
                kwargs["assignee"] = assignee_resolve(d["assignee"])
            if action == EventKind.EXTEND_REQUEST:
                kwargs["payload"].update(amount=d["amount"], unit="working_days")
            if action == EventKind.FOLLOW_UP:
                # A 回访 call's answers: the one feedback service (closes or reopens too).
                case_feedback_give(
                    actor=request.user,
                    case=case,
                    solved=request.POST.get("solved", ""),
                    satisfaction=request.POST.get("satisfaction", ""),
                    comment=d["reason"],
                    reopen=request.POST.get("reopen") == "1",
                )
                messages.success(request, _("已记录回访结果。"))
                return redirect("web:case", code=case.tracking_code)
            photos = _store_photos(
                request, d["photos"], "after" if action == EventKind.RESOLVE else "photo"
            )
            case_transition(
                case=case, actor=request.user, action=action, attachments=photos, **kwargs
            )
        except ServiceError as exc:
            attach_service_error(form, exc)
    if form.errors:
        context = _case_context(request, case, form=form, open_action=action)
        return render(request, "web/case_detail.html", context, status=400)
    messages.success(request, _("已%(action)s。") % {"action": ACTION_LABELS[action]})
    return redirect("web:case", code=case.tracking_code)


# ---- centre console ---------------------------------------------------------------------------


def console_or_403(request: HttpRequest) -> None:
    scope = scope_for_user(request.user)
    if not (nav.is_console(scope, request.user) or scope.everything):
        raise PermissionDenied(_("指挥台只对中心、街道、社区工作人员开放"))


CONSOLE_TABS = {
    "triage": _lazy("待分拨"),
    "supervision": _lazy("督办"),
    "open": _lazy("办理中"),
    "all": _lazy("全部"),
}


@login_required
def console(request: HttpRequest) -> HttpResponse:
    """The centre's lists: a tab (待分拨, 督办, 办理中, 全部), the filters of
    `web.listing`, 50 a page with the total."""
    from wangge.web import listing

    console_or_403(request)
    tab = request.GET.get("tab") or "triage"
    if tab not in CONSOLE_TABS:
        tab = "triage"
    form = listing.CaseFilterForm(request.GET or None, user=request.user)
    filters = listing.case_filter_kwargs(form)
    base = listing.apply_extra(
        _listing(case_selectors.case_list_for_user(request.user, **filters)), form
    )
    open_states = [CaseState.DISPATCHED, CaseState.CLAIMED]
    supervised = Q(overdue=True) | Q(urge_count__gt=0)
    counts = {
        "triage": base.filter(state=CaseState.SUBMITTED).count(),
        "supervision": base.filter(supervised, state__in=open_states).count(),
        "open": base.filter(state__in=open_states).count(),
    }
    page: Any
    if tab == "triage":
        # Oldest first, by cursor: the queue of reports still to be taken in.
        page = listing.keyset_of(request, base.filter(state=CaseState.SUBMITTED), descending=False)
    elif tab == "supervision":
        # By deadline, by cursor; 排序 = 优先级 on the working tabs puts the most pressing first.
        cases = base.filter(supervised, state__in=open_states)
        page = listing.keyset_of(request, cases, order=listing.sort_order(form, "resolve_by"))
    elif tab == "open":
        cases = base.filter(state__in=open_states)
        order = listing.sort_order(form, "-overdue", "resolve_by")
        page = listing.keyset_of(request, cases, order=order)
    else:
        # Everything the scope ever had: by cursor, the total counted to a cap.
        page = listing.keyset_of(request, base)
    # The cockpit's 超期在办, counted the same way (stats.rollup: not yet closed, the sweep's
    # overdue flag set), over the whole scope, whatever the filters.
    overdue_open = case_selectors.case_list_for_user(
        request.user, overdue=True, state=[*OPEN_STATES, CaseState.RESOLVED]
    ).count()
    return render(
        request,
        "web/console.html",
        {
            "overdue_open": overdue_open,
            "tab": tab,
            "tabs": [(k, str(v), counts.get(k)) for k, v in CONSOLE_TABS.items()],
            "cases": page.object_list,
            "page": page,
            "total": page.total,
            "qs": listing.query_without(request),
            "tab_qs": listing.query_without(request, "tab"),
            "filter_form": form,
            "q": (form.cleaned_data.get("q") if form.is_valid() else "") or "",
        },
    )


@login_required
def phone_entry(request: HttpRequest) -> HttpResponse:
    """电话受理: the operator types in a call."""
    console_or_403(request)
    if request.method == "POST":
        form = PhoneEntryForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                case = case_submit(
                    actor=request.user,
                    channel=Channel.PHONE,
                    description=d["description"],
                    lat=d["lat"],
                    lng=d["lng"],
                    crs="wgs84",
                    address=d["address"],
                    category_code=d["category"] or None,
                    anonymous=d["anonymous"],
                    contact_name=d["contact_name"],
                    contact_phone=d["contact_phone"],
                    idempotency_key=d["idempotency_key"] or None,
                ).case
            except ServiceError as exc:
                attach_service_error(form, exc)
            else:
                messages.success(
                    request, _("已受理，查询码 %(code)s") % {"code": case.tracking_code}
                )
                return redirect("web:case", code=case.tracking_code)
        status = 400
    else:
        form = PhoneEntryForm(initial={"idempotency_key": _fresh_key()})
        status = 200
    return render(
        request,
        "web/phone_entry.html",
        {"form": form, "outlines_url": reverse("web:grid-outlines")},
        status=status,
    )
