"""Writes of community life: who serves, the catalogue, placing orders, hours, reminders.

State changes of orders go through `wangge.community.workflow.order_transition` (re-exported).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import GRID_ROLES, READ_ONLY_ROLES
from wangge.accounts.selectors import scope_for_user
from wangge.cases.contact import case_contact_phone
from wangge.community.contact import order_contact_phone_fields
from wangge.community.credits import VOLUNTEER_HOUR_RULE, household_of, record_hours
from wangge.community.models import (
    OrderChannel,
    OrderEventKind,
    OrderState,
    PartyMember,
    Registration,
    ResidentAccount,
    ServiceItem,
    ServiceKind,
    ServiceOrder,
    ServiceTeam,
    Volunteer,
    VolunteerHours,
)
from wangge.community.servers import forget_profile
from wangge.community.workflow import order_transition, record_order
from wangge.core.api import Conflict, Forbidden, NotFound, ServiceError
from wangge.grids.models import Grid, GridLevel
from wangge.people.models import Household, Organisation, OrganisationKind, Resident

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PHONE_RE = re.compile(r"^[0-9+\-() ]{3,20}$")

__all__ = [
    "order_from_case",
    "order_place",
    "order_transition",
    "orders_remind_overdue",
    "party_member_register",
    "resident_account_bind",
    "service_item_create",
    "team_create",
    "volunteer_hours_record",
    "volunteer_register",
]


def _text(value: str, *, field: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise ServiceError(_("%(f)s含有非法字符") % {"f": field}, code="invalid_char")
    if required and not value:
        raise ServiceError(_("请填写%(f)s") % {"f": field}, code="required")
    if len(value) > limit:
        raise ServiceError(_("%(f)s不能超过 %(n)d 字") % {"f": field, "n": limit}, code="too_long")
    return value


def _working_scope(actor: Any, path: str) -> None:
    """The actor holds a working grid role whose subtree contains `path`."""
    if actor is None:
        return
    scope = scope_for_user(actor)
    if not scope.covers_path(path):
        raise NotFound(_("该社区不存在或不在您的管辖范围内"))
    if not (scope.everything or (GRID_ROLES - READ_ONLY_ROLES) & scope.roles):
        raise Forbidden(_("只有社区工作人员可以办理"), code="not_staff")


def _community(grid: Grid) -> Grid:
    if grid.level != GridLevel.COMMUNITY:
        raise ServiceError(_("%(g)s不是社区/村") % {"g": grid.name}, code="not_community")
    return grid


def _root_id(grid: Grid) -> int:
    return grid.root_id or grid.pk


# --- residents' accounts ------------------------------------------------------------------------
def resident_account_bind(
    *, actor: Any, user: Any, household: Household, resident: Resident | None = None
) -> ResidentAccount:
    """Staff bind a resident's login to their household after checking who they are."""
    if actor is None and user is None:
        raise ServiceError(_("请指定用户"))
    _working_scope(actor, household.grid_path)
    if resident is not None and resident.household_id != household.pk:
        raise ServiceError(_("该居民不属于此户"), code="person")
    now = timezone.now()
    acct, _created = ResidentAccount.objects.update_or_create(
        user=user,
        defaults={
            "household": household,
            "resident": resident,
            "grid_path": household.grid_path,
            "created_at": now,
        },
    )
    return acct


# --- people who serve --------------------------------------------------------------------------
def _skills(value: str | list[str] | None) -> str:
    if isinstance(value, list | tuple):
        value = " ".join(str(v) for v in value)
    return _text(str(value or "").replace("，", " ").replace(",", " "), field="特长", limit=200)


def _covered_grids(community: Grid, grids: list[Grid] | None) -> list[Grid]:
    out = list(grids or [])
    for g in out:
        if not g.path.startswith(community.path):
            raise ServiceError(
                _("服务网格 %(g)s 不在%(c)s") % {"g": g.name, "c": community.name},
                code="grid_outside",
            )
    return out


def party_member_register(
    *,
    actor: Any,
    community: Grid,
    name: str,
    user: Any = None,
    resident: Resident | None = None,
    branch: Organisation | None = None,
    registration: str = Registration.RESIDENT,
    work_unit: str = "",
    reported_on: date | None = None,
    is_central_household: bool = False,
    households: list[Household] | None = None,
    grids: list[Grid] | None = None,
    skills: str | list[str] = "",
) -> PartyMember:
    """登记党员 (居住地党员 or 双报到 在职党员), their branch, 联系户 and service grids."""
    _community(community)
    _working_scope(actor, community.path)
    name = _text(name, field="姓名", limit=50, required=True)
    if registration not in Registration.values:
        raise ServiceError(_("党员类别无效"), code="registration")
    work_unit = _text(work_unit, field="工作单位", limit=100)
    if registration == Registration.IN_SERVICE:
        if not work_unit:
            raise ServiceError(_("双报到党员请填写工作单位"), code="work_unit")
        reported_on = reported_on or timezone.localdate()
    if branch is not None and (
        branch.kind != OrganisationKind.PARTY_BRANCH
        or not branch.grid_path.startswith(community.path)
    ):
        raise ServiceError(_("所选党支部不在本社区"), code="branch")
    hh = list(households or [])
    if any(not h.grid_path.startswith(community.path) for h in hh):
        raise ServiceError(_("联系户须在本社区"), code="household_outside")
    if hh and not is_central_household:
        raise ServiceError(_("只有党员中心户登记联系户"), code="households")
    covered = _covered_grids(community, grids)
    if user is not None and PartyMember.objects.filter(user=user).exists():
        raise Conflict(_("该账号已登记为党员"), code="duplicate")
    with transaction.atomic():
        pm = PartyMember.objects.create(
            user=user,
            resident=resident,
            name=name,
            branch=branch,
            community=community,
            grid_path=community.path,
            root_id=_root_id(community),
            registration=registration,
            work_unit=work_unit,
            reported_on=reported_on,
            is_central_household=is_central_household,
            skills=_skills(skills),
            created_at=timezone.now(),
        )
        if hh:
            pm.households.set(hh)
        if covered:
            pm.grids.set(covered)
    forget_profile(user)
    return pm


def volunteer_register(
    *,
    actor: Any,
    community: Grid,
    name: str,
    user: Any = None,
    resident: Resident | None = None,
    skills: str | list[str] = "",
    grids: list[Grid] | None = None,
) -> Volunteer:
    _community(community)
    _working_scope(actor, community.path)
    name = _text(name, field="姓名", limit=50, required=True)
    covered = _covered_grids(community, grids)
    if user is not None and Volunteer.objects.filter(user=user).exists():
        raise Conflict(_("该账号已登记为志愿者"), code="duplicate")
    with transaction.atomic():
        vol = Volunteer.objects.create(
            user=user,
            resident=resident,
            name=name,
            community=community,
            grid_path=community.path,
            root_id=_root_id(community),
            skills=_skills(skills),
            created_at=timezone.now(),
        )
        if covered:
            vol.grids.set(covered)
    forget_profile(user)
    return vol


def team_create(
    *,
    actor: Any,
    community: Grid,
    name: str,
    skills: str | list[str] = "",
    leader: Any = None,
    members: list[Any] | None = None,
    grids: list[Grid] | None = None,
) -> ServiceTeam:
    _community(community)
    _working_scope(actor, community.path)
    name = _text(name, field="服务队名称", limit=100, required=True)
    covered = _covered_grids(community, grids)
    if ServiceTeam.objects.filter(community=community, name=name).exists():
        raise Conflict(_("本社区已有同名服务队"), code="duplicate")
    with transaction.atomic():
        team = ServiceTeam.objects.create(
            name=name,
            community=community,
            grid_path=community.path,
            root_id=_root_id(community),
            skills=_skills(skills),
            leader=leader,
            created_at=timezone.now(),
        )
        team.members.set([m for m in (members or [])] + ([leader] if leader else []))
        if covered:
            team.grids.set(covered)
    return team


def service_item_create(
    *,
    actor: Any,
    community: Grid,
    name: str,
    kind: str,
    description: str = "",
    for_party_members: bool = True,
    for_volunteers: bool = True,
    for_teams: bool = True,
    points: int = 2,
    hours: Any = "1",
    due_hours: int = 72,
    sort: int = 100,
) -> ServiceItem:
    _community(community)
    _working_scope(actor, community.path)
    name = _text(name, field="服务名称", limit=50, required=True)
    if kind not in ServiceKind.values:
        raise ServiceError(_("服务类别无效"), code="kind")
    if not (for_party_members or for_volunteers or for_teams):
        raise ServiceError(_("请至少选择一类可接单人员"), code="takers")
    if isinstance(points, bool) or not isinstance(points, int) or not 0 <= points <= 100:
        raise ServiceError(_("积分须为 0 到 100 的整数"), code="points")
    if not isinstance(due_hours, int) or not 1 <= due_hours <= 24 * 90:
        raise ServiceError(_("办理时限须为 1 到 2160 小时"), code="due_hours")
    h = Decimal(str(hours))
    if not Decimal("0.5") <= h <= 24:
        raise ServiceError(_("标准时长须在 0.5 到 24 小时之间"), code="hours")
    try:
        with transaction.atomic():
            return ServiceItem.objects.create(
                community=community,
                grid_path=community.path,
                root_id=_root_id(community),
                name=name,
                kind=kind,
                description=_text(description, field="说明", limit=300),
                for_party_members=for_party_members,
                for_volunteers=for_volunteers,
                for_teams=for_teams,
                points=points,
                hours=h,
                due_hours=due_hours,
                sort=sort,
            )
    except IntegrityError:
        raise Conflict(_("本社区已有同名服务"), code="duplicate") from None


# --- orders ----------------------------------------------------------------------------------
def new_order_code() -> str:
    return "S" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(7))


@dataclass(frozen=True)
class _Target:
    household: Household | None
    grid_id: int
    grid_path: str


def order_place(
    *,
    actor: Any,
    item: ServiceItem,
    description: str,
    channel: str = OrderChannel.SELF,
    household: Household | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    address: str = "",
    wanted_at: datetime | None = None,
    idempotency_key: str | None = None,
    source_case: Any = None,
    now: datetime | None = None,
) -> ServiceOrder:
    """点单: a resident orders for their own household (channel "self"), or staff enter an
    order for a resident who phoned or was visited. Returns the order (`replayed` on a retry
    with the same idempotency key)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("请先登录再点单"), code="login_required")
    if channel not in OrderChannel.values:
        raise ServiceError(_("点单渠道无效"), code="channel")
    if not item.is_active:
        raise Conflict(_("该服务已下架"), code="inactive")
    description = _text(description, field="需求说明", limit=1000, required=True)
    contact_name = _text(contact_name, field="联系人", limit=50)
    contact_phone = _text(contact_phone, field="联系电话", limit=20)
    if contact_phone and not PHONE_RE.match(contact_phone):
        raise ServiceError(_("联系电话格式不正确"), code="phone")
    address = _text(address, field="服务地址", limit=200)
    key = (idempotency_key or "").strip() or None
    if key and len(key) > 100:
        raise ServiceError(_("Idempotency-Key 不能超过 100 个字符"), code="idempotency_key")
    now = now or timezone.now()
    if wanted_at is not None and (timezone.is_naive(wanted_at) or wanted_at < now):
        raise ServiceError(_("期望时间须为带时区的将来时间"), code="wanted_at")
    community = item.community
    if channel == OrderChannel.SELF:
        acct = ResidentAccount.objects.filter(user=actor).select_related("household").first()
        if acct is None:
            raise ServiceError(_("请先到社区绑定您的住户信息后再点单"), code="no_household")
        household = acct.household
        contact_name = contact_name or getattr(actor, "display_name", "") or actor.get_username()
    else:
        _working_scope(actor, community.path)
        if household is None and not address:
            raise ServiceError(_("代录点单请选择服务对象户或填写服务地址"), code="address")
        if not contact_name:
            raise ServiceError(_("请填写联系人"), code="required")
    if household is not None:
        if not household.grid_path.startswith(community.path):
            raise ServiceError(
                _("“%(s)s”是%(c)s的服务，只面向本社区居民") % {"s": item.name, "c": community.name},
                code="outside_community",
            )
        address = address or str(household)
        target = _Target(household, household.grid_id, household.grid_path)
    else:
        target = _Target(None, community.pk, community.path)
    if key:
        first = ServiceOrder.objects.filter(orderer=actor, idempotency_key=key).first()
        if first is not None:
            first.replayed = True
            return first
    order = ServiceOrder(
        item=item,
        community=community,
        grid_id=target.grid_id,
        grid_path=target.grid_path,
        root_id=_root_id(community),
        channel=channel,
        orderer=actor if channel == OrderChannel.SELF else None,
        household=target.household,
        entered_by=None if channel == OrderChannel.SELF else actor,
        contact_name=contact_name,
        **order_contact_phone_fields(contact_phone),
        address=address[:200],
        description=description,
        wanted_at=wanted_at,
        source_case=source_case,
        idempotency_key=key,
        created_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic():
            _insert_with_code(order)
            record_order(
                order=order,
                actor=actor,
                payload={"channel": channel, "service": item.name},
                now=now,
            )
    except IntegrityError:
        if key:
            first = ServiceOrder.objects.filter(orderer=actor, idempotency_key=key).first()
            if first is not None:
                first.replayed = True
                return first
        raise
    order.replayed = False
    return order


def _insert_with_code(order: ServiceOrder) -> None:
    for attempt in range(5):
        order.code = new_order_code()
        try:
            with transaction.atomic():
                order.save(force_insert=True)
            return
        except IntegrityError:
            if attempt == 4 or not ServiceOrder.objects.filter(code=order.code).exists():
                raise


def order_from_case(
    *, actor: Any, case: Any, item: ServiceItem, description: str = "", due_at=None
) -> ServiceOrder:
    """A case that is really a service need (an elderly resident needs help with paperwork)
    becomes a confirmed service order of the case's community, linked both ways."""
    from wangge.cases.selectors import case_get_for_user

    case = case_get_for_user(actor, case.tracking_code)
    if not case.grid_path.startswith(item.community.path):
        raise ServiceError(
            _("事件不在%(c)s，不能转为该社区的服务") % {"c": item.community.name},
            code="outside_community",
        )
    with transaction.atomic():
        order = order_place(
            actor=actor,
            item=item,
            channel=OrderChannel.CASE,
            description=description or case.description[:1000],
            contact_name=case.contact_name
            or (str(case.reporter) if case.reporter_id else "")
            or _("事件反映人"),
            contact_phone=case_contact_phone(case),
            address=case.address or (case.grid.name if case.grid_id else item.community.name),
            source_case=case,
            idempotency_key=f"case-{case.pk}-{item.pk}",
        )
        if order.replayed:
            return order
        # Locate the order where the case is, not only at the community.
        if case.grid_id and case.grid_path.startswith(item.community.path):
            ServiceOrder.objects.filter(pk=order.pk).update(
                grid_id=case.grid_id, grid_path=case.grid_path
            )
            order.grid_id, order.grid_path = case.grid_id, case.grid_path
        order_transition(
            order=order,
            actor=actor,
            action=OrderEventKind.CONFIRM,
            reason=_("由事件 %(c)s 转来") % {"c": case.tracking_code},
            due_at=due_at,
        )
    return order


# --- hours -----------------------------------------------------------------------------------
def volunteer_hours_record(
    *,
    actor: Any,
    volunteer: Volunteer,
    hours: Any,
    activity: str,
    served_on: date,
    now: datetime | None = None,
) -> VolunteerHours:
    """Staff record hours of an activity they organised (清洁家园, 敬老); points by the rule
    "volunteer_hour" (points per hour) go to the volunteer's household."""
    from wangge.community.workflow import parse_hours
    from wangge.points.models import PointsRule
    from wangge.points.services import points_award

    _working_scope(actor, volunteer.grid_path)
    if actor is None:
        raise Forbidden(_("服务时长须由工作人员登记"))
    if volunteer.user_id is None:
        raise ServiceError(_("该志愿者尚无登录账号，无法记录时长"), code="no_user")
    activity = _text(activity, field="活动名称", limit=100, required=True)
    h = parse_hours(hours, Decimal(0))
    now = now or timezone.now()
    if served_on > timezone.localdate(now):
        raise ServiceError(_("服务日期不能晚于今天"), code="served_on")
    with transaction.atomic():
        row = record_hours(
            user=volunteer.user,
            hours=h,
            activity=activity,
            community_id=volunteer.community_id,
            grid_path=volunteer.grid_path,
            served_on=served_on,
            recorded_by=actor,
            now=now,
        )
        household, resident = household_of(volunteer.user)
        rule = PointsRule.objects.filter(code=VOLUNTEER_HOUR_RULE, is_active=True).first()
        if household is not None and rule is not None:
            points_award(
                actor=None,
                household=household,
                resident=resident if rule.subject == "person" else None,
                rule_code=VOLUNTEER_HOUR_RULE,
                source_type="volunteer_hours",
                source_id=str(row.pk),
                amount=rule.amount * h,
                note=activity,
                now=now,
            )
    return row


# --- reminders -------------------------------------------------------------------------------
@dataclass
class RemindResult:
    reminded: int = 0
    skipped: int = 0


def orders_remind_overdue(*, now: datetime | None = None, batch: int = 500) -> RemindResult:
    """The periodic sweep: live orders past their due time get one overdue reminder each
    (compare-and-swap on the version read, so a person acting meanwhile wins)."""
    now = now or timezone.now()
    result = RemindResult()
    due = (
        ServiceOrder.objects.filter(
            state__in=[OrderState.OPEN, OrderState.TAKEN], overdue=False, due_at__lt=now
        )
        .order_by("due_at")
        .values_list("pk", "version")[:batch]
    )
    for pk, version in list(due):
        try:
            order_transition(
                order=ServiceOrder(pk=pk),
                actor=None,
                action=OrderEventKind.REMIND,
                reason=_("已超过办结期限，请尽快办理"),
                expected_version=version,
                now=now,
            )
            result.reminded += 1
        except Conflict:
            result.skipped += 1
    return result
