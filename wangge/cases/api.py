"""REST endpoints for cases: thin views that validate, call one service, and answer.

Every staff endpoint goes through `case_get_for_user`, so a case outside the caller's scope is
a 404 exactly like a nonexistent one. The public lookup shows only public fields.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from wangge.accounts.selectors import scope_for_user
from wangge.cases.access import ReporterPass, link_check, link_path
from wangge.cases.contact import case_contact_phone_masked, case_contact_reveal
from wangge.cases.feedback import case_feedback_give
from wangge.cases.models import (
    PUBLIC_STATUS,
    Case,
    CaseEvent,
    CaseState,
    Category,
    Channel,
    EventKind,
    FeedbackSatisfaction,
    FeedbackSolved,
    Priority,
    ReplyTemplate,
)
from wangge.cases.replies import (
    reply_render,
    reply_template_save,
    reply_templates_for_case,
    reply_templates_managed,
)
from wangge.cases.selectors import (
    case_events,
    case_get_for_user,
    case_get_public,
    case_list_for_user,
    case_list_reported_by,
    case_public_events,
    category_list,
)
from wangge.cases.services import case_report_settled, case_submit
from wangge.cases.targets import assignee_resolve, target_resolve, unit_workers
from wangge.cases.workflow import ACTIONS, allowed_actions, case_transition
from wangge.core.api import FieldsOnce, Forbidden, NotFound, ServiceError
from wangge.core.pagination import OffsetPage, api_page

# --- serializers ------------------------------------------------------------------------------


class CategoryOut(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", default=None, allow_null=True)

    class Meta:
        model = Category
        fields = [
            "code",
            "name",
            "kind",
            "parent_code",
            "handling_level",
            "department_kind",
            "response_limit",
            "response_unit",
            "handling_limit",
            "handling_unit",
            "urgent",
        ]


class SubmitIn(FieldsOnce, serializers.Serializer):
    description = serializers.CharField(trim_whitespace=True)
    title = serializers.CharField(required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(
        choices=[Channel.H5, Channel.PATROL, Channel.PHONE, Channel.API], default=Channel.H5
    )
    lat = serializers.FloatField(required=False, allow_null=True, default=None)
    lng = serializers.FloatField(required=False, allow_null=True, default=None)
    crs = serializers.CharField(required=False, default="wgs84")
    address = serializers.CharField(required=False, allow_blank=True, default="")
    category_code = serializers.CharField(required=False, allow_null=True, default=None)
    anonymous = serializers.BooleanField(required=False, default=False)
    contact_name = serializers.CharField(required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(required=False, allow_blank=True, default="")
    # Ids from POST /api/v1/attachments/ (the photos of the report, "before" when settled).
    attachments = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, max_length=9
    )
    # Patrol only: settled on the spot (小事不出网格), with what was done and photos after.
    settled = serializers.BooleanField(required=False, default=False)
    resolution = serializers.CharField(required=False, allow_blank=True, default="")
    result_attachments = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, max_length=9
    )


def _unit(case: Case) -> dict[str, Any] | None:
    d, g = case.handling_department, case.handling_grid
    if d is not None:
        return {"type": "department", "code": d.code, "name": d.name}
    if g is not None:
        return {"type": "grid", "code": g.code, "name": g.name, "level": g.level}
    return None


class CaseOut(FieldsOnce, serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display")
    priority_display = serializers.CharField(source="get_priority_display")
    public_status = serializers.CharField()
    public_status_display = serializers.SerializerMethodField()
    open311_status = serializers.CharField()
    category_code = serializers.CharField(source="category.code", default=None, allow_null=True)
    category_name = serializers.CharField(source="category.name", default=None, allow_null=True)
    grid_code = serializers.CharField(source="grid.code", default=None, allow_null=True)
    handling_unit = serializers.SerializerMethodField()
    assignee_name = serializers.SerializerMethodField()
    merged_into = serializers.CharField(
        source="merged_into.tracking_code", default=None, allow_null=True
    )

    class Meta:
        model = Case
        fields = [
            "tracking_code",
            "title",
            "description",
            "channel",
            "state",
            "state_display",
            "public_status",
            "public_status_display",
            "open311_status",
            "category_code",
            "category_name",
            "address",
            "lat",
            "lng",
            "grid_code",
            "grid_path",
            "handling_unit",
            "assignee_name",
            "urgent",
            "priority",
            "priority_display",
            "respond_by",
            "resolve_by",
            "overdue",
            "escalation_count",
            "rework_count",
            "extension_count",
            "urge_count",
            "merged_into",
            "duplicate_candidates",
            "created_at",
            "updated_at",
            "closed_at",
        ]

    def get_public_status_display(self, case: Case) -> str:
        return str(PUBLIC_STATUS[case.state].label)

    def get_handling_unit(self, case: Case) -> dict | None:
        return _unit(case)

    def get_assignee_name(self, case: Case) -> str | None:
        a = case.assignee
        return (a.display_name or a.username) if a else None


class EventOut(FieldsOnce, serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")
    attachments = serializers.SerializerMethodField()

    def get_attachments(self, event: CaseEvent) -> list[dict]:
        # Served by the attachments app, which asks `case_event_visible_to` per request.
        return [
            {"id": i, "url": f"/attachments/{i}/", "thumb_url": f"/attachments/{i}/thumb/"}
            for i in event.payload.get("attachments", [])
        ]

    class Meta:
        model = CaseEvent
        fields = [
            "seq",
            "kind",
            "kind_display",
            "actor_name",
            "from_state",
            "to_state",
            "reason",
            "payload",
            "public",
            "attachments",
            "created_at",
            "hash",
        ]


class CaseDetailOut(CaseOut):
    contact_name = serializers.SerializerMethodField()
    contact_phone = serializers.SerializerMethodField()
    suggested_category = serializers.CharField(
        source="suggested_category.code", default=None, allow_null=True
    )
    co_departments = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(CaseOut.Meta):
        fields = [
            *CaseOut.Meta.fields,
            "anonymous",
            "contact_name",
            "contact_phone",
            "suggested_category",
            "co_departments",
            "timeline",
            "allowed_actions",
        ]

    def _staff(self) -> bool:
        return self.context.get("staff", False)

    def get_contact_name(self, case: Case) -> str:
        return case.contact_name if self._staff() else ""

    def get_contact_phone(self, case: Case) -> str:
        # Masked: the full number only through the audited reveal (POST …/contact/reveal/).
        return case_contact_phone_masked(case) if self._staff() else ""

    def get_co_departments(self, case: Case) -> list[dict]:
        return [{"code": d.code, "name": d.name} for d in case.co_departments.all()]

    def get_timeline(self, case: Case) -> list[dict]:
        # One serializer renders every event: a `many=True` one builds a list serializer and a
        # child for each answer.
        event = EventOut(context=self.context)
        return [event.to_representation(e) for e in case_events(case)]

    def get_allowed_actions(self, case: Case) -> list[str]:
        return allowed_actions(self.context["user"], case)


class PublicCaseOut(FieldsOnce, serializers.Serializer):
    """What anyone with the tracking code may see: no person, no contact, no exact point."""

    tracking_code = serializers.CharField()
    title = serializers.CharField()
    category_name = serializers.CharField(source="category.name", default=None, allow_null=True)
    public_status = serializers.CharField()
    public_status_display = serializers.SerializerMethodField()
    open311_status = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    replies = serializers.SerializerMethodField()

    def get_public_status_display(self, case: Case) -> str:
        return str(PUBLIC_STATUS[case.state].label)

    def get_replies(self, case: Case) -> list[dict]:
        return [
            {
                "kind": e.kind,
                "kind_display": e.get_kind_display(),
                "text": e.reason,
                "at": e.created_at,
            }
            for e in case_public_events(case)
            if e.kind != "submit"
        ]


class ActionIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    payload = serializers.DictField(required=False, default=dict)
    target_grid = serializers.CharField(required=False, allow_blank=True, default="")
    target_department = serializers.CharField(required=False, allow_blank=True, default="")
    co_departments = serializers.ListField(
        child=serializers.CharField(), required=False, allow_null=True, default=None
    )
    merge_into = serializers.CharField(required=False, allow_blank=True, default="")
    category_code = serializers.CharField(required=False, allow_blank=True, default="")
    assignee = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="指派（assign）给的工作人员账号"
    )
    attachments = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, max_length=9
    )


# --- views ----------------------------------------------------------------------------------


class IntakeThrottle(AnonRateThrottle):
    scope = "case_intake"
    rate = "30/minute"


def _priority_param(raw: str | None) -> int | None:
    if raw in (None, ""):
        return None
    if not raw.isdigit() or int(raw) not in Priority.values:
        raise ServiceError(_("优先级应为 0（普通）、1（紧急）或 2（特急）"), code="priority")
    return int(raw)


class CaseListView(APIView):
    # The schema declares the list as this paginator's page (drf-spectacular wraps
    # `responses=CaseOut(many=True)` in its get_paginated_response_schema).
    pagination_class = OffsetPage

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def get_throttles(self):
        if self.request.method == "POST" and not self.request.user.is_authenticated:
            return [IntakeThrottle()]
        return []

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, description="状态，可用逗号分隔多个"),
            OpenApiParameter("category", str, description="类别编码前缀，如 E01"),
            OpenApiParameter("channel", str),
            OpenApiParameter("grid", str, description="网格编码（含下级）"),
            OpenApiParameter("overdue", bool),
            OpenApiParameter("priority", int, description="优先级：0 普通，1 紧急，2 特急"),
            OpenApiParameter("mine", bool, description="只看我认领的"),
            OpenApiParameter("claimable", bool, description="可认领：派给我所在单位的待认领事件"),
            OpenApiParameter("q", str, description="标题/描述/查询码"),
            OpenApiParameter("limit", int),
            OpenApiParameter("offset", int, description="最大 1000；更深的页用 cursor"),
            OpenApiParameter("cursor", str, description="翻页游标：取自上一页的 next / previous"),
        ],
        responses=CaseOut(many=True),
        summary="事件列表（按管辖范围）",
    )
    def get(self, request: Request) -> Response:
        p = request.query_params
        states = [s for s in (p.get("state") or "").split(",") if s]
        bad = [s for s in states if s not in CaseState.values]
        if bad:
            raise ServiceError(_("未知状态：%(s)s") % {"s": ",".join(bad)})

        def flag(name: str) -> bool | None:
            v = p.get(name)
            return None if v in (None, "") else v.lower() in ("1", "true", "yes")

        qs = case_list_for_user(
            request.user,
            state=states or None,
            category=p.get("category") or None,
            channel=p.get("channel") or None,
            grid=p.get("grid") or None,
            overdue=flag("overdue"),
            priority=_priority_param(p.get("priority")),
            assigned_to_me=bool(flag("mine")),
            claimable=bool(flag("claimable")),
            q=p.get("q") or None,
        )
        # By cursor (created_at, id), newest first; a small offset still works for old clients.
        page = api_page(request, qs, order=("-created_at",), max_limit=200)
        return Response(
            {
                "results": CaseOut(page.rows, many=True).data,
                "limit": page.limit,
                "offset": page.offset,
                "next": page.next,
                "previous": page.previous,
            }
        )

    @extend_schema(
        request=SubmitIn,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                location=OpenApiParameter.HEADER,
                description="重试时携带同一个键：返回第一次的结果；内容不同则 422",
            )
        ],
        responses={201: CaseDetailOut, 200: CaseDetailOut},
        summary="反映问题（居民随手拍 / 网格员巡查 / 电话受理）",
    )
    def post(self, request: Request) -> Response:
        data = SubmitIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        settled, resolution = v.pop("settled"), v.pop("resolution")
        result_attachments = v.pop("result_attachments")
        key = request.headers.get("Idempotency-Key")
        actor = request.user if request.user.is_authenticated else None
        if settled:
            if v["channel"] != Channel.PATROL or v["lat"] is None:
                raise ServiceError(_("现场处置结案只适用于带位置的网格员巡查上报"))
            submitted = case_report_settled(
                actor=actor,
                idempotency_key=key,
                resolution=resolution,
                result_attachments=result_attachments,
                **v,
            )
        else:
            submitted = case_submit(actor=actor, idempotency_key=key, **v)
        case = submitted.case
        status = 200 if submitted.replayed else 201
        if actor is None:
            # The reporter's way back without an account (docs/feedback.md): keep this link.
            return Response(
                {**PublicCaseOut(case).data, "private_link": link_path(case)}, status=status
            )
        if submitted.replayed:
            # The first answer again, read as any detail is (it may have moved on since).
            case = case_get_for_user(actor, case.tracking_code)
        # A new case is answered from the objects the intake wrote, never re-read.
        return Response(_detail(request, case), status=status)


def _detail(request: Request, case: Case) -> dict:
    # Contact data: the reporter sees their own; staff who can see the case see it masked.
    own = case.reporter_id == request.user.pk
    ctx = {"user": request.user, "staff": own or not scope_for_user(request.user).is_empty}
    return CaseDetailOut(case, context=ctx).data


class ContactRevealIn(serializers.Serializer):
    reason = serializers.CharField(max_length=200, allow_blank=True)


class ContactRevealOut(serializers.Serializer):
    contact_phone = serializers.CharField()


class CaseContactRevealView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ContactRevealIn,
        responses=ContactRevealOut,
        summary="查看反映人完整电话（须填事由，留痕）",
    )
    def post(self, request: Request, code: str) -> Response:
        case = case_get_for_user(request.user, code)
        data = ContactRevealIn(data=request.data)
        data.is_valid(raise_exception=True)
        phone = case_contact_reveal(
            actor=request.user, case=case, reason=data.validated_data["reason"], request=request
        )
        response = Response({"contact_phone": phone})
        response["Cache-Control"] = "no-store"
        return response


class CaseDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CaseDetailOut, summary="事件详情（含处理过程）")
    def get(self, request: Request, code: str) -> Response:
        return Response(_detail(request, case_get_for_user(request.user, code)))


class CaseActionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ActionIn,
        responses=CaseDetailOut,
        parameters=[
            OpenApiParameter(
                "action",
                str,
                location=OpenApiParameter.PATH,
                enum=sorted(a for a in ACTIONS if a != "overdue"),
                description="accept 立案派遣, claim 认领, assign 指派（assignee: 工作人员账号）, "
                "prioritize 调整优先级（payload {priority: 0|1|2}）, resolve 处置, close 结案, "
                "reopen 返工, "
                "escalate 上报, transfer 转派, return 退回, suspend 挂账, resume 恢复, reject, "
                "merge, settle_on_spot, comment, urge 督办, extend_request/approve/reject, "
                "reply 答复, follow_up 回访（工作人员记录回访电话）, rate 评价（反映人）："
                "payload {solved: solved|partly|not_solved, satisfaction: "
                "satisfied|basic|not_satisfied, comment}；已处置待确认的事件随之结案，"
                "not_solved 退回重办（回访可用 reopen: false 不退回）",
            )
        ],
        summary="对事件执行一个操作",
    )
    def post(self, request: Request, code: str, action: str) -> Response:
        case = case_get_for_user(request.user, code)
        if action not in ACTIONS or action == "overdue":
            raise NotFound(_("未知操作“%(a)s”") % {"a": action})
        data = ActionIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        merge_into = case_get_for_user(request.user, v["merge_into"]) if v["merge_into"] else None
        category = None
        if v["category_code"]:
            category = Category.objects.filter(code=v["category_code"], is_active=True).first()
            if category is None or not category.is_minor:
                raise ServiceError(_("事件类别“%(c)s”不存在或不可用") % {"c": v["category_code"]})
        co = (
            [d for c in v["co_departments"] if (d := target_resolve(department_code=c)[1])]
            if v["co_departments"] is not None
            else None
        )
        if action in (EventKind.RATE, EventKind.FOLLOW_UP):
            # An answer (the reporter's, or a 回访 call's) closes or reopens: one service call.
            p = v["payload"] or {}
            case_feedback_give(
                actor=request.user,
                case=case,
                solved=str(p.get("solved") or ""),
                satisfaction=str(p.get("satisfaction") or ""),
                comment=str(p.get("comment") or v["reason"] or ""),
                reopen=p.get("reopen") if isinstance(p.get("reopen"), bool) else None,
            )
            return Response(_detail(request, case_get_for_user(request.user, code)))
        # Whether the actor may send the case there is the workflow's check (targets).
        target_grid, target_department = target_resolve(
            grid_code=v["target_grid"], department_code=v["target_department"]
        )
        case_transition(
            case=case,
            actor=request.user,
            action=action,
            reason=v["reason"],
            payload=v["payload"],
            target_grid=target_grid,
            target_department=target_department,
            co_departments=co,
            merge_into=merge_into,
            category=category,
            assignee=assignee_resolve(v["assignee"]) if action == EventKind.ASSIGN else None,
            attachments=v["attachments"],
        )
        try:
            return Response(_detail(request, case_get_for_user(request.user, code)))
        except NotFound:
            # The move took the case out of the actor's scope (returned, transferred away).
            return Response(CaseOut(case).data)


class AssigneeOut(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user: Any) -> str:
        return user.display_name or user.username


class CaseAssigneesView(APIView):
    """The picker of `assign`: workers of the case's lead unit, narrowed by `q`."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=AssigneeOut(many=True),
        parameters=[OpenApiParameter("q", str, description="姓名、账号或电话")],
        summary="可指派的工作人员（处置单位）",
    )
    def get(self, request: Request, code: str) -> Response:
        case = case_get_for_user(request.user, code)
        if EventKind.ASSIGN not in allowed_actions(request.user, case):
            raise Forbidden(_("您不能指派该事件"), code="not_allowed")
        q = (request.query_params.get("q") or "").strip()[:50]
        return Response(AssigneeOut(unit_workers(case, q=q)[:50], many=True).data)


class PublicCaseView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [IntakeThrottle]

    @extend_schema(responses=PublicCaseOut, summary="凭查询码查询办理进度（无需登录）")
    def get(self, request: Request, code: str) -> Response:
        return Response(PublicCaseOut(case_get_public(code)).data)


class AnswerIn(serializers.Serializer):
    token = serializers.CharField(help_text="专属链接中的令牌（/track/<查询码>/k/<令牌>/）")
    solved = serializers.ChoiceField(choices=FeedbackSolved.choices, help_text="问题解决了吗？")
    satisfaction = serializers.ChoiceField(
        choices=FeedbackSatisfaction.choices, help_text="对处理满意吗？"
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class PublicAnswerView(APIView):
    """The reporter answers with their private link's token, without an account."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [IntakeThrottle]

    @extend_schema(
        request=AnswerIn,
        responses=PublicCaseOut,
        summary="反映人凭专属链接确认并评价（无需登录）",
    )
    def post(self, request: Request, code: str) -> Response:
        data = AnswerIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        case = link_check(v["token"], code=code)
        case_feedback_give(
            actor=ReporterPass(case_id=case.pk, source="link"),
            case=case,
            solved=v["solved"],
            satisfaction=v["satisfaction"],
            comment=v["comment"],
        )
        return Response(PublicCaseOut(case_get_public(case.tracking_code)).data)


class MyCasesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PublicCaseOut(many=True), summary="我反映的问题")
    def get(self, request: Request) -> Response:
        qs = case_list_reported_by(request.user, with_public_events=True)[:200]
        return Response(PublicCaseOut(qs, many=True).data)


class CategoryListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=CategoryOut(many=True), summary="事件类别")
    def get(self, request: Request) -> Response:
        return Response(CategoryOut(category_list(), many=True).data)


class SuggestCategoryView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [IntakeThrottle]

    @extend_schema(
        parameters=[OpenApiParameter("text", str, required=True)],
        responses=inline_serializer(
            "CategorySuggestion",
            {
                "code": serializers.CharField(allow_null=True),
                "name": serializers.CharField(allow_null=True),
                "source": serializers.CharField(allow_null=True),
                "confidence": serializers.FloatField(allow_null=True),
                "alternatives": serializers.ListField(child=serializers.DictField()),
            },
        ),
        summary="根据描述建议类别",
        description=(
            "code/name: the suggestion when confident (learned model from closed cases when "
            "sure enough, else keyword rules), else null. alternatives: up to three "
            "categories, best first, with the model's probability (null for keyword rules)."
        ),
    )
    def get(self, request: Request) -> Response:
        from wangge.cases.matching import category_suggestions

        text = (request.query_params.get("text") or "")[:4000]
        found = category_suggestions(text, limit=3)
        best = found[0] if found and found[0].confident else None
        return Response(
            {
                "code": best.category.code if best else None,
                "name": best.category.name if best else None,
                "source": best.source if best else None,
                "confidence": best.confidence if best else None,
                "alternatives": [
                    {
                        "code": s.category.code,
                        "name": s.category.name,
                        "source": s.source,
                        "confidence": s.confidence,
                    }
                    for s in found
                ],
            }
        )


# --- reply templates (答复模板) ------------------------------------------------------------------


class ReplyTemplateOut(serializers.ModelSerializer):
    unit = serializers.SerializerMethodField()

    class Meta:
        model = ReplyTemplate
        fields = ["id", "title", "body", "is_active", "unit", "updated_at"]

    def get_unit(self, t: ReplyTemplate) -> dict[str, str]:
        if t.grid is not None:
            return {"type": "grid", "code": t.grid.code, "name": t.grid.name}
        assert t.department is not None
        return {"type": "department", "code": t.department.code, "name": t.department.name}


class ReplyTemplateIn(serializers.Serializer):
    grid = serializers.CharField(required=False, allow_blank=True, default="")
    department = serializers.CharField(required=False, allow_blank=True, default="")
    title = serializers.CharField(allow_blank=True, max_length=200)
    body = serializers.CharField(allow_blank=True, max_length=4000)
    is_active = serializers.BooleanField(required=False, default=True)


class ReplyTemplateListView(APIView):
    """The templates of the units the caller keeps; POST adds one."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ReplyTemplateOut(many=True), summary="我维护的答复模板")
    def get(self, request: Request) -> Response:
        rows = reply_templates_managed(request.user).order_by("title", "id")[:500]
        return Response(ReplyTemplateOut(rows, many=True).data)

    @extend_schema(
        request=ReplyTemplateIn,
        responses={201: ReplyTemplateOut},
        summary="新建答复模板（grid 或 department 二选一；占位符见 placeholders）",
    )
    def post(self, request: Request) -> Response:
        data = ReplyTemplateIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        grid, department = target_resolve(grid_code=v["grid"], department_code=v["department"])
        row = reply_template_save(
            actor=request.user,
            grid=grid,
            department=department,
            title=v["title"],
            body=v["body"],
            is_active=v["is_active"],
        )
        return Response(ReplyTemplateOut(row).data, status=201)


class ReplyTemplateDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReplyTemplateIn, responses=ReplyTemplateOut, summary="修改答复模板")
    def put(self, request: Request, pk: int) -> Response:
        row = reply_templates_managed(request.user).filter(pk=pk).first()
        if row is None:
            raise NotFound(_("答复模板不存在或不由您维护"))
        data = ReplyTemplateIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        row = reply_template_save(
            actor=request.user,
            template=row,
            title=v["title"],
            body=v["body"],
            is_active=v["is_active"],
        )
        return Response(ReplyTemplateOut(row).data)


class CaseReplyTemplatesView(APIView):
    """The templates a reply on this case may start from, filled in from the case."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "FilledReplyTemplate",
            {
                "id": serializers.IntegerField(),
                "title": serializers.CharField(),
                "text": serializers.CharField(),
            },
        ),
        summary="事件可用的答复模板（已填入查询码、类别、反映人等）",
    )
    def get(self, request: Request, code: str) -> Response:
        case = case_get_for_user(request.user, code)
        if EventKind.REPLY not in allowed_actions(request.user, case):
            raise Forbidden(_("您不能答复该事件"), code="not_allowed")
        return Response(
            [
                {"id": t.pk, "title": t.title, "text": reply_render(template=t, case=case)}
                for t in reply_templates_for_case(case)
            ]
        )
