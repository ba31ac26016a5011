"""The case workflow: a declarative table of moves and the ONE function that changes a case.

Nothing else assigns `Case.state` (tests/cases/test_state_guard.py walks the source tree).
`case_transition` locks the row, checks the table (who may do what from which state), applies
the move with a compare-and-swap update, appends a hash-chained event and queues the
notifications — all inside the caller's transaction or its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import READ_ONLY_ROLES, Role, RoleAssignment
from wangge.accounts.selectors import scope_for_user
from wangge.attachments.services import attachments_link
from wangge.cases import notifications
from wangge.cases.access import ReporterPass
from wangge.cases.chain import hash_of
from wangge.cases.models import (
    Case,
    CaseEvent,
    CaseState,
    Category,
    EventKind,
    ExtensionRequest,
    LimitUnit,
)
from wangge.cases.sla import deadline
from wangge.core.api import Conflict, Forbidden, ServiceError
from wangge.grids.models import Department, Grid

S = CaseState


class Rel(StrEnum):
    """How the acting user stands to the case; the table grants actions by relation."""

    SYSTEM = "system"  # no user: the intake rules, the SLA sweep
    REPORTER = "reporter"
    ASSIGNEE = "assignee"
    UNIT = "unit"  # holds a working role on the lead handling unit
    CO = "co"  # handler of a co-handling department
    SUPERVISOR = "supervisor"  # grid head / community / street / district staff or operator above


SUPERVISOR_ROLES = frozenset(
    {Role.GRID_HEAD, Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.OPERATOR}
)
ALL_STATES = frozenset(S.values)
LIVE = frozenset({S.SUBMITTED, S.DISPATCHED, S.CLAIMED, S.RESOLVED, S.SUSPENDED})
WORKING = frozenset({S.DISPATCHED, S.CLAIMED})


@dataclass(frozen=True)
class Move:
    sources: frozenset[str]
    target: str | None  # None: the state does not change
    who: frozenset[Rel]
    reason_required: bool = False
    public: bool = False  # shown to the resident on the public page


def _m(sources, target, who, **kw) -> Move:
    return Move(frozenset(sources), target, frozenset(who), **kw)


R = Rel
ACTIONS: dict[str, Move] = {
    # 立案派遣: automatic by rules at intake (SYSTEM) or by an operator.
    EventKind.ACCEPT: _m({S.SUBMITTED}, S.DISPATCHED, {R.SYSTEM, R.SUPERVISOR}),
    EventKind.REJECT: _m(
        {S.SUBMITTED}, S.REJECTED, {R.SUPERVISOR}, reason_required=True, public=True
    ),
    EventKind.MERGE: _m({S.SUBMITTED, S.DISPATCHED}, S.MERGED, {R.SUPERVISOR}, public=True),
    EventKind.CLAIM: _m({S.DISPATCHED}, S.CLAIMED, {R.UNIT}),
    EventKind.RESOLVE: _m({S.CLAIMED}, S.RESOLVED, {R.ASSIGNEE}, reason_required=True, public=True),
    # 核查结案: the resident confirms, or a supervisor verifies.
    EventKind.CLOSE: _m({S.RESOLVED}, S.CLOSED, {R.REPORTER, R.SUPERVISOR, R.SYSTEM}, public=True),
    EventKind.REOPEN: _m(
        {S.RESOLVED, S.CLOSED}, S.DISPATCHED, {R.REPORTER, R.SUPERVISOR}, reason_required=True
    ),
    EventKind.ESCALATE: _m(
        WORKING, S.DISPATCHED, {R.UNIT, R.ASSIGNEE, R.SUPERVISOR, R.SYSTEM}, reason_required=True
    ),
    EventKind.TRANSFER: _m(WORKING, S.DISPATCHED, {R.SUPERVISOR}, reason_required=True),
    EventKind.RETURN: _m(WORKING, S.SUBMITTED, {R.UNIT, R.ASSIGNEE}, reason_required=True),
    EventKind.SUSPEND: _m(WORKING, S.SUSPENDED, {R.SUPERVISOR}, reason_required=True, public=True),
    EventKind.RESUME: _m({S.SUSPENDED}, S.DISPATCHED, {R.SUPERVISOR}),
    # 小事不出网格: a grid worker settles what they found on patrol and closes it at once.
    EventKind.SETTLE_ON_SPOT: _m(WORKING, S.CLOSED, {R.UNIT}, reason_required=True, public=True),
    # Events that leave the state alone.
    EventKind.COMMENT: _m(
        ALL_STATES,
        None,
        {R.REPORTER, R.ASSIGNEE, R.UNIT, R.CO, R.SUPERVISOR},
        reason_required=True,
    ),
    EventKind.URGE: _m(WORKING | {S.SUSPENDED}, None, {R.SUPERVISOR}, reason_required=True),
    EventKind.EXTEND_REQUEST: _m(WORKING, None, {R.ASSIGNEE, R.UNIT}, reason_required=True),
    EventKind.EXTEND_APPROVE: _m(WORKING, None, {R.SUPERVISOR}),
    EventKind.EXTEND_REJECT: _m(WORKING, None, {R.SUPERVISOR}, reason_required=True),
    EventKind.REPLY: _m(
        LIVE, None, {R.ASSIGNEE, R.UNIT, R.CO, R.SUPERVISOR}, reason_required=True, public=True
    ),
    EventKind.FOLLOW_UP: _m(
        {S.RESOLVED, S.CLOSED}, None, {R.SUPERVISOR, R.UNIT}, reason_required=True
    ),
    EventKind.RATE: _m({S.RESOLVED, S.CLOSED}, None, {R.REPORTER}),
    EventKind.OVERDUE: _m(WORKING, None, {R.SYSTEM}),
    # A report routed on a suggested category: the unit corrects it (deadlines keep running).
    EventKind.RECATEGORIZE: _m(WORKING | {S.SUSPENDED}, None, {R.UNIT, R.ASSIGNEE, R.SUPERVISOR}),
}

# Which topic an action is announced on, and to whom.
_TOPICS: dict[str, tuple[str, str]] = {
    EventKind.SUBMIT: ("case.created", "triage"),
    EventKind.ACCEPT: ("case.dispatched", "unit"),
    EventKind.TRANSFER: ("case.dispatched", "unit"),
    EventKind.RESUME: ("case.dispatched", "unit"),
    EventKind.REOPEN: ("case.dispatched", "unit"),
    EventKind.RETURN: ("case.created", "triage"),
    EventKind.ESCALATE: ("case.escalated", "unit"),
    EventKind.REPLY: ("case.replied", "reporter"),
    EventKind.SUSPEND: ("case.replied", "reporter"),
    EventKind.REJECT: ("case.replied", "reporter"),
    EventKind.MERGE: ("case.replied", "reporter"),
    EventKind.RESOLVE: ("case.resolved", "reporter"),
    EventKind.CLOSE: ("case.closed", "reporter"),
    EventKind.SETTLE_ON_SPOT: ("case.closed", "reporter"),
    EventKind.OVERDUE: ("case.overdue", "unit"),
    EventKind.URGE: ("case.overdue", "unit"),
}


def relations(user: Any, case: Case) -> set[Rel]:
    """The relations `user` has to `case` (a resident in no role has at most REPORTER)."""
    if user is None:
        return {Rel.SYSTEM}
    if isinstance(user, ReporterPass):
        # A private link, SMS code or chat id opens its own case to its reporter, nothing more.
        return {Rel.REPORTER} if user.case_id == case.pk else set()
    if not getattr(user, "is_authenticated", False):
        return set()
    rels: set[Rel] = set()
    if case.reporter_id == user.pk:
        rels.add(Rel.REPORTER)
    if case.assignee_id == user.pk:
        rels.add(Rel.ASSIGNEE)
    scope = scope_for_user(user)
    working_grid_ids = {
        gid
        for role, ids in scope.role_grid_ids.items()
        if role not in READ_ONLY_ROLES
        for gid in ids
    }
    if case.handling_grid_id in working_grid_ids:
        rels.add(Rel.UNIT)
    if case.handling_department_id and case.handling_department_id in scope.department_ids:
        rels.add(Rel.UNIT)
    if scope.department_ids and case.co_departments.filter(pk__in=scope.department_ids).exists():
        rels.add(Rel.CO)
    if scope.has_role(*SUPERVISOR_ROLES):
        paths = RoleAssignment.objects.filter(
            user=user, role__in=SUPERVISOR_ROLES, grid__isnull=False
        ).values_list("grid__path", flat=True)
        for p in paths:
            if case.grid_path.startswith(p) or (case.unit_path and case.unit_path.startswith(p)):
                rels.add(Rel.SUPERVISOR)
                break
    return rels


def allowed_actions(user: Any, case: Case) -> list[str]:
    """Actions `user` may take on `case` now (for the UI's buttons)."""
    rels = relations(user, case)
    return [a for a, m in ACTIONS.items() if case.state in m.sources and rels & m.who]


def _display(user: Any) -> str:
    if user is None:
        return _("系统")
    return getattr(user, "display_name", "") or user.get_username()


def _limits(category: Category | None) -> tuple[float, str, float, str]:
    if category is None:
        return 1.0, LimitUnit.WORKING_DAYS, 5.0, LimitUnit.WORKING_DAYS
    return (
        category.response_limit,
        category.response_unit,
        category.handling_limit,
        category.handling_unit,
    )


def _unit_fields(grid: Grid | None, department: Department | None) -> dict[str, Any]:
    return {
        "handling_grid": grid,
        "handling_department": department,
        "unit_path": grid.path if grid else "",
    }


def _unit_label(case: Case) -> str:
    if case.handling_department_id:
        return case.handling_department.name
    if case.handling_grid_id:
        return case.handling_grid.name
    return ""


def append_event(
    case: Case,
    *,
    actor: Any,
    kind: str,
    from_state: str,
    to_state: str,
    reason: str = "",
    payload: dict[str, Any] | None = None,
    public: bool = False,
    now: datetime,
) -> CaseEvent:
    """Build the next event of `case`'s chain (not saved); the caller stores both together."""
    event = CaseEvent(
        case=case,
        seq=case.event_count + 1,
        kind=kind,
        # A ReporterPass is no user: its events carry only the name (反映人).
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_name=_display(actor)[:100],
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        payload=payload or {},
        public=public,
        created_at=now,
        prev_hash=case.chain_head,
    )
    event.hash = hash_of(event, case.chain_head)
    return event


def _store(case: Case, changes: dict[str, Any], event: CaseEvent) -> None:
    """Compare-and-swap the row and insert the event; '0 rows' means someone moved first."""
    changes = {
        **changes,
        "event_count": event.seq,
        "chain_head": event.hash,
        "updated_at": event.created_at,
    }
    updated = Case.objects.filter(pk=case.pk, version=case.version).update(
        version=F("version") + 1, **changes
    )
    if updated != 1:
        raise Conflict(_("该事件刚被他人处理，请刷新后重试"), code="stale")
    computed = [n for n, v in changes.items() if hasattr(v, "resolve_expression")]
    for name, value in changes.items():
        if name not in computed:
            setattr(case, name, value)
    case.version += 1
    if computed:
        case.refresh_from_db(fields=computed)
    event.save(force_insert=True)


def record_submission(
    *, case: Case, actor: Any, payload: dict[str, Any], public: bool, now: datetime
) -> CaseEvent:
    """The first event of a new case (called by the intake service in its transaction)."""
    event = append_event(
        case,
        actor=actor,
        kind=EventKind.SUBMIT,
        from_state="",
        to_state=case.state,
        payload=payload,
        public=public,
        now=now,
    )
    _store(case, {}, event)
    topic, _who = _TOPICS[EventKind.SUBMIT]
    users = notifications.triage_operator_ids(case) if case.state == S.SUBMITTED else set()
    notifications.case_notify(case=case, event=event, topic=topic, user_ids=users)
    return event


def case_transition(
    *,
    case: Case,
    actor: Any,
    action: str,
    reason: str = "",
    payload: dict[str, Any] | None = None,
    target_grid: Grid | None = None,
    target_department: Department | None = None,
    co_departments: Iterable[Department] | None = None,
    merge_into: Case | None = None,
    category: Category | None = None,
    deadline_override: datetime | None = None,
    attachments: Iterable[Any] = (),
    expected_version: int | None = None,
    now: datetime | None = None,
) -> CaseEvent:
    """Apply `action` to `case` as `actor` (None = the system). Returns the event written.

    Raises Forbidden (the actor's relation to the case does not allow the action), Conflict
    (not allowed from the current state; already claimed; moved concurrently) or ServiceError
    (missing reason or target). On any error nothing is written.

    `attachments` (ids or Attachment rows uploaded by the actor) are linked to the event.
    `expected_version` makes the move conditional: Conflict("stale") when the case changed
    since the caller read it (the SLA sweep acts only on what it saw).
    """
    move = ACTIONS.get(action)
    if move is None:
        raise ServiceError(_("未知操作“%(action)s”") % {"action": action}, code="unknown_action")
    reason = (reason or "").strip()
    payload = dict(payload or {})
    attachment_ids = [str(getattr(a, "pk", a)) for a in attachments]
    now = now or timezone.now()
    if action == EventKind.CLAIM:
        # 秒认领 fast path: most of the many who press "claim" lose; tell them without taking
        # the row lock. The winner is still decided under the lock below.
        seen = Case.objects.filter(pk=case.pk).values_list("state", "assignee_id").first()
        if seen and seen[0] == S.CLAIMED:
            from wangge.accounts.models import User

            raise Conflict(
                _("已被 %(name)s 认领") % {"name": _display(User.objects.get(pk=seen[1]))},
                code="already_claimed",
            )
    with transaction.atomic():
        # The row lock serialises writers on PostgreSQL; the version check covers the rest.
        locked = (
            Case.objects.select_for_update(of=("self",))
            .select_related("category", "handling_grid", "handling_department", "assignee")
            .get(pk=case.pk)
        )
        label = EventKind(action).label
        if expected_version is not None and locked.version != expected_version:
            raise Conflict(_("该事件刚被他人处理，请刷新后重试"), code="stale")
        rels = relations(actor, locked) & move.who
        if not rels:
            raise Forbidden(
                _("您无权对该事件执行“%(action)s”") % {"action": label}, code="not_allowed"
            )
        if locked.state not in move.sources:
            if action == EventKind.CLAIM and locked.state == S.CLAIMED:
                raise Conflict(
                    _("已被 %(name)s 认领") % {"name": _display(locked.assignee)},
                    code="already_claimed",
                )
            raise Conflict(
                _("事件当前为“%(state)s”，不能%(action)s")
                % {"state": CaseState(locked.state).label, "action": label},
                code="invalid_state",
            )
        if move.reason_required and not reason:
            raise ServiceError(_("请填写%(action)s的理由或说明") % {"action": label}, code="reason")
        if len(reason) > 2000:
            raise ServiceError(_("说明不能超过 2000 字"), code="reason_too_long")
        changes, after = _effects(
            locked,
            actor=actor,
            action=action,
            rels=rels,
            payload=payload,
            target_grid=target_grid,
            target_department=target_department,
            co_departments=co_departments,
            merge_into=merge_into,
            category=category,
            deadline_override=deadline_override,
            attachment_ids=attachment_ids,
            now=now,
        )
        to_state = move.target or locked.state
        if move.target is not None:
            changes["state"] = move.target
        event = append_event(
            locked,
            actor=actor,
            kind=action,
            from_state=locked.state,
            to_state=to_state,
            reason=reason,
            payload=payload,
            public=move.public,
            now=now,
        )
        if attachment_ids:
            event.payload["attachments"] = attachment_ids
            event.hash = hash_of(event, event.prev_hash)
        _store(locked, changes, event)
        if attachment_ids:
            attachments_link(actor=actor, attachment_ids=attachment_ids, owner=event)
        for fn in after:
            fn(locked, event)
        _announce(locked, event, action)
    # Hand the caller the fresh row.
    for f in Case._meta.concrete_fields:
        setattr(case, f.attname, getattr(locked, f.attname))
    case._state.fields_cache = {}
    return event


def _announce(case: Case, event: CaseEvent, action: str) -> None:
    if action not in _TOPICS:
        return
    topic, who = _TOPICS[action]
    if who == "unit":
        users = notifications.unit_member_ids(case, with_co=action == EventKind.ACCEPT)
        if case.assignee_id:
            users.add(case.assignee_id)
    elif who == "triage":
        users = notifications.triage_operator_ids(case)
    else:
        users = notifications.reporter_ids(case)
    notifications.case_notify(case=case, event=event, topic=topic, user_ids=users)


def _parent_unit(case: Case) -> Grid:
    if case.handling_department_id or case.handling_grid_id is None:
        # A department escalates to the centre of the district it serves.
        return case.root
    parent = case.handling_grid.parent
    if parent is None:
        raise Conflict(_("已在最高层级（区县），无法继续上报"), code="top_level")
    return parent


def _effects(
    case: Case,
    *,
    actor: Any,
    action: str,
    rels: set[Rel],
    payload: dict[str, Any],
    target_grid: Grid | None,
    target_department: Department | None,
    co_departments: Iterable[Department] | None,
    merge_into: Case | None,
    category: Category | None,
    deadline_override: datetime | None,
    attachment_ids: list[str],
    now: datetime,
) -> tuple[dict[str, Any], list]:
    """Field changes and post-store steps of one move (the state itself is set by the caller)."""
    changes: dict[str, Any] = {}
    after: list = []
    resp_amt, resp_unit, hand_amt, hand_unit = _limits(category or case.category)

    def dispatch_to(grid: Grid | None, department: Department | None, *, reset_resolve: bool):
        if grid is None and department is None:
            raise ServiceError(_("请指定处置网格或部门"), code="target_required")
        if grid is not None and department is not None:
            raise ServiceError(_("处置单位只能是一个网格或一个部门"), code="target_ambiguous")
        if grid is not None and (grid.root_id or grid.pk) != case.root_id:
            raise ServiceError(_("处置网格不在本区县"), code="target_outside")
        changes.update(_unit_fields(grid, department))
        changes.update(assignee=None, respond_by=deadline(now, resp_amt, resp_unit))
        if reset_resolve or case.resolve_by is None:
            changes["resolve_by"] = deadline_override or deadline(now, hand_amt, hand_unit)
            changes["overdue"] = False
        payload["to_unit"] = (
            (grid.code if grid else department.code) if (grid or department) else ""
        )
        payload["to_unit_name"] = grid.name if grid else department.name

    if action == EventKind.ACCEPT:
        if category is not None:
            changes["category"] = category
            changes["urgent"] = category.urgent
            payload["category"] = category.code
        if (category or case.category) is None:
            raise ServiceError(_("立案前请确定事件类别"), code="category_required")
        if target_grid is None and target_department is None:
            from wangge.cases.routing import route_case
            from wangge.grids.locator import locator

            loc = locator.locate(case.lat, case.lng) if case.lat is not None else None
            route = route_case(
                category=category or case.category, location=loc, text=case.description
            )
            if route is None:
                raise ServiceError(_("该事件未能定位，请指定处置单位"), code="target_required")
            target_grid, target_department = route.grid, route.department
            co_departments = route.co_departments if co_departments is None else co_departments
        if case.grid_id is None and target_grid is not None:
            # An unlocated case placed by the operator now belongs to that grid's subtree.
            changes.update(grid=target_grid, grid_path=target_grid.path)
        dispatch_to(target_grid, target_department, reset_resolve=True)
        changes["dispatched_at"] = now
        if co_departments is not None:
            cos = list(co_departments)
            payload["co_departments"] = [d.code for d in cos]
            after.append(lambda c, e, cos=cos: c.co_departments.set(cos))
    elif action == EventKind.REJECT:
        changes["closed_at"] = now
    elif action == EventKind.MERGE:
        if merge_into is None:
            raise ServiceError(_("请指定合并到的事件"), code="merge_target_required")
        if merge_into.pk == case.pk or merge_into.root_id != case.root_id:
            raise ServiceError(_("不能合并到该事件"), code="merge_target_invalid")
        if merge_into.state in (S.MERGED, S.REJECTED):
            raise Conflict(_("目标事件已合并或不予立案"), code="merge_target_closed")
        changes.update(merged_into=merge_into, closed_at=now)
        payload["merged_into"] = merge_into.tracking_code
    elif action == EventKind.CLAIM:
        changes.update(assignee=actor, claimed_at=now)
    elif action == EventKind.RESOLVE:
        changes["resolved_at"] = now
    elif action == EventKind.CLOSE:
        changes["closed_at"] = now
    elif action == EventKind.REOPEN:
        changes.update(rework_count=F("rework_count") + 1, resolved_at=None, closed_at=None)
        dispatch_to(case.handling_grid, case.handling_department, reset_resolve=True)
        changes["dispatched_at"] = now
    elif action == EventKind.ESCALATE:
        parent = _parent_unit(case)
        dispatch_to(parent, None, reset_resolve=False)
        changes["escalation_count"] = F("escalation_count") + 1
        payload["from_unit"] = _unit_label(case)
    elif action == EventKind.TRANSFER:
        if (target_grid and target_grid.pk == case.handling_grid_id) or (
            target_department and target_department.pk == case.handling_department_id
        ):
            raise ServiceError(_("转派目标与当前处置单位相同"), code="target_same")
        payload["from_unit"] = _unit_label(case)
        dispatch_to(target_grid, target_department, reset_resolve=False)
    elif action == EventKind.RETURN:
        # Back to the district centre's triage queue (不属于本单位 → 退回, with the reason).
        payload["from_unit"] = _unit_label(case)
        changes.update(_unit_fields(case.root, None))
        changes.update(assignee=None, respond_by=None)
    elif action == EventKind.SUSPEND:
        changes["respond_by"] = None
    elif action == EventKind.RESUME:
        dispatch_to(case.handling_grid, case.handling_department, reset_resolve=True)
    elif action == EventKind.SETTLE_ON_SPOT:
        if not attachment_ids:
            raise ServiceError(_("现场处置结案须附处置后照片"), code="photos_required")
        if case.channel != "patrol" or case.reporter_id != getattr(actor, "pk", None):
            raise Conflict(_("只有本人巡查上报的事件可以现场处置结案"), code="not_own_patrol")
        changes.update(assignee=actor, claimed_at=now, resolved_at=now, closed_at=now)
    elif action == EventKind.URGE:
        changes["urge_count"] = F("urge_count") + 1
    elif action == EventKind.EXTEND_REQUEST:
        amount, unit = _extension_amount(payload)
        if ExtensionRequest.objects.filter(case=case, status="pending").exists():
            raise Conflict(_("已有待审批的延期申请"), code="extension_pending")
        after.append(
            lambda c, e: ExtensionRequest.objects.create(
                case=c,
                requested_by=actor,
                amount=amount,
                unit=unit,
                reason=e.reason,
                created_at=now,
            )
        )
    elif action in (EventKind.EXTEND_APPROVE, EventKind.EXTEND_REJECT):
        req = (
            ExtensionRequest.objects.select_for_update().filter(case=case, status="pending").first()
        )
        if req is None:
            raise Conflict(_("没有待审批的延期申请"), code="no_extension_pending")
        payload.update(request_id=req.pk, amount=req.amount, unit=req.unit)
        approved = action == EventKind.EXTEND_APPROVE
        if approved:
            base = max(case.resolve_by or now, now)
            new_by = deadline(base, req.amount, req.unit)
            changes.update(
                resolve_by=new_by, overdue=False, extension_count=F("extension_count") + 1
            )
            payload["resolve_by"] = new_by.isoformat()

        def decide(c, e, req=req, approved=approved):
            req.status = "approved" if approved else "rejected"
            req.decided_by, req.decided_at = actor, now
            req.save(update_fields=["status", "decided_by", "decided_at"])

        after.append(decide)
    elif action in (EventKind.RATE, EventKind.FOLLOW_UP):
        # The answer to this closure (问题解决了吗？对处理满意吗？), once per closure.
        from wangge.cases.feedback import feedback_effect

        after.append(feedback_effect(case, actor=actor, payload=payload, now=now))
    elif action == EventKind.RECATEGORIZE:
        if category is None or not category.is_minor:
            raise ServiceError(_("请选择更正后的事件类别"), code="category_required")
        if category.pk == case.category_id:
            raise ServiceError(_("类别未改变"), code="category")
        changes.update(category=category, urgent=category.urgent)
        payload.update(
            category=category.code, from_category=case.category.code if case.category_id else None
        )
    elif action == EventKind.OVERDUE:
        if case.overdue:
            raise Conflict(_("已标记超期"), code="already_overdue")
        changes["overdue"] = True
    return changes, after


def _extension_amount(payload: dict[str, Any]) -> tuple[float, str]:
    amount, unit = payload.get("amount"), payload.get("unit") or LimitUnit.WORKING_DAYS
    if isinstance(amount, bool) or not isinstance(amount, int | float) or not 0 < amount <= 90:
        raise ServiceError(_("延期时长须为 0 到 90 之间的数字"), code="extension_amount")
    if unit not in LimitUnit.values:
        raise ServiceError(_("延期单位无效"), code="extension_unit")
    return float(amount), unit


@dataclass(slots=True)
class HistoryEvent:
    """A case event built in memory by `history_build`, with the fields the hash covers."""

    case_id: int
    seq: int
    kind: str
    actor_id: int | None
    actor_name: str
    from_state: str
    to_state: str
    reason: str
    payload: dict[str, Any]
    public: bool
    created_at: datetime
    prev_hash: str
    hash: str = ""


def history_build(
    case: Case, steps: Iterable[tuple[str, Any, datetime, str, dict[str, Any]]]
) -> list[HistoryEvent]:
    """Chain a whole history in memory, for bulk loads (demo data, imports from a predecessor).

    Each step is (action, actor, at, reason, payload), the first being "submit". The state
    moves exactly as the table says (a step not allowed from the state reached is a
    ValueError); the caller sets the other fields and stores the case (with its primary key
    already assigned, since the hashes cover it) and the events in bulk.
    """
    events: list[HistoryEvent] = []
    for action, actor, at, reason, payload in steps:
        if action == EventKind.SUBMIT:
            if events:
                raise ValueError("submit must be the first step")
            from_state, to_state, public = "", S.SUBMITTED, True
        else:
            move = ACTIONS[action]
            if case.state not in move.sources:
                raise ValueError(f"{action} not allowed from {case.state}")
            from_state, to_state, public = case.state, move.target or case.state, move.public
        case.state = to_state
        event = HistoryEvent(
            case_id=case.pk,
            seq=case.event_count + 1,
            kind=action,
            actor_id=actor.pk if actor is not None else None,
            actor_name=_display(actor)[:100],
            from_state=from_state,
            to_state=to_state,
            reason=reason,
            payload=payload,
            public=public,
            created_at=at,
            prev_hash=case.chain_head,
        )
        event.hash = hash_of(event, case.chain_head)
        case.event_count, case.chain_head = event.seq, event.hash
        events.append(event)
    return events


__all__ = ["ACTIONS", "Rel", "allowed_actions", "case_transition", "history_build", "relations"]
