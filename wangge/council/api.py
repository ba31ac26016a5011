"""REST endpoints of the council day: thin views — a scoped getter, input checks, one service."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wangge.cases.selectors import case_get_for_user
from wangge.core.api import ServiceError
from wangge.core.pagination import CountedPage
from wangge.council import services
from wangge.council.apiutil import flag, grid_by_code, paged, user_by_ref
from wangge.council.models import Decision, Meeting, Topic, TopicEvent, TopicSource, TopicStep
from wangge.council.selectors import (
    council_stats,
    decision_get_for_user,
    decision_list_for_user,
    meeting_agenda,
    meeting_get_for_user,
    meeting_list_for_user,
    topic_events,
    topic_get_for_user,
    topic_list_for_user,
)
from wangge.council.workflow import allowed_actions

# --- serializers ------------------------------------------------------------------------------


class DecisionOut(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username")
    owner_name = serializers.CharField(source="owner.__str__")
    case = serializers.CharField(source="case.tracking_code", default=None, allow_null=True)
    topic = serializers.IntegerField(source="topic_id")
    topic_title = serializers.CharField(source="topic.title")

    class Meta:
        model = Decision
        fields = [
            "id",
            "topic",
            "topic_title",
            "text",
            "owner",
            "owner_name",
            "due_on",
            "case",
            "overdue",
            "done_at",
            "done_note",
            "created_at",
        ]


class TopicOut(serializers.ModelSerializer):
    step_display = serializers.CharField(source="get_step_display")
    source_display = serializers.CharField(source="get_source_display")
    community = serializers.CharField(source="community.code")
    community_name = serializers.CharField(source="community.name")
    case = serializers.CharField(source="case.tracking_code", default=None, allow_null=True)
    meeting = serializers.IntegerField(source="meeting_id", allow_null=True)
    decision = serializers.SerializerMethodField()

    class Meta:
        model = Topic
        fields = [
            "id",
            "title",
            "description",
            "source",
            "source_display",
            "proposer_name",
            "community",
            "community_name",
            "grid_path",
            "case",
            "meeting",
            "agenda_order",
            "step",
            "step_display",
            "minutes",
            "answer",
            "settled",
            "satisfaction",
            "follow_up_note",
            "decision",
            "created_at",
            "updated_at",
        ]

    def get_decision(self, topic: Topic) -> dict | None:
        try:
            d = topic.decision
        except Decision.DoesNotExist:
            return None
        return DecisionOut(d).data


class EventOut(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")

    class Meta:
        model = TopicEvent
        fields = [
            "seq",
            "kind",
            "kind_display",
            "actor_name",
            "from_step",
            "to_step",
            "note",
            "payload",
            "created_at",
        ]


class TopicDetailOut(TopicOut):
    events = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(TopicOut.Meta):
        fields = [*TopicOut.Meta.fields, "events", "allowed_actions"]

    def get_events(self, topic: Topic) -> Any:
        return EventOut(topic_events(topic), many=True).data

    def get_allowed_actions(self, topic: Topic) -> list[str]:
        return allowed_actions(self.context["user"], topic)


class MeetingOut(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display")
    community = serializers.CharField(source="community.code")
    community_name = serializers.CharField(source="community.name")
    topic_count = serializers.IntegerField(read_only=True, default=None, allow_null=True)
    attendance_count = serializers.IntegerField(read_only=True, default=None, allow_null=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "title",
            "community",
            "community_name",
            "starts_at",
            "place",
            "state",
            "state_display",
            "summary",
            "topic_count",
            "attendance_count",
            "held_at",
            "archived_at",
        ]


class MeetingDetailOut(MeetingOut):
    grids = serializers.SerializerMethodField()
    invitees = serializers.SerializerMethodField()
    agenda = serializers.SerializerMethodField()
    attendance = serializers.SerializerMethodField()

    class Meta(MeetingOut.Meta):
        fields = [*MeetingOut.Meta.fields, "grids", "invitees", "agenda", "attendance"]

    def get_grids(self, m: Meeting) -> Any:
        return [{"code": g.code, "name": g.name} for g in m.grids.order_by("path")]

    def get_invitees(self, m: Meeting) -> Any:
        return [{"username": u.username, "name": str(u)} for u in m.invitees.order_by("username")]

    def get_agenda(self, m: Meeting) -> Any:
        return TopicOut(meeting_agenda(m), many=True).data

    def get_attendance(self, m: Meeting) -> Any:
        return [
            {
                "name": a.name,
                "username": a.user.username if a.user else None,
                "role_note": a.role_note,
                "method": a.method,
                "signed_at": a.signed_at,
            }
            for a in m.attendance.select_related("user").order_by("signed_at", "id")
        ]


class ProposeIn(serializers.Serializer):
    community = serializers.CharField()
    grid = serializers.CharField(required=False, allow_blank=True, default="")
    title = serializers.CharField(allow_blank=True, trim_whitespace=True)
    description = serializers.CharField(allow_blank=True, trim_whitespace=True)
    proposer_name = serializers.CharField(required=False, allow_blank=True, default="")


class FromCaseIn(serializers.Serializer):
    tracking_code = serializers.CharField()


class MinutesIn(serializers.Serializer):
    minutes = serializers.CharField(allow_blank=True, default="")


class DecideIn(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, default="")
    owner = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None)
    due_on = serializers.DateField(required=False, allow_null=True, default=None)
    case = serializers.CharField(required=False, allow_blank=True, default="")


class TextIn(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, default="")


class FollowUpIn(serializers.Serializer):
    settled = serializers.BooleanField(required=False, allow_null=True, default=None)
    satisfaction = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class MeetingIn(serializers.Serializer):
    community = serializers.CharField()
    title = serializers.CharField(allow_blank=True, default="")
    starts_at = serializers.DateTimeField()
    place = serializers.CharField(allow_blank=True, default="")
    grids = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    invitees = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class AgendaIn(serializers.Serializer):
    topic = serializers.IntegerField()


class SignInIn(serializers.Serializer):
    user = serializers.CharField(required=False, allow_blank=True, default="")
    name = serializers.CharField(required=False, allow_blank=True, default="")
    role_note = serializers.CharField(required=False, allow_blank=True, default="")


class ArchiveIn(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True, default="")


class NoteIn(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, default="")


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    s = serializer_class(data=data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def _topic_detail(request: Request, topic: Topic) -> dict:
    topic = topic_get_for_user(request.user, topic.pk)
    return TopicDetailOut(topic, context={"user": request.user}).data


# --- topics -----------------------------------------------------------------------------------


class TopicListView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CountedPage  # declares the page it answers (schema only)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "step", str, description="环节，可逗号分隔：" + ",".join(TopicStep.values)
            ),
            OpenApiParameter("source", str, enum=TopicSource.values),
            OpenApiParameter("community", str, description="社区编码"),
            OpenApiParameter("unscheduled", bool, description="只看未列入议程的"),
            OpenApiParameter("q", str),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
        ],
        responses=TopicOut(many=True),
        summary="议题列表（按管辖范围）",
    )
    def get(self, request: Request) -> Response:
        p = request.query_params
        steps = [s for s in (p.get("step") or "").split(",") if s]
        bad = [s for s in steps if s not in TopicStep.values]
        if bad:
            raise ServiceError(_("未知环节：%(s)s") % {"s": ",".join(bad)})
        qs = topic_list_for_user(
            request.user,
            step=steps or None,
            source=p.get("source") or None,
            community=p.get("community") or None,
            unscheduled=bool(flag(request, "unscheduled")),
            q=p.get("q") or None,
        )
        return Response(paged(request, qs, lambda rows: TopicOut(rows, many=True).data))

    @extend_schema(request=ProposeIn, responses={201: TopicDetailOut}, summary="提出议题（问事）")
    def post(self, request: Request) -> Response:
        v = _valid(ProposeIn, request.data)
        community = grid_by_code(v["community"], label=_("社区"))
        grid = grid_by_code(v["grid"]) if v["grid"] else None
        topic = services.topic_propose(
            actor=request.user,
            community=community,
            grid=grid,
            title=v["title"],
            description=v["description"],
            proposer_name=v["proposer_name"],
        )
        return Response(_topic_detail(request, topic), status=201)


class TopicFromCaseView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=FromCaseIn, responses={201: TopicDetailOut}, summary="事件一键列入议事")
    def post(self, request: Request) -> Response:
        v = _valid(FromCaseIn, request.data)
        case = case_get_for_user(request.user, v["tracking_code"])
        topic = services.topic_from_case(actor=request.user, case=case)
        return Response(_topic_detail(request, topic), status=201)


class TopicDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=TopicDetailOut, summary="议题详情（含六步记录）")
    def get(self, request: Request, pk: int) -> Response:
        return Response(_topic_detail(request, topic_get_for_user(request.user, pk)))


class TopicActionView(APIView):
    """POST topics/{id}/{discuss|decide|answer|follow-up}/"""

    permission_classes = [IsAuthenticated]
    action = ""

    def post(self, request: Request, pk: int) -> Response:
        topic = topic_get_for_user(request.user, pk)
        actor = request.user
        if self.action == "discuss":
            v = _valid(MinutesIn, request.data)
            services.topic_discuss(actor=actor, topic=topic, minutes=v["minutes"])
        elif self.action == "decide":
            v = _valid(DecideIn, request.data)
            case = case_get_for_user(actor, v["case"]) if v["case"] else None
            services.topic_decide(
                actor=actor,
                topic=topic,
                text=v["text"],
                owner=user_by_ref(v["owner"], label=_("责任人")),
                due_on=v["due_on"],
                case=case,
            )
        elif self.action == "answer":
            v = _valid(TextIn, request.data)
            services.topic_answer(actor=actor, topic=topic, text=v["text"])
        elif self.action == "follow-up":
            v = _valid(FollowUpIn, request.data)
            services.topic_follow_up(
                actor=actor,
                topic=topic,
                settled=v["settled"],
                satisfaction=v["satisfaction"],
                note=v["note"],
            )
        return Response(_topic_detail(request, topic))


class TopicDiscussView(TopicActionView):
    action = "discuss"

    @extend_schema(request=MinutesIn, responses=TopicDetailOut, summary="记录说事（议事记录）")
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class TopicDecideView(TopicActionView):
    action = "decide"

    @extend_schema(
        request=DecideIn, responses=TopicDetailOut, summary="解事：决定事项、责任人、期限"
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class TopicAnswerView(TopicActionView):
    action = "answer"

    @extend_schema(request=TextIn, responses=TopicDetailOut, summary="息事：答复提出人")
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class TopicFollowUpView(TopicActionView):
    action = "follow-up"

    @extend_schema(
        request=FollowUpIn, responses=TopicDetailOut, summary="回访宁事：是否解决、满意度"
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


# --- meetings ---------------------------------------------------------------------------------


def _meeting_detail(request: Request, meeting: Meeting) -> dict:
    return MeetingDetailOut(meeting_get_for_user(request.user, meeting.pk)).data


class MeetingListView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CountedPage  # declares the page it answers (schema only)

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str),
            OpenApiParameter("community", str),
            OpenApiParameter("year", int),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
        ],
        responses=MeetingOut(many=True),
        summary="议事会列表",
    )
    def get(self, request: Request) -> Response:
        p = request.query_params
        year = p.get("year")
        if year and not year.isdigit():
            raise ServiceError(_("年度须为数字"))
        qs = meeting_list_for_user(
            request.user,
            state=p.get("state") or None,
            community=p.get("community") or None,
            year=int(year) if year else None,
        )
        return Response(paged(request, qs, lambda rows: MeetingOut(rows, many=True).data))

    @extend_schema(request=MeetingIn, responses={201: MeetingDetailOut}, summary="安排议事会")
    def post(self, request: Request) -> Response:
        v = _valid(MeetingIn, request.data)
        meeting = services.meeting_schedule(
            actor=request.user,
            community=grid_by_code(v["community"], label=_("社区")),
            title=v["title"],
            starts_at=v["starts_at"],
            place=v["place"],
            grids=[grid_by_code(c) for c in v["grids"]],
            invitees=[u for u in (user_by_ref(r, label=_("特邀代表")) for r in v["invitees"]) if u],
        )
        return Response(_meeting_detail(request, meeting), status=201)


class MeetingDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeetingDetailOut, summary="议事会详情（议程、签到）")
    def get(self, request: Request, pk: int) -> Response:
        return Response(_meeting_detail(request, meeting_get_for_user(request.user, pk)))


class MeetingAgendaView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=AgendaIn, responses=MeetingDetailOut, summary="议题列入议程")
    def post(self, request: Request, pk: int) -> Response:
        meeting = meeting_get_for_user(request.user, pk)
        v = _valid(AgendaIn, request.data)
        topic = topic_get_for_user(request.user, v["topic"])
        services.meeting_add_topic(actor=request.user, meeting=meeting, topic=topic)
        return Response(_meeting_detail(request, meeting))


class MeetingSignInView(APIView):
    """Sign-in: empty body = the caller signs themself in (phone); staff name a user or a name.

    Residents reach a meeting of any community by its id (the QR code at the door), so this
    endpoint reads the meeting without the staff scope.
    """

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=SignInIn, responses={201: MeetingOut}, summary="签到（本人或工作人员代签）"
    )
    def post(self, request: Request, pk: int) -> Response:
        from wangge.core.api import NotFound

        meeting = Meeting.objects.select_related("community").filter(pk=pk).first()
        if meeting is None:
            raise NotFound(_("议事会不存在"))
        v = _valid(SignInIn, request.data)
        row = services.meeting_sign_in(
            actor=request.user,
            meeting=meeting,
            attendee=user_by_ref(v["user"], label=_("签到人")),
            name=v["name"],
            role_note=v["role_note"],
        )
        return Response(
            {"name": row.name, "method": row.method, "signed_at": row.signed_at, "meeting": pk},
            status=201,
        )


class MeetingArchiveView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ArchiveIn, responses=MeetingDetailOut, summary="归档完事")
    def post(self, request: Request, pk: int) -> Response:
        meeting = meeting_get_for_user(request.user, pk)
        v = _valid(ArchiveIn, request.data)
        services.meeting_archive(actor=request.user, meeting=meeting, summary=v["summary"])
        return Response(_meeting_detail(request, meeting))


# --- decisions and statistics ------------------------------------------------------------------


class DecisionListView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CountedPage  # declares the page it answers (schema only)

    @extend_schema(
        parameters=[
            OpenApiParameter("mine", bool, description="只看我负责的"),
            OpenApiParameter("overdue", bool),
            OpenApiParameter("open", bool, description="只看未落实的"),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int),
        ],
        responses=DecisionOut(many=True),
        summary="议定事项（超期在前）",
    )
    def get(self, request: Request) -> Response:
        qs = decision_list_for_user(
            request.user,
            owned=bool(flag(request, "mine")),
            overdue=flag(request, "overdue"),
            open_only=bool(flag(request, "open")),
        )
        return Response(paged(request, qs, lambda rows: DecisionOut(rows, many=True).data))


class DecisionDoneView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=NoteIn, responses=DecisionOut, summary="议定事项落实完成")
    def post(self, request: Request, pk: int) -> Response:
        decision = decision_get_for_user(request.user, pk)
        v = _valid(NoteIn, request.data)
        services.decision_done(actor=request.user, decision=decision, note=v["note"])
        return Response(DecisionOut(decision_get_for_user(request.user, pk)).data)


class StatsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("start", date), OpenApiParameter("end", date)],
        responses=inline_serializer(
            "CouncilStatsOut",
            {
                "start": serializers.DateField(),
                "end": serializers.DateField(),
                "meetings_held": serializers.IntegerField(),
                "meetings_scheduled": serializers.IntegerField(),
                "topics": serializers.IntegerField(),
                "topics_by_step": serializers.DictField(child=serializers.IntegerField()),
                "followed_up": serializers.IntegerField(),
                "settled_rate": serializers.FloatField(allow_null=True),
                "satisfaction": serializers.FloatField(allow_null=True),
                "satisfied_rate": serializers.FloatField(allow_null=True),
            },
        ),
        summary="议事统计：召开次数、议题数、解决率、满意度",
    )
    def get(self, request: Request) -> Response:
        today = timezone.localdate()
        try:
            start = date.fromisoformat(request.query_params.get("start") or f"{today.year}-01-01")
            end = date.fromisoformat(request.query_params.get("end") or today.isoformat())
        except ValueError as exc:
            raise ServiceError(_("日期格式应为 YYYY-MM-DD")) from exc
        if end < start:
            raise ServiceError(_("结束日期不能早于开始日期"))
        data = council_stats(request.user, start=start, end=end)
        return Response({"start": start, "end": end, **data})
