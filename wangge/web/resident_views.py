"""The resident's pages after a report: the done page, the lookup, one case's page.

The reporter needs no account. Every report returns a private link; the browser that filed it
keeps the link's token in a long-lived signed cookie (`REPORTS_COOKIE`), so the same browser is
recognised as the reporter later, and /track/ lists what it filed. A link opened elsewhere (from
a bookmark, an SMS) is added to that browser's list. Where a phone was given, a one-time SMS code
does the same. With any of these the reporter follows the case, adds information, answers
问题解决了吗？/对处理满意吗？ (confirm, or "没解决" to reopen) — once per closure — and sees
their answer shown back afterwards. Others may follow a case ("我也遇到了").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from wangge.cases import selectors as case_selectors
from wangge.cases.access import (
    AccessRefused,
    ReporterPass,
    link_case_id,
    link_check,
    link_token,
    masked_phone,
    sms_code_check,
    sms_code_send,
)
from wangge.cases.feedback import case_feedback_give, feedback_current
from wangge.cases.models import (
    Case,
    CaseState,
    EventKind,
    FeedbackSatisfaction,
    FeedbackSolved,
)
from wangge.cases.workflow import case_transition
from wangge.core.api import ServiceError
from wangge.notify.sms import sms_gateway_configured
from wangge.web.forms import TrackForm, attach_service_error
from wangge.web.selectors import case_photos, plain_timeline

REPORTS_COOKIE = "wg_reports"
COOKIE_SALT = "wangge.web.reports"
COOKIE_KEEP = 30  # newest links kept by one browser


# ---- the browser's own list of links -------------------------------------------------------------


def browser_tokens(request: HttpRequest) -> list[str]:
    try:
        raw = request.get_signed_cookie(REPORTS_COOKIE, default="[]", salt=COOKIE_SALT)
        tokens = json.loads(raw or "[]")
    except (signing.BadSignature, ValueError):
        return []
    return [t for t in tokens if isinstance(t, str)][-COOKIE_KEEP:]


def keep_token(request: HttpRequest, response: HttpResponse, token: str) -> None:
    """Add a case's link token to the browser's list (newest last)."""
    tokens = [t for t in browser_tokens(request) if t != token] + [token]
    response.set_signed_cookie(
        REPORTS_COOKIE,
        json.dumps(tokens[-COOKIE_KEEP:]),
        salt=COOKIE_SALT,
        max_age=settings.CASES_ACCESS_LINK_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    request._wg_tokens = tokens  # type: ignore[attr-defined]


def _browser_cases(request: HttpRequest) -> list[Case]:
    """The cases this browser holds a valid link for, newest first (one query)."""
    ids: list[int] = []
    for token in getattr(request, "_wg_tokens", None) or browser_tokens(request):
        case_id = link_case_id(token, None)
        if case_id is not None:
            ids.append(case_id)
    found = {
        c.pk: c
        for c in Case.objects.filter(pk__in=ids).only(
            "pk", "tracking_code", "title", "state", "created_at"
        )
    }
    return [found[i] for i in reversed(ids) if i in found]


def reporter_actor(request: HttpRequest, case: Case) -> Any:
    """Who may answer for the reporter here: their signed-in user, a ReporterPass from a link
    this browser keeps or an SMS code checked in this session, or None."""
    user = request.user
    if user.is_authenticated and case.reporter_id == user.pk:
        return user
    if case.pk in request.session.get(SESSION_SMS_PASSES, []):
        return ReporterPass(case_id=case.pk, source="sms")
    for token in getattr(request, "_wg_tokens", None) or browser_tokens(request):
        if link_case_id(token, case.tracking_code) == case.pk:
            return ReporterPass(case_id=case.pk, source="link")
    return None


SESSION_SMS_PASSES = "web.sms_passes"


# ---- forms ---------------------------------------------------------------------------------------


class AnswerForm(forms.Form):
    solved = forms.ChoiceField(
        label=_lazy("问题解决了吗？"),
        choices=FeedbackSolved.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _lazy("请回答“问题解决了吗？”")},
    )
    satisfaction = forms.ChoiceField(
        label=_lazy("对处理满意吗？"),
        choices=FeedbackSatisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _lazy("请回答“对处理满意吗？”")},
    )
    comment = forms.CharField(
        label=_lazy("想说的话（没有解决请说明情况）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InfoForm(forms.Form):
    text = forms.CharField(
        label=_lazy("补充情况"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _lazy("请填写要补充的情况")},
    )


class SmsCodeForm(forms.Form):
    code = forms.RegexField(
        label=_lazy("短信验证码"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={
            "required": _lazy("请输入 6 位验证码"),
            "invalid": _lazy("验证码为 6 位数字"),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class FollowForm(forms.Form):
    phone = forms.RegexField(
        label=_lazy("手机号（可选，用于接收进展短信）"),
        regex=r"^1[3-9]\d{9}$",
        required=False,
        error_messages={"invalid": _lazy("请输入 11 位手机号")},
    )


# ---- where the case is, in plain words -----------------------------------------------------------


@dataclass(frozen=True)
class Whereabouts:
    text: str
    unit: str = ""


def whereabouts(case: Case) -> Whereabouts:
    """A truthful sentence of where the case is now (the resident's status line)."""
    unit = ""
    if case.handling_department is not None:
        unit = case.handling_department.name
    elif case.handling_grid is not None:
        unit = case.handling_grid.name
    state = case.state
    if state == CaseState.SUBMITTED:
        if case.grid is not None:
            return Whereabouts(
                _("已定位到%(g)s，等待指挥中心确认类别后派给网格办理") % {"g": case.grid.name}
            )
        return Whereabouts(_("未能定位，正在由指挥中心确定办理单位"))
    if state == CaseState.DISPATCHED:
        return Whereabouts(_("已交由%(u)s办理，等待工作人员接单") % {"u": unit}, unit)
    if state == CaseState.CLAIMED:
        return Whereabouts(_("%(u)s的工作人员已接单，正在处理") % {"u": unit}, unit)
    if state == CaseState.RESOLVED:
        return Whereabouts(_("%(u)s已处理完毕，等待您确认") % {"u": unit}, unit)
    if state == CaseState.SUSPENDED:
        return Whereabouts(_("暂缓办理，原因见下方进展"), unit)
    if state == CaseState.CLOSED:
        return Whereabouts(_("已办结"), unit)
    if state == CaseState.MERGED:
        return Whereabouts(_("与同一问题的其他反映合并办理"), unit)
    return Whereabouts(_("不予受理，原因见下方进展"), unit)


# ---- pages ---------------------------------------------------------------------------------------


def report_done(request: HttpRequest, code: str) -> HttpResponse:
    """After a report: the tracking code, the private link, and where the case went."""
    case = case_selectors.case_get_public(code)
    if reporter_actor(request, case) is None:
        return redirect("web:track-case", code=case.tracking_code)
    link = request.build_absolute_uri(
        reverse("web:track-link", args=[case.tracking_code, link_token(case)])
    )
    return render(
        request,
        "web/report_done.html",
        {"case": case, "where": whereabouts(case), "link": link},
    )


def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.GET or None)
    if form.is_valid():
        return redirect("web:track-case", code=form.cleaned_data["code"])
    return render(request, "web/track.html", {"form": form, "recent": _browser_cases(request)})


def track_link(request: HttpRequest, code: str, token: str) -> HttpResponse:
    """A private link: checked, kept by this browser, then the case page (without the token in
    the address bar, so it is not shared by accident)."""
    case = link_check(token, code=code)
    response = redirect("web:track-case", code=case.tracking_code)
    keep_token(request, response, token)
    return response


def _case_page(
    request: HttpRequest, case: Case, *, status: int = 200, **forms_: Any
) -> HttpResponse:
    actor = reporter_actor(request, case)
    is_reporter = actor is not None
    answer = (
        feedback_current(case) if case.state in (CaseState.RESOLVED, CaseState.CLOSED) else None
    )
    past_answers = list(case.feedback.order_by("closure")) if is_reporter else []
    master = None
    if case.state == CaseState.MERGED and case.merged_into is not None:
        master = case_selectors.case_get_public(case.merged_into.tracking_code)
    following = False
    if request.user.is_authenticated and not is_reporter:
        following = case.followers.filter(user=request.user).exists()
    return render(
        request,
        "web/track_case.html",
        {
            "case": case,
            "where": whereabouts(case),
            "timeline": plain_timeline(case),
            "is_reporter": is_reporter,
            "can_answer": is_reporter
            and case.state in (CaseState.RESOLVED, CaseState.CLOSED)
            and answer is None,
            "answer": answer,
            "past_answers": past_answers,
            "photos": case_photos(case, public_only=True) if is_reporter else [],
            "master": master,
            "master_where": whereabouts(master) if master else None,
            "phone_hint": masked_phone(case)
            if not is_reporter and sms_gateway_configured()
            else "",
            "sms_sent": request.session.get("web.sms_sent") == case.pk,
            "followers": case.followers.count(),
            "following": following,
            "can_follow": not is_reporter and case.state not in (CaseState.REJECTED,),
            "answer_form": forms_.get("answer_form") or AnswerForm(),
            "info_form": forms_.get("info_form") or InfoForm(),
            "sms_form": forms_.get("sms_form") or SmsCodeForm(),
            "follow_form": forms_.get("follow_form") or FollowForm(),
            "error": forms_.get("error") or "",
        },
        status=status,
    )


def track_case(request: HttpRequest, code: str) -> HttpResponse:
    """The public page of one case: status, where it is, a plain-words timeline; for its
    reporter (account, link or SMS code) also the photos, more information and the answer."""
    try:
        case = case_selectors.case_get_public(code)
    except ServiceError:
        form = TrackForm(initial={"code": code})
        form.is_bound = False
        return render(
            request,
            "web/track.html",
            {"form": form, "not_found": code.upper(), "recent": _browser_cases(request)},
            status=404,
        )
    return _case_page(request, case)


def _reporter_or_403(request: HttpRequest, case: Case) -> Any:
    actor = reporter_actor(request, case)
    if actor is None:
        raise AccessRefused(
            _("只有反映人可以这样做：请用提交时的浏览器、专属链接或短信验证码打开此页"),
            code="not_reporter",
        )
    return actor


@require_POST
def track_answer(request: HttpRequest, code: str) -> HttpResponse:
    """The reporter's answer to this closure: one service call, close or reopen included."""
    case = case_selectors.case_get_public(code)
    actor = _reporter_or_403(request, case)
    form = AnswerForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            result = case_feedback_give(
                actor=actor,
                case=case,
                solved=d["solved"],
                satisfaction=d["satisfaction"],
                comment=d["comment"],
            )
        except ServiceError as exc:
            status = exc.status_code
            attach_service_error(form, exc, field=exc.code if exc.code in form.fields else None)
            # Shown at the top too: after a refusal the form may be gone (already answered).
            error = exc.message
        else:
            if result.reopened:
                messages.success(request, _("已退回重新办理，我们会尽快处理。"))
            else:
                messages.success(request, _("感谢您的评价。"))
            return redirect("web:track-case", code=case.tracking_code)
    else:
        status, error = 400, ""
    case.refresh_from_db()
    return _case_page(request, case, status=status, answer_form=form, error=error)


@require_POST
def track_info(request: HttpRequest, code: str) -> HttpResponse:
    """补充情况: the reporter adds information (a comment the handlers see)."""
    case = case_selectors.case_get_public(code)
    actor = _reporter_or_403(request, case)
    form = InfoForm(request.POST)
    if form.is_valid():
        try:
            case_transition(
                case=case,
                actor=actor,
                action=EventKind.COMMENT,
                reason=form.cleaned_data["text"],
                payload={"from_reporter": True},
            )
        except ServiceError as exc:
            attach_service_error(form, exc, field="text")
        else:
            messages.success(request, _("已补充，办理人员会看到。"))
            return redirect("web:track-case", code=case.tracking_code)
    return _case_page(request, case, status=400, info_form=form)


@require_POST
def track_sms_send(request: HttpRequest, code: str) -> HttpResponse:
    case = case_selectors.case_get_public(code)
    phone = sms_code_send(case=case)
    request.session["web.sms_sent"] = case.pk
    messages.success(request, _("验证码已发送到 %(p)s") % {"p": phone})
    return redirect(reverse("web:track-case", args=[case.tracking_code]) + "#sms")


@require_POST
def track_sms_check(request: HttpRequest, code: str) -> HttpResponse:
    """A right code makes this browser the reporter's: the session for now, and the private
    link kept for later."""
    case = case_selectors.case_get_public(code)
    form = SmsCodeForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, status=400, sms_form=form)
    try:
        sms_code_check(case=case, code=form.cleaned_data["code"])
    except AccessRefused as exc:
        form.add_error("code", exc.message)
        return _case_page(request, case, status=403, sms_form=form)
    passes = [p for p in request.session.get(SESSION_SMS_PASSES, []) if p != case.pk]
    request.session[SESSION_SMS_PASSES] = [*passes, case.pk][-20:]
    request.session.pop("web.sms_sent", None)
    response = redirect("web:track-case", code=case.tracking_code)
    keep_token(request, response, link_token(case))
    messages.success(request, _("验证成功。"))
    return response


@require_POST
def track_follow(request: HttpRequest, code: str) -> HttpResponse:
    """我也遇到了: follow a case one did not report (a +1, and its updates)."""
    from wangge.cases.followers import case_follow

    case = case_selectors.case_get_public(code)
    form = FollowForm(request.POST)
    if "phone" not in request.POST:
        # From the report form's "我也遇到了": its contact phone, when it is a mobile number.
        from_report = FollowForm({"phone": request.POST.get("contact_phone", "").strip()})
        form = from_report if from_report.is_valid() else FollowForm({})
    if not form.is_valid():
        return _case_page(request, case, status=400, follow_form=form)
    user = request.user if request.user.is_authenticated else None
    case_follow(case=case, user=user, phone=form.cleaned_data["phone"] or "")
    messages.success(request, _("已记下：您也遇到了这个问题，办理进展会通知您。"))
    return redirect("web:track-case", code=case.tracking_code)


def nearby(request: HttpRequest) -> HttpResponse:
    """htmx, on the report form once a pin is placed: open reports close by, each with
    "我也遇到了" (a +1 and its updates) instead of a second report of the same thing."""
    from django.utils import timezone

    try:
        lat, lng = float(request.GET["lat"]), float(request.GET["lng"])
    except (KeyError, ValueError):
        return HttpResponse(status=204)
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return HttpResponse(status=204)
    rows = case_selectors.case_list_nearby_public(lat=lat, lng=lng, now=timezone.now())
    return render(request, "web/_nearby.html", {"rows": rows})
