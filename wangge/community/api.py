"""REST endpoints of community life: thin views that validate, call one service, answer.

Every order endpoint goes through `order_get_for_user`, so an order outside the caller's reach
is a 404 exactly like a nonexistent one.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wangge.accounts.models import User
from wangge.accounts.requests import request_user
from wangge.accounts.selectors import scope_for_user
from wangge.community import selectors as sel
from wangge.community.contact import order_contact_phone_shown, order_contact_reveal
from wangge.community.models import (
    OrderChannel,
    OrderState,
    PartyMember,
    Registration,
    ServiceItem,
    ServiceOrder,
    ServiceOrderEvent,
    ServiceTeam,
    Volunteer,
    VolunteerHours,
)
from wangge.community.servers import server_profile
from wangge.community.services import (
    order_from_case,
    order_place,
    party_member_register,
    resident_account_bind,
    volunteer_hours_record,
    volunteer_register,
)
from wangge.community.workflow import ACTIONS, allowed_actions, order_transition
from wangge.core.api import NotFound, ServiceError, request_body
from wangge.core.pagination import CursorCountedPage, counted_page
from wangge.grids.models import Grid, GridLevel

MAX_LIMIT = 200


def page(request: Request, qs: QuerySet, out: type[serializers.Serializer], **ctx: Any) -> Response:
    """A page by cursor in the list's own order (its selector's `order_by`, then id), with the
    total up to 10,000 and `next`/`previous` links; a small `offset` still works for old
    clients. Residents' orders of a whole street grow without bound: no OFFSET scan."""
    return Response(
        counted_page(
            request,
            qs,
            lambda rows: out(rows, many=True, context={"request": request, **ctx}).data,
            max_limit=MAX_LIMIT,
        )
    )


def _community(code: str) -> Grid:
    g = Grid.objects.filter(code=str(code or "").strip(), level=GridLevel.COMMUNITY).first()
    if g is None:
        raise NotFound(_("社区 %(c)s 不存在") % {"c": code or "—"})
    return g


def _user_in_scope(request: Request, user_id: Any) -> User:
    try:
        pk = int(user_id)
    except (TypeError, ValueError):
        raise ServiceError(_("请指定人员"), code="assignee_required") from None
    u = User.objects.filter(pk=pk, is_active=True).first()
    if u is None:
        raise NotFound(_("人员不存在"))
    return u


# --- serializers -------------------------------------------------------------------------------
class ServiceItemOut(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")
    community_code = serializers.CharField(source="community.code")
    community_name = serializers.CharField(source="community.name")

    class Meta:
        model = ServiceItem
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "description",
            "community_code",
            "community_name",
            "for_party_members",
            "for_volunteers",
            "for_teams",
            "points",
            "hours",
            "due_hours",
            "is_active",
        ]


class OrderOut(serializers.ModelSerializer):
    service = serializers.CharField(source="item.name")
    service_id = serializers.IntegerField(source="item_id")
    state_display = serializers.CharField(source="get_state_display")
    channel_display = serializers.CharField(source="get_channel_display")
    community_code = serializers.CharField(source="community.code")
    community_name = serializers.CharField(source="community.name")
    grid_code = serializers.CharField(source="grid.code")
    grid_name = serializers.CharField(source="grid.name")
    assignee_name = serializers.SerializerMethodField()
    team_name = serializers.CharField(source="team.name", default=None, allow_null=True)
    case_code = serializers.CharField(source="case.tracking_code", default=None, allow_null=True)

    class Meta:
        model = ServiceOrder
        fields = [
            "code",
            "service",
            "service_id",
            "state",
            "state_display",
            "channel",
            "channel_display",
            "community_code",
            "community_name",
            "grid_code",
            "grid_name",
            "contact_name",
            "address",
            "description",
            "wanted_at",
            "due_at",
            "assignee_name",
            "assignee_kind",
            "team_name",
            "hours",
            "result",
            "score",
            "rating_comment",
            "reason",
            "overdue",
            "remind_count",
            "case_code",
            "created_at",
            "confirmed_at",
            "taken_at",
            "done_at",
            "closed_at",
        ]

    def get_assignee_name(self, o: ServiceOrder) -> str | None:
        a = o.assignee
        return (a.display_name or a.username) if a else None


class OrderEventOut(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display")
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = ServiceOrderEvent
        fields = [
            "seq",
            "kind",
            "kind_display",
            "actor_name",
            "from_state",
            "to_state",
            "reason",
            "payload",
            "attachments",
            "created_at",
        ]

    def get_attachments(self, e: ServiceOrderEvent) -> list[dict]:
        return [
            {"id": i, "url": f"/attachments/{i}/", "thumb_url": f"/attachments/{i}/thumb/"}
            for i in e.payload.get("attachments", [])
        ]


class OrderDetailOut(OrderOut):
    contact_phone = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    source_case_code = serializers.CharField(
        source="source_case.tracking_code", default=None, allow_null=True
    )

    class Meta(OrderOut.Meta):
        fields = [
            *OrderOut.Meta.fields,
            "contact_phone",
            "source_case_code",
            "timeline",
            "allowed_actions",
        ]

    def get_contact_phone(self, o: ServiceOrder) -> str:
        # The orderer's own number in full; anyone else (the taker and staff too) sees the mask
        # and asks POST …/contact/ with a reason (audited) for the full number.
        return order_contact_phone_shown(o, self.context["request"].user)

    def get_timeline(self, o: ServiceOrder) -> list[dict]:
        return list(OrderEventOut(sel.order_timeline(o), many=True).data)

    def get_allowed_actions(self, o: ServiceOrder) -> list[str]:
        return allowed_actions(self.context["request"].user, o)


class OrderIn(serializers.Serializer):
    service_id = serializers.IntegerField()
    # Length and emptiness are the service's to judge, in its words.
    description = serializers.CharField(required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(
        choices=[OrderChannel.SELF, OrderChannel.PHONE, OrderChannel.VISIT],
        default=OrderChannel.SELF,
    )
    household_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    contact_name = serializers.CharField(required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(required=False, allow_blank=True, default="")
    address = serializers.CharField(required=False, allow_blank=True, default="")
    wanted_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class OrderActionIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)
    assignee_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    hours = serializers.CharField(required=False, allow_blank=True, default="")
    score = serializers.IntegerField(required=False, allow_null=True, default=None)
    category_code = serializers.CharField(required=False, allow_blank=True, default="")
    attachments = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, max_length=9
    )


def _valid(serializer_cls: type[serializers.Serializer], data: Any) -> dict:
    s = serializer_cls(data=data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


# --- catalogue --------------------------------------------------------------------------------
class CatalogueView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("community", str, description="社区编码；缺省为本人所在社区")],
        responses=ServiceItemOut(many=True),
        summary="社区服务清单",
    )
    def get(self, request: Request) -> Response:
        code = request.query_params.get("community")
        community: Grid | None
        if code:
            community = _community(code)
        else:
            community = sel.communities_for_user(request.user).first()
            if community is None:
                raise ServiceError(_("请指定社区"), code="community_required")
        items = sel.catalogue_for(community).select_related("community")
        return Response(ServiceItemOut(items, many=True).data)


# --- orders -----------------------------------------------------------------------------------
class OrderListView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CursorCountedPage  # declares the page it answers (schema only)

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, description="状态，可用逗号分隔多个"),
            OpenApiParameter("mine", bool, description="我接的单"),
            OpenApiParameter("ordered", bool, description="我点的单"),
            OpenApiParameter("takeable", bool, description="我可接的单"),
            OpenApiParameter("grid", str, description="网格编码（含下级）"),
            OpenApiParameter("overdue", bool),
            OpenApiParameter("q", str, description="单号/内容/联系人/服务名称"),
        ],
        responses=OrderOut(many=True),
        summary="服务订单列表（按范围，含总数）",
    )
    def get(self, request: Request) -> Response:
        p = request.query_params
        states = [s for s in (p.get("state") or "").split(",") if s]
        bad = [s for s in states if s not in OrderState.values]
        if bad:
            raise ServiceError(_("未知状态：%(s)s") % {"s": ",".join(bad)[:100]})

        def flag(name: str) -> bool | None:
            v = p.get(name)
            return None if v in (None, "") else v.lower() in ("1", "true", "yes")

        qs = sel.order_list_for_user(
            request.user,
            state=states or None,
            mine=bool(flag("mine")),
            ordered_by_me=bool(flag("ordered")),
            takeable=bool(flag("takeable")),
            grid=(p.get("grid") or "").replace("\x00", "") or None,
            overdue=flag("overdue"),
            q=(p.get("q") or "").replace("\x00", "").strip()[:50] or None,
        )
        return page(request, qs, OrderOut)

    @extend_schema(request=OrderIn, responses={201: OrderDetailOut}, summary="点单（居民或代录）")
    def post(self, request: Request) -> Response:
        d = _valid(OrderIn, request.data)
        item = ServiceItem.objects.filter(pk=d["service_id"]).select_related("community").first()
        if item is None:
            raise NotFound(_("服务项目不存在"))
        household = None
        if d["household_id"]:
            from wangge.points.selectors import household_get_for_user

            household = household_get_for_user(request.user, d["household_id"])
        order = order_place(
            actor=request.user,
            item=item,
            description=d["description"],
            channel=d["channel"],
            household=household,
            contact_name=d["contact_name"],
            contact_phone=d["contact_phone"],
            address=d["address"],
            wanted_at=d["wanted_at"],
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        status = 200 if getattr(order, "replayed", False) else 201
        order = sel.order_get_for_user(request.user, order.code)
        return Response(OrderDetailOut(order, context={"request": request}).data, status=status)


class OrderDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OrderDetailOut, summary="服务订单详情（含过程）")
    def get(self, request: Request, code: str) -> Response:
        order = sel.order_get_for_user(request.user, code)
        return Response(OrderDetailOut(order, context={"request": request}).data)


class OrderContactIn(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class OrderContactView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=OrderContactIn,
        responses=inline_serializer("OrderContactOut", {"contact_phone": serializers.CharField()}),
        summary="查看服务订单的完整联系电话（接单人或社区工作人员，须填事由，留痕）",
    )
    def post(self, request: Request, code: str) -> Response:
        order = sel.order_get_for_user(request.user, code)
        data = OrderContactIn(data=request.data)
        data.is_valid(raise_exception=True)
        phone = order_contact_reveal(
            actor=request.user, order=order, reason=data.validated_data["reason"], request=request
        )
        resp = Response({"contact_phone": phone})
        resp["Cache-Control"] = "no-store"
        return resp


class OrderActionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=OrderActionIn,
        responses=OrderDetailOut,
        summary="服务订单操作：confirm 建单, decline 不予受理, take 接单, assign 派单, "
        "reassign 改派, release 退单, complete 完成, rate 评价, close 代为确认, cancel 取消, "
        "to_case 转为事件, comment 备注",
    )
    def post(self, request: Request, code: str, action: str) -> Response:
        if action not in ACTIONS or action == "remind":
            raise ServiceError(_("未知操作“%(a)s”") % {"a": action[:20]}, code="unknown_action")
        order = sel.order_get_for_user(request.user, code)
        d = _valid(OrderActionIn, request.data)
        assignee = None
        if action in ("assign", "reassign"):
            assignee = _user_in_scope(request, d["assignee_id"])
        from wangge.attachments.models import Attachment

        ids = d["attachments"]
        if ids:
            mine = set(
                str(a)
                for a in Attachment.objects.filter(
                    pk__in=[i for i in ids if _is_uuid(i)], uploaded_by=request_user(request)
                ).values_list("pk", flat=True)
            )
            if len(mine) != len(set(ids)):
                raise ServiceError(_("照片不存在或不是您上传的"), code="attachments")
        order_transition(
            order=order,
            actor=request.user,
            action=action,
            reason=d["reason"],
            assignee=assignee,
            due_at=d["due_at"],
            hours=d["hours"] or None,
            score=d["score"],
            category_code=d["category_code"] or None,
            attachments=ids,
        )
        order = sel.order_get_for_user(request.user, order.code)
        return Response(OrderDetailOut(order, context={"request": request}).data)


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


class OrderFromCaseView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer(
            "OrderFromCaseIn",
            {
                "service_id": serializers.IntegerField(),
                "description": serializers.CharField(required=False, allow_blank=True),
            },
        ),
        responses={201: OrderDetailOut},
        summary="事件转为服务订单（并直接建单）",
    )
    def post(self, request: Request, tracking_code: str) -> Response:
        from wangge.cases.selectors import case_get_for_user

        case = case_get_for_user(request.user, tracking_code)
        try:
            item_id = int(str(request_body(request).get("service_id")))
        except (TypeError, ValueError):
            raise ServiceError(_("请选择服务项目"), code="service") from None
        item = ServiceItem.objects.filter(pk=item_id).select_related("community").first()
        if item is None:
            raise NotFound(_("服务项目不存在"))
        order = order_from_case(
            actor=request.user,
            case=case,
            item=item,
            description=str(request_body(request).get("description") or "")[:1000],
        )
        order = sel.order_get_for_user(request.user, order.code)
        return Response(OrderDetailOut(order, context={"request": request}).data, status=201)


# --- people who serve -------------------------------------------------------------------------
class PartyMemberOut(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name")
    branch_name = serializers.CharField(source="branch.name", default=None, allow_null=True)
    registration_display = serializers.CharField(source="get_registration_display")

    class Meta:
        model = PartyMember
        fields = [
            "id",
            "name",
            "community_name",
            "branch_name",
            "registration",
            "registration_display",
            "work_unit",
            "reported_on",
            "is_central_household",
            "skills",
            "is_active",
        ]


class VolunteerOut(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name")

    class Meta:
        model = Volunteer
        fields = ["id", "name", "community_name", "skills", "hours_total", "is_active"]


class TeamOut(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name")
    leader_name = serializers.CharField(source="leader.display_name", default=None, allow_null=True)

    class Meta:
        model = ServiceTeam
        fields = ["id", "name", "community_name", "skills", "leader_name", "is_active"]


class PersonIn(serializers.Serializer):
    community = serializers.CharField()
    name = serializers.CharField(max_length=50)
    user_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    skills = serializers.CharField(required=False, allow_blank=True, default="")
    grids = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    registration = serializers.ChoiceField(
        choices=Registration.choices, required=False, default=Registration.RESIDENT
    )
    work_unit = serializers.CharField(required=False, allow_blank=True, default="")
    reported_on = serializers.DateField(required=False, allow_null=True, default=None)
    is_central_household = serializers.BooleanField(required=False, default=False)
    household_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, max_length=50
    )


def _grids(codes: list[str]) -> list[Grid]:
    grids = list(Grid.objects.filter(code__in=codes))
    if len(grids) != len(set(codes)):
        raise ServiceError(_("服务网格编码有误"), code="grids")
    return grids


class PartyMemberListView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CursorCountedPage  # declares the page it answers (schema only)

    @extend_schema(responses=PartyMemberOut(many=True), summary="党员名册（按管辖范围）")
    def get(self, request: Request) -> Response:
        qs = sel.party_member_list_for_user(request.user, q=request.query_params.get("q", "")[:50])
        return page(request, qs, PartyMemberOut)

    @extend_schema(request=PersonIn, responses={201: PartyMemberOut}, summary="登记党员 / 双报到")
    def post(self, request: Request) -> Response:
        from wangge.people.models import Household

        d = _valid(PersonIn, request.data)
        user = _user_in_scope(request, d["user_id"]) if d["user_id"] else None
        scope = scope_for_user(request.user)
        households = list(
            Household.objects.filter(scope.path_q("grid_path"), pk__in=d["household_ids"])
        )
        if len(households) != len(set(d["household_ids"])):
            raise ServiceError(_("联系户不存在或不在您的管辖范围内"), code="households")
        pm = party_member_register(
            actor=request.user,
            community=_community(d["community"]),
            name=d["name"],
            user=user,
            registration=d["registration"],
            work_unit=d["work_unit"],
            reported_on=d["reported_on"],
            is_central_household=d["is_central_household"],
            households=households,
            grids=_grids(d["grids"]),
            skills=d["skills"],
        )
        return Response(PartyMemberOut(pm).data, status=201)


class VolunteerListView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CursorCountedPage  # declares the page it answers (schema only)

    @extend_schema(responses=VolunteerOut(many=True), summary="志愿者名册（按管辖范围）")
    def get(self, request: Request) -> Response:
        qs = sel.volunteer_list_for_user(request.user, q=request.query_params.get("q", "")[:50])
        return page(request, qs, VolunteerOut)

    @extend_schema(request=PersonIn, responses={201: VolunteerOut}, summary="登记志愿者")
    def post(self, request: Request) -> Response:
        d = _valid(PersonIn, request.data)
        user = _user_in_scope(request, d["user_id"]) if d["user_id"] else None
        vol = volunteer_register(
            actor=request.user,
            community=_community(d["community"]),
            name=d["name"],
            user=user,
            skills=d["skills"],
            grids=_grids(d["grids"]),
        )
        return Response(VolunteerOut(vol).data, status=201)


class TeamListView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = CursorCountedPage  # declares the page it answers (schema only)

    @extend_schema(responses=TeamOut(many=True), summary="服务队（按管辖范围）")
    def get(self, request: Request) -> Response:
        return page(request, sel.team_list_for_user(request.user), TeamOut)


class HoursOut(serializers.ModelSerializer):
    order_code = serializers.CharField(source="order.code", default=None, allow_null=True)

    class Meta:
        model = VolunteerHours
        fields = ["id", "activity", "hours", "served_on", "order_code", "created_at"]


class HoursRecordView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer(
            "HoursIn",
            {
                "volunteer_id": serializers.IntegerField(),
                "hours": serializers.CharField(),
                "activity": serializers.CharField(),
                "served_on": serializers.DateField(),
            },
        ),
        responses={201: HoursOut},
        summary="登记志愿服务时长（活动）",
    )
    def post(self, request: Request) -> Response:
        try:
            vid = int(str(request_body(request).get("volunteer_id")))
        except (TypeError, ValueError):
            raise ServiceError(_("请指定志愿者"), code="volunteer") from None
        vol = sel.volunteer_list_for_user(request.user).filter(pk=vid).first()
        if vol is None:
            raise NotFound(_("志愿者不存在或不在您的管辖范围内"))
        served_on = parse_date(str(request_body(request).get("served_on") or ""))
        if served_on is None:
            raise ServiceError(_("服务日期格式应为 YYYY-MM-DD"), code="served_on")
        row = volunteer_hours_record(
            actor=request.user,
            volunteer=vol,
            hours=request_body(request).get("hours"),
            activity=str(request_body(request).get("activity") or ""),
            served_on=served_on,
        )
        return Response(HoursOut(row).data, status=201)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "CommunityMe",
            {
                "kinds": serializers.ListField(child=serializers.CharField()),
                "hours_total": serializers.CharField(),
                "household": serializers.CharField(allow_null=True),
                "hours": HoursOut(many=True),
            },
        ),
        summary="我的服务身份、时长与住户",
    )
    def get(self, request: Request) -> Response:
        profile = server_profile(request.user)
        acct = sel.resident_account_for(request.user)
        return Response(
            {
                "kinds": sorted(profile.kinds),
                "hours_total": str(sel.hours_total_for_user(request.user)),
                "household": str(acct.household) if acct else None,
                "hours": HoursOut(sel.hours_for_user(request.user)[:50], many=True).data,
            }
        )


class BindView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer(
            "BindIn",
            {"user_id": serializers.IntegerField(), "household_id": serializers.IntegerField()},
        ),
        responses={201: inline_serializer("BindOut", {"household": serializers.CharField()})},
        summary="绑定居民账号与住户（工作人员核实身份后）",
    )
    def post(self, request: Request) -> Response:
        from wangge.points.selectors import household_get_for_user

        user = _user_in_scope(request, request_body(request).get("user_id"))
        try:
            hid = int(str(request_body(request).get("household_id")))
        except (TypeError, ValueError):
            raise ServiceError(_("请指定住户"), code="household") from None
        household = household_get_for_user(request.user, hid)
        acct = resident_account_bind(actor=request.user, user=user, household=household)
        return Response({"household": str(acct.household)}, status=201)


__all__ = ["parse_datetime"]
