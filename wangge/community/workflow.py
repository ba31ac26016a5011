"""The service-order workflow: a declarative table of moves and the ONE function that changes
an order's state.

    ordered ──confirm (建单, staff)──▶ open ──take (接单, one winner) / assign──▶ taken
       │                               ▲                                         │
       ├─decline (reason)              └──────── release (退单, reason) ◀─────────┤
       ├─cancel                                                                  ├─reassign
       └─to_case (转为事件)                                     complete (photos) ▼
                                               done ──rate (resident) / close (staff)──▶ closed

Nothing else assigns `ServiceOrder.state` (tests/community/test_state_guard.py walks the source
tree, and the model's save and queryset refuse it). `order_transition` locks the row, checks
the table, applies the move with a compare-and-swap on `version`, appends the event and queues
the notifications — all in one transaction; credits (hours, points) are written in it too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import Role
from wangge.accounts.selectors import scope_for_user
from wangge.attachments.services import attachments_link
from wangge.community import notifications
from wangge.community.contact import order_contact_phone
from wangge.community.models import (
    OrderEventKind,
    OrderState,
    ServerKind,
    ServiceOrder,
    ServiceOrderEvent,
)
from wangge.community.servers import server_profile
from wangge.core.api import Conflict, Forbidden, ServiceError

S = OrderState
K = OrderEventKind


class Rel(StrEnum):
    SYSTEM = "system"  # the reminder sweep
    ORDERER = "orderer"
    ASSIGNEE = "assignee"
    TAKER = "taker"  # a party member / volunteer / team member who may take this order
    STAFF = "staff"  # community (or higher) staff whose subtree holds the order


STAFF_ROLES = frozenset(
    {Role.GRID_HEAD, Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.OPERATOR}
)


@dataclass(frozen=True)
class Move:
    sources: frozenset[str]
    target: str | None  # None: the state does not change
    who: frozenset[Rel]
    reason_required: bool = False


def _m(sources: Iterable[str], target: str | None, who: Iterable[Rel], **kw: Any) -> Move:
    return Move(frozenset(sources), target, frozenset(who), **kw)


R = Rel
LIVE = frozenset({S.ORDERED, S.OPEN, S.TAKEN})
ACTIONS: dict[str, Move] = {
    K.CONFIRM: _m({S.ORDERED}, S.OPEN, {R.STAFF}),
    K.DECLINE: _m({S.ORDERED}, S.DECLINED, {R.STAFF}, reason_required=True),
    K.TAKE: _m({S.OPEN}, S.TAKEN, {R.TAKER}),
    K.ASSIGN: _m({S.OPEN}, S.TAKEN, {R.STAFF}),
    K.REASSIGN: _m({S.TAKEN}, S.TAKEN, {R.STAFF}, reason_required=True),
    K.RELEASE: _m({S.TAKEN}, S.OPEN, {R.ASSIGNEE}, reason_required=True),
    K.COMPLETE: _m({S.TAKEN}, S.DONE, {R.ASSIGNEE}, reason_required=True),
    K.RATE: _m({S.DONE}, S.CLOSED, {R.ORDERER}),
    K.CLOSE: _m({S.DONE}, S.CLOSED, {R.STAFF}, reason_required=True),
    # The orderer may cancel only before anyone took it (checked below); staff at any live state.
    K.CANCEL: _m(LIVE, S.CANCELLED, {R.ORDERER, R.STAFF}, reason_required=True),
    K.TO_CASE: _m(LIVE, S.CONVERTED, {R.STAFF}, reason_required=True),
    K.REMIND: _m({S.OPEN, S.TAKEN}, None, {R.SYSTEM}),
    K.COMMENT: _m(
        frozenset(S.values), None, {R.ORDERER, R.ASSIGNEE, R.STAFF}, reason_required=True
    ),
}
ORDERER_CANCEL_STATES = frozenset({S.ORDERED, S.OPEN})


def staff_paths(user: Any) -> tuple[str, ...]:
    """Grid paths under which `user` acts as community staff (cached on the user)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ()
    cached = getattr(user, "_wangge_staff_paths", None)
    if cached is not None:
        return cached
    scope = scope_for_user(user)
    if scope.everything:
        paths: tuple[str, ...] = ("",)
    else:
        # From the data scope the request has already loaded: no query of its own.
        paths = tuple(
            sorted({p for role in STAFF_ROLES for p in scope.role_grid_paths.get(role, ())})
        )
    user._wangge_staff_paths = paths
    return paths


def is_staff_for(user: Any, grid_path: str) -> bool:
    return any(grid_path.startswith(p) for p in staff_paths(user))


def relations(user: Any, order: ServiceOrder) -> set[Rel]:
    if user is None:
        return {Rel.SYSTEM}
    if not getattr(user, "is_authenticated", False):
        return set()
    rels: set[Rel] = set()
    if order.orderer_id == user.pk:
        rels.add(Rel.ORDERER)
    if order.assignee_id == user.pk:
        rels.add(Rel.ASSIGNEE)
    if is_staff_for(user, order.grid_path):
        rels.add(Rel.STAFF)
    if server_profile(user).kind_for(order) is not None:
        rels.add(Rel.TAKER)
    return rels


def allowed_actions(user: Any, order: ServiceOrder) -> list[str]:
    rels = relations(user, order)
    out = []
    for action, move in ACTIONS.items():
        if order.state not in move.sources or not rels & move.who:
            continue
        orderer_only = rels & move.who == {Rel.ORDERER}
        if action == K.CANCEL and orderer_only and order.state not in ORDERER_CANCEL_STATES:
            continue
        if action == K.TAKE and order.assignee_id == getattr(user, "pk", None):
            continue
        out.append(action)
    return out


def display_name(user: Any) -> str:
    if user is None:
        return _("系统")
    return getattr(user, "display_name", "") or user.get_username()


def parse_hours(value: Any, default: Decimal) -> Decimal:
    if value is None or value == "":
        return default
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ServiceError(_("服务时长须为数字"), code="hours") from None
    if not hours.is_finite() or not Decimal("0.5") <= hours <= 24:
        raise ServiceError(_("服务时长须在 0.5 到 24 小时之间"), code="hours")
    if hours * 2 != (hours * 2).to_integral_value():
        raise ServiceError(_("服务时长以半小时计"), code="hours")
    return hours


def _check_assignee(order: ServiceOrder, assignee: Any) -> tuple[str, int | None]:
    if assignee is None:
        raise ServiceError(_("请选择接单人"), code="assignee_required")
    found = server_profile(assignee).kind_for(order)
    if found is None:
        raise ServiceError(
            _("%(name)s 不能承接该服务（身份或服务网格不符）") % {"name": display_name(assignee)},
            code="assignee_not_eligible",
        )
    return found


def _store(order: ServiceOrder, changes: dict[str, Any], event: ServiceOrderEvent) -> None:
    """Compare-and-swap the row and insert the event; '0 rows' means someone moved first."""
    changes = {**changes, "event_count": event.seq, "updated_at": event.created_at}
    updated = ServiceOrder.objects.filter(pk=order.pk, version=order.version)._workflow_update(
        version=F("version") + 1, **changes
    )
    if updated != 1:
        raise Conflict(_("该服务单刚被他人处理，请刷新后重试"), code="stale")
    computed = [n for n, v in changes.items() if hasattr(v, "resolve_expression")]
    for name, value in changes.items():
        if name not in computed:
            setattr(order, name, value)
    order.version += 1
    if computed:
        order.refresh_from_db(fields=computed)
    event.save(force_insert=True)


def new_event(
    order: ServiceOrder,
    *,
    actor: Any,
    kind: str,
    from_state: str,
    to_state: str,
    reason: str = "",
    payload: dict[str, Any] | None = None,
    now: datetime,
) -> ServiceOrderEvent:
    return ServiceOrderEvent(
        order=order,
        seq=order.event_count + 1,
        kind=kind,
        actor=actor,
        actor_name=display_name(actor)[:100],
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        payload=payload or {},
        created_at=now,
    )


def record_order(*, order: ServiceOrder, actor: Any, payload: dict[str, Any], now: datetime):
    """The first event of a new order (called by `order_place` in its transaction)."""
    event = new_event(
        order, actor=actor, kind=K.ORDER, from_state="", to_state=order.state,
        payload=payload, now=now,
    )  # fmt: skip
    _store(order, {}, event)
    notifications.order_notify(order=order, event=event)
    return event


def order_transition(
    *,
    order: ServiceOrder,
    actor: Any,
    action: str,
    reason: str = "",
    assignee: Any = None,
    due_at: datetime | None = None,
    hours: Any = None,
    score: Any = None,
    category_code: str | None = None,
    attachments: Iterable[Any] = (),
    expected_version: int | None = None,
    now: datetime | None = None,
) -> ServiceOrderEvent:
    """Apply `action` to `order` as `actor` (None = the system); returns the event written.

    Forbidden: the actor's relation does not allow it. Conflict: not from this state, already
    taken (with who took it), or moved concurrently. ServiceError: a missing reason, bad hours,
    score or assignee. On any error nothing is written.
    """
    move = ACTIONS.get(action)
    if move is None:
        raise ServiceError(_("未知操作“%(a)s”") % {"a": action}, code="unknown_action")
    reason = (reason or "").strip()
    if len(reason) > 1000:
        raise ServiceError(_("说明不能超过 1000 字"), code="reason_too_long")
    attachment_ids = [str(getattr(a, "pk", a)) for a in attachments]
    now = now or timezone.now()
    label = K(action).label
    if action == K.TAKE:
        # 抢单 fast path: most of those pressing "take" at once lose; tell them without the lock.
        seen = ServiceOrder.objects.filter(pk=order.pk).values_list("state", "assignee_id").first()
        if seen and seen[0] == S.TAKEN:
            from wangge.accounts.models import User

            raise Conflict(
                _("已被 %(name)s 接单") % {"name": display_name(User.objects.get(pk=seen[1]))},
                code="already_taken",
            )
    with transaction.atomic():
        locked = (
            ServiceOrder.objects.select_for_update(of=("self",))
            .select_related("item", "assignee")
            .get(pk=order.pk)
        )
        if expected_version is not None and locked.version != expected_version:
            raise Conflict(_("该服务单刚被他人处理，请刷新后重试"), code="stale")
        rels = relations(actor, locked) & move.who
        if not rels:
            raise Forbidden(_("您无权对该服务单执行“%(a)s”") % {"a": label}, code="not_allowed")
        if locked.state not in move.sources:
            if action == K.TAKE and locked.state == S.TAKEN:
                raise Conflict(
                    _("已被 %(name)s 接单") % {"name": display_name(locked.assignee)},
                    code="already_taken",
                )
            raise Conflict(
                _("服务单当前为“%(s)s”，不能%(a)s") % {"s": S(locked.state).label, "a": label},
                code="invalid_state",
            )
        if action == K.CANCEL and rels == {Rel.ORDERER} and locked.state == S.TAKEN:
            raise Conflict(_("已有人接单，请联系社区取消"), code="invalid_state")
        if move.reason_required and not reason:
            raise ServiceError(_("请填写%(a)s的说明") % {"a": label}, code="reason")
        payload: dict[str, Any] = {}
        changes, after = _effects(
            locked,
            actor=actor,
            action=action,
            reason=reason,
            assignee=assignee,
            due_at=due_at,
            hours=hours,
            score=score,
            category_code=category_code,
            attachment_ids=attachment_ids,
            payload=payload,
            now=now,
        )
        to_state = move.target or locked.state
        if move.target is not None:
            changes["state"] = move.target
        if attachment_ids:
            payload["attachments"] = attachment_ids
        event = new_event(
            locked, actor=actor, kind=action, from_state=locked.state, to_state=to_state,
            reason=reason, payload=payload, now=now,
        )  # fmt: skip
        _store(locked, changes, event)
        if attachment_ids:
            attachments_link(actor=actor, attachment_ids=attachment_ids, owner=event)
        for fn in after:
            fn(locked, event)
        notifications.order_notify(order=locked, event=event)
    for f in ServiceOrder._meta.concrete_fields:
        setattr(order, f.attname, getattr(locked, f.attname))
    order._state.fields_cache = {}
    return event


def _effects(
    order: ServiceOrder,
    *,
    actor: Any,
    action: str,
    reason: str,
    assignee: Any,
    due_at: datetime | None,
    hours: Any,
    score: Any,
    category_code: str | None,
    attachment_ids: list[str],
    payload: dict[str, Any],
    now: datetime,
) -> tuple[dict[str, Any], list[Callable[[ServiceOrder, ServiceOrderEvent], None]]]:
    changes: dict[str, Any] = {}
    after: list[Callable[[ServiceOrder, ServiceOrderEvent], None]] = []
    if action == K.CONFIRM:
        if due_at is not None:
            if timezone.is_naive(due_at):
                raise ServiceError(_("办结期限须带时区"), code="due_at")
            if due_at <= now:
                raise ServiceError(_("办结期限须晚于现在"), code="due_at")
            if due_at > now + timedelta(days=90):
                raise ServiceError(_("办结期限不能超过 90 天"), code="due_at")
        changes.update(
            confirmed_at=now, due_at=due_at or now + timedelta(hours=order.item.due_hours)
        )
        payload["due_at"] = changes["due_at"].isoformat()
    elif action == K.DECLINE:
        changes.update(reason=reason[:500], closed_at=now)
    elif action == K.TAKE:
        kind, team_id = server_profile(actor).kind_for(order) or (ServerKind.VOLUNTEER, None)
        changes.update(assignee=actor, assignee_kind=kind, team_id=team_id, taken_at=now)
        payload.update(kind=kind)
    elif action in (K.ASSIGN, K.REASSIGN):
        kind, team_id = _check_assignee(order, assignee)
        if action == K.REASSIGN and assignee.pk == order.assignee_id:
            raise ServiceError(_("改派对象与当前接单人相同"), code="assignee_same")
        if action == K.REASSIGN:
            payload.update({"from": display_name(order.assignee), "from_user": order.assignee_id})
        changes.update(assignee=assignee, assignee_kind=kind, team_id=team_id, taken_at=now)
        payload.update(to=display_name(assignee), to_user=assignee.pk, kind=kind)
    elif action == K.RELEASE:
        changes.update(assignee=None, assignee_kind="", team_id=None, taken_at=None)
    elif action == K.COMPLETE:
        if getattr(settings, "COMMUNITY_COMPLETE_PHOTO_REQUIRED", True) and not attachment_ids:
            raise ServiceError(_("请上传服务现场照片"), code="photos_required")
        h = parse_hours(hours, order.item.hours)
        changes.update(done_at=now, hours=h, result=reason[:1000])
        payload["hours"] = str(h)
    elif action in (K.RATE, K.CLOSE):
        if action == K.RATE:
            if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
                raise ServiceError(_("评分须为 1 到 5 的整数"), code="score")
            changes.update(score=score, rating_comment=reason[:500])
            payload["score"] = score
        changes["closed_at"] = now
        # Hours for the taker, points for the taker's household: once, in this transaction.
        from wangge.community.credits import order_credit

        payload.update(order_credit(order=order, now=now))
    elif action == K.CANCEL:
        changes.update(reason=reason[:500], closed_at=now)
    elif action == K.TO_CASE:
        case = _raise_case(order, actor=actor, reason=reason, category_code=category_code)
        changes.update(case=case, closed_at=now)
        payload["case"] = case.tracking_code
    elif action == K.REMIND:
        if order.overdue:
            raise Conflict(_("已提醒过"), code="already_reminded")
        changes.update(overdue=True, remind_count=F("remind_count") + 1)
    return changes, after


def _raise_case(order: ServiceOrder, *, actor: Any, reason: str, category_code: str | None):
    """转为事件: the need is the government's problem (a leaking main, a dispute)."""
    from wangge.cases.models import Channel
    from wangge.cases.services import case_submit

    lat = lng = None
    if order.household is not None:
        building = order.household.room.building
        lat, lng = building.lat, building.lng
    return case_submit(
        actor=actor,
        channel=Channel.PHONE,
        title=f"{order.item.name}：{order.description}"[:100],
        description=f"{order.description}\n（由服务单 {order.code} 转来：{reason}）",
        lat=lat,
        lng=lng,
        address=order.address,
        category_code=category_code or None,
        contact_name=order.contact_name,
        contact_phone=order_contact_phone(order),
        idempotency_key=f"service-order-{order.pk}",
    ).case


__all__ = ["ACTIONS", "Rel", "allowed_actions", "order_transition", "relations"]
