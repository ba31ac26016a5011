"""Council pages: residents (phone) propose and follow; the community's meeting desk runs the
day; owners see their decisions; the minutes sheet prints. Thin: a scoped read, one service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from wangge.accounts.models import RoleAssignment, User
from wangge.accounts.selectors import scope_for_user
from wangge.cases.selectors import case_get_for_user
from wangge.core.api import NotFound, ServiceError
from wangge.council import selectors, services
from wangge.council.access import STAFF_ROLES, is_staff_for, role_grid_paths
from wangge.council.models import Meeting, MeetingState, TopicSource, TopicStep
from wangge.council.webutil import page_of, run
from wangge.council.xlsx import fmt_date
from wangge.exports.registry import ExportData, ExportSpec
from wangge.grids.models import Grid, GridLevel


def _is_council_staff(user: Any) -> bool:
    return bool(role_grid_paths(user, STAFF_ROLES)) or scope_for_user(user).everything


def _staff_or_403(request: HttpRequest) -> None:
    if not _is_council_staff(request.user):
        raise PermissionDenied(_("议事台仅对社区及以上工作人员开放"))


def _communities_for(user: Any) -> list[Grid]:
    scope = scope_for_user(user)
    qs = Grid.objects.filter(level=GridLevel.COMMUNITY, is_active=True)
    return list(scope.filter(qs, "path").order_by("path")) if not scope.everything else list(qs)


def _resident_community(request: HttpRequest) -> Grid | None:
    """The community a resident follows: ?c=code, else the one of their notice subscription."""
    code = request.GET.get("c") or request.POST.get("community")
    if code:
        return Grid.objects.filter(code=code, level=GridLevel.COMMUNITY).first()
    from wangge.notices.models import NoticeSubscription

    sub = NoticeSubscription.objects.filter(user=cast(User, request.user)).order_by("id").first()
    if sub is None:
        return None
    codes = [c for c in sub.grid_path.split("/") if c]
    if len(codes) < GridLevel.COMMUNITY:
        return None
    return Grid.objects.filter(code=codes[GridLevel.COMMUNITY - 1]).first()


# --- residents --------------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """周二说事 on the phone: propose a topic, the agenda and outcomes of my community."""
    community = _resident_community(request)
    status = 200
    if request.method == "POST":
        grid_code = request.POST.get("grid") or ""
        grid = Grid.objects.filter(code=grid_code).first() if grid_code else None

        def call() -> Any:
            if community is None:
                raise ServiceError(_("请选择社区（村）"))
            return services.topic_propose(
                actor=request.user,
                community=community,
                grid=grid,
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
            )

        _topic, error = run(request, call, _("议题已提交，社区会安排到周二说事日商议"))
        if error is None:
            return redirect(f"{request.path}?c={community.code}")  # type: ignore[union-attr]
        status = error.status_code
    context = {
        "community": community,
        "communities": selectors.public_communities(),
        "meetings": selectors.public_meetings(community, limit=3) if community else [],
        "outcomes": selectors.public_outcomes(community, limit=6) if community else [],
        "mine": list(selectors.my_topics(request.user)[:5]),
        "grids": (
            Grid.objects.filter(parent__parent=community, is_active=True).order_by("path")
            if community
            else []
        ),
        "form": request.POST if request.method == "POST" else {},
        "now": timezone.now(),
    }
    return render(request, "council/home.html", context, status=status)


@login_required
def sign_in(request: HttpRequest, pk: int) -> HttpResponse:
    """The page a QR code at the door opens: the attendee signs in on their phone."""
    meeting = Meeting.objects.select_related("community").filter(pk=pk).first()
    if meeting is None:
        raise NotFound(_("议事会不存在"))
    status = 200
    if request.method == "POST":
        _row, error = run(
            request,
            lambda: services.meeting_sign_in(actor=request.user, meeting=meeting),
            _("签到成功，欢迎参加议事"),
        )
        if error is None:
            return redirect(request.path)
        status = error.status_code
    signed = meeting.attendance.filter(user=cast(User, request.user)).first()
    return render(
        request, "council/sign_in.html", {"meeting": meeting, "signed": signed}, status=status
    )


# --- the meeting desk -------------------------------------------------------------------------

MEETING_HEADERS = ["编号", "会议名称", "社区", "召开时间", "地点", "状态", "议题数", "签到人数"]


def _meetings(user: Any, p: QueryDict, options: dict[str, Any]) -> ExportData:
    """The desk's meetings with its filters: the page's list and its export job."""
    if not _is_council_staff(user):
        raise PermissionDenied(_("议事台仅对社区及以上工作人员开放"))
    year = p.get("year") or ""
    meetings = selectors.meeting_list_for_user(
        user,
        state=p.get("state") or None,
        community=p.get("community") or None,
        year=int(year) if year.isdigit() else None,
    )
    return ExportData(
        header=MEETING_HEADERS,
        items=meetings,
        sheet="议事会",
        row=lambda m: [
            m.pk,
            m.title,
            m.community.name,
            fmt_date(m.starts_at),
            m.place,
            m.get_state_display(),
            m.topic_count,
            m.attendance_count,
        ],
    )


MEETINGS = ExportSpec(
    kind="council.meetings",
    label=_lazy("议事会"),
    filename="meetings",
    build=_meetings,
    list_url="council:desk",
)


@login_required
def desk(request: HttpRequest) -> HttpResponse:
    _staff_or_403(request)
    status = 200
    communities = _communities_for(request.user)
    if request.method == "POST":
        status = _desk_post(request)
        if status == 302:
            return redirect(request.get_full_path())
    p = request.GET
    meetings = _meetings(request.user, p, {}).items
    pool = selectors.topic_list_for_user(request.user, step=[TopicStep.ASKED], unscheduled=True)
    context = {
        "page": page_of(request, meetings),
        "pool": list(pool[:50]),
        "pool_total": pool.count(),
        "communities": communities,
        "states": MeetingState.choices,
        "filters": {k: p.get(k, "") for k in ("state", "community", "year")},
        "form": request.POST if request.method == "POST" else {},
    }
    return render(request, "council/desk.html", context, status=status)


def _desk_post(request: HttpRequest) -> int:
    what = request.POST.get("what")
    community = Grid.objects.filter(
        code=request.POST.get("community", ""), level=GridLevel.COMMUNITY
    ).first()
    if what == "meeting":

        def call() -> Any:
            if community is None:
                raise ServiceError(_("请选择社区（村）"))
            starts = _parse_local(request.POST.get("starts_at", ""))
            return services.meeting_schedule(
                actor=request.user,
                community=community,
                title=request.POST.get("title", ""),
                starts_at=starts,  # type: ignore[arg-type]
                place=request.POST.get("place", ""),
            )

        _m, error = run(request, call, _("议事会已安排"))
    else:

        def call() -> Any:
            if community is None:
                raise ServiceError(_("请选择社区（村）"))
            return services.topic_propose(
                actor=request.user,
                community=community,
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                proposer_name=request.POST.get("proposer_name", ""),
            )

        _t, error = run(request, call, _("议题已登记"))
    return 302 if error is None else error.status_code


def _parse_local(value: str) -> datetime | None:
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ServiceError(_("请填写召开时间")) from None
    return timezone.make_aware(dt) if timezone.is_naive(dt) else dt


def _owner_choices(meeting: Meeting) -> list[User]:
    """People who may own a decision: those working in the community's subtree."""
    ids = RoleAssignment.objects.filter(
        grid__path__startswith=meeting.grid_path, grid__isnull=False
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("username"))


@login_required
def meeting_desk(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get_for_user(request.user, pk)
    staff = is_staff_for(request.user, meeting.grid_path)
    status = 200
    if request.method == "POST":
        if not staff:
            raise PermissionDenied(_("您不是该社区议事的组织者"))
        status = _meeting_post(request, meeting)
        if status == 302:
            anchor = request.POST.get("topic")
            return redirect(request.path + (f"#topic-{anchor}" if anchor else ""))
        meeting = selectors.meeting_get_for_user(request.user, pk)
    agenda = selectors.meeting_agenda(meeting)
    pool = selectors.topic_list_for_user(
        request.user, step=[TopicStep.ASKED], unscheduled=True, community=meeting.community.code
    )
    context = {
        "meeting": meeting,
        "agenda": agenda,
        "attendance": list(meeting.attendance.select_related("user").order_by("signed_at")),
        "invitees": list(meeting.invitees.order_by("username")),
        "grids": list(meeting.grids.order_by("path")),
        "pool": list(pool[:50]),
        "owners": _owner_choices(meeting),
        "staff": staff,
        "archived": meeting.state == MeetingState.ARCHIVED,
        "all_followed": bool(agenda) and all(t.step == TopicStep.FOLLOWED for t in agenda),
        "today": timezone.localdate(),
        "sign_in_url": request.build_absolute_uri(f"/council/meetings/{meeting.pk}/sign-in/"),
        "form": request.POST if request.method == "POST" else {},
        "error_topic": request.POST.get("topic") if status >= 400 else None,
    }
    return render(request, "council/meeting.html", context, status=status)


def _meeting_post(request: HttpRequest, meeting: Meeting) -> int:
    p = request.POST
    what = p.get("what", "")
    actor = request.user

    def topic() -> Any:
        return selectors.topic_get_for_user(actor, p.get("topic", ""))

    calls: dict[str, tuple[Any, str]] = {
        "agenda": (
            lambda: services.meeting_add_topic(actor=actor, meeting=meeting, topic=topic()),
            _("已列入议程"),
        ),
        "sign_in": (lambda: _staff_sign_in(request, meeting), _("已签到")),
        "discuss": (
            lambda: services.topic_discuss(
                actor=actor, topic=topic(), minutes=p.get("minutes", "")
            ),
            _("议事记录已保存"),
        ),
        "decide": (lambda: _decide(request, topic()), _("决定事项已登记")),
        "answer": (
            lambda: services.topic_answer(actor=actor, topic=topic(), text=p.get("answer", "")),
            _("已答复提出人"),
        ),
        "follow_up": (
            lambda: services.topic_follow_up(
                actor=actor,
                topic=topic(),
                settled={"1": True, "0": False}.get(p.get("settled", "")),
                satisfaction=int(p["satisfaction"])
                if p.get("satisfaction", "").isdigit()
                else None,
                note=p.get("note", ""),
            ),
            _("回访已记录"),
        ),
        "archive": (
            lambda: services.meeting_archive(
                actor=actor, meeting=meeting, summary=p.get("summary", "")
            ),
            _("议事会已归档"),
        ),
    }
    if what not in calls:
        raise NotFound(_("未知操作"))
    call, done = calls[what]
    _r, error = run(request, call, done)
    return 302 if error is None else error.status_code


def _staff_sign_in(request: HttpRequest, meeting: Meeting) -> Any:
    p = request.POST
    username, name = p.get("user", "").strip(), p.get("name", "").strip()
    if not username and not name:
        raise ServiceError(_("请选择签到人或填写姓名"), code="required")
    attendee = None
    if username:
        attendee = User.objects.filter(username=username, is_active=True).first()
        if attendee is None:
            raise ServiceError(_("签到人不存在：%(u)s") % {"u": username}, code="unknown_user")
    return services.meeting_sign_in(
        actor=request.user,
        meeting=meeting,
        attendee=attendee,
        name=name,
        role_note=p.get("role_note", ""),
    )


def _decide(request: HttpRequest, topic: Any) -> Any:
    p = request.POST
    owner = User.objects.filter(username=p.get("owner", "")).first() if p.get("owner") else None
    due: date | None = None
    if p.get("due_on"):
        try:
            due = date.fromisoformat(p["due_on"])
        except ValueError:
            raise ServiceError(_("完成期限格式应为 YYYY-MM-DD")) from None
    case = case_get_for_user(request.user, p["case"]) if p.get("case") else None
    return services.topic_decide(
        actor=request.user,
        topic=topic,
        text=p.get("decision", ""),
        owner=owner,
        due_on=due,
        case=case,
    )


@login_required
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes sheet communities file: one printable page per meeting."""
    meeting = selectors.meeting_get_for_user(request.user, pk)
    return render(
        request,
        "council/minutes.html",
        {
            "meeting": meeting,
            "agenda": selectors.meeting_agenda(meeting),
            "attendance": list(meeting.attendance.order_by("signed_at")),
            "grids": list(meeting.grids.order_by("path")),
            "printed_at": timezone.now(),
        },
    )


@login_required
@require_POST
def from_case(request: HttpRequest, code: str) -> HttpResponse:
    """ "列入议事" on a case page: one click."""
    case = case_get_for_user(request.user, code)
    _topic, error = run(
        request,
        lambda: services.topic_from_case(actor=request.user, case=case),
        _("已列入议事，可在议事台安排到议程"),
    )
    if error is not None:
        return redirect(f"/cases/{case.tracking_code}/")
    return redirect("council:desk")


@login_required
def topic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    topic = selectors.topic_get_for_user(request.user, pk)
    return render(
        request,
        "council/topic.html",
        {
            "topic": topic,
            "events": list(selectors.topic_events(topic)),
            "steps": TopicStep.choices,
            "step_index": [s for s, _l in TopicStep.choices].index(topic.step),
            "is_proposer": topic.proposer_id == request.user.pk,
            "source_labels": dict(TopicSource.choices),
        },
    )


# --- decisions --------------------------------------------------------------------------------

DECISION_HEADERS = [
    "编号",
    "议题",
    "决定事项",
    "责任人",
    "完成期限",
    "超期",
    "落实时间",
    "落实情况",
]


def _decisions(user: Any, p: QueryDict, options: dict[str, Any]) -> ExportData:
    """议定事项 with the page's filters: the owner's own, or (staff) their communities'."""
    mine = p.get("scope", "mine") == "mine" or not _is_council_staff(user)
    qs = selectors.decision_list_for_user(
        user,
        owned=mine,
        overdue=True if p.get("overdue") == "1" else None,
        open_only=p.get("open") == "1",
    )
    return ExportData(
        header=DECISION_HEADERS,
        items=qs,
        sheet="议定事项",
        row=lambda d: [
            d.pk,
            d.topic.title,
            d.text,
            str(d.owner),
            d.due_on,
            "是" if d.overdue else "",
            fmt_date(d.done_at),
            d.done_note,
        ],
    )


DECISIONS = ExportSpec(
    kind="council.decisions",
    label=_lazy("议定事项"),
    filename="decisions",
    build=_decisions,
    list_url="council:decisions",
)


@login_required
def decisions(request: HttpRequest) -> HttpResponse:
    """议定事项: the owner's own list (overdue first); staff also see their communities'."""
    p = request.GET
    status = 200
    if request.method == "POST":
        decision = selectors.decision_get_for_user(request.user, request.POST.get("decision", ""))
        _d, error = run(
            request,
            lambda: services.decision_done(
                actor=request.user, decision=decision, note=request.POST.get("note", "")
            ),
            _("已标记落实"),
        )
        if error is None:
            return redirect(request.get_full_path())
        status = error.status_code
    mine = p.get("scope", "mine") == "mine" or not _is_council_staff(request.user)
    qs = _decisions(request.user, p, {}).items
    return render(
        request,
        "council/decisions.html",
        {
            "page": page_of(request, qs),
            "mine": mine,
            "staff": _is_council_staff(request.user),
            "filters": {k: p.get(k, "") for k in ("overdue", "open", "scope")},
            "today": timezone.localdate(),
        },
        status=status,
    )
