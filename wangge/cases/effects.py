"""What each workflow action does to a case: one small pure function per action.

An effect reads the case as it stands (the locked row in the live path, the in-memory row in a
replay) and a `MoveInput`, and returns an `Effect`: the field changes, what the event's payload
records, and the rows the move creates or decides (a rating, an extension request, the
co-handling departments). It raises `ServiceError` / `Conflict` when the move cannot apply.

Effects never query or write the database. `workflow.case_transition` fetches what they need
beforehand (the route of an automatic dispatch, the parent unit of an escalation, the pending
extension request) and stores what they return; `workflow.HistoryReplay` (the demo history,
imports) applies the very same functions in memory and inserts the result in bulk. The state
itself is not an effect's business: the table in `workflow.ACTIONS` sets it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from wangge.cases.models import (
    Case,
    CaseFeedback,
    CaseRating,
    CaseState,
    Category,
    EventKind,
    ExtensionRequest,
    FeedbackSource,
    LimitUnit,
    Priority,
    default_priority,
)
from wangge.cases.sla import deadline
from wangge.core.api import Conflict, ServiceError
from wangge.grids.models import Department, Grid

# The fallback limits of a case without a category (1 working day to claim, 5 to resolve).
DEFAULT_LIMITS = (1.0, LimitUnit.WORKING_DAYS, 5.0, LimitUnit.WORKING_DAYS)


@dataclass(frozen=True, slots=True)
class MoveInput:
    """Everything a move needs besides the case: who acts, when, and the action's arguments.

    `target_grid` is the unit a dispatch, transfer or escalation sends the case to (for an
    escalation, the parent unit the caller looked up); `pending_extension` is the open
    extension request the caller read under the lock (for `extend_*`).
    """

    actor: Any  # a User, or None for the system
    now: datetime
    reason: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict)
    target_grid: Grid | None = None
    target_department: Department | None = None
    co_departments: tuple[Department, ...] | None = None
    merge_into: Case | None = None
    category: Category | None = None
    deadline_override: datetime | None = None
    attachment_ids: tuple[str, ...] = ()
    pending_extension: ExtensionRequest | None = None
    # Whether the case's current closure already has an answer (for `rate` / `follow_up`).
    closure_answered: bool = False
    # The named worker an `assign` hands the case to (checked against the unit by the caller).
    assignee: Any = None


@dataclass(frozen=True, slots=True)
class ExtensionDecision:
    request: ExtensionRequest
    status: str  # ExtensionRequest.Status.APPROVED | REJECTED
    decided_by: Any
    decided_at: datetime


@dataclass(slots=True)
class Effect:
    """The outcome of one move, as data."""

    changes: dict[str, Any] = field(default_factory=dict)  # Case field → new value
    payload: dict[str, Any] = field(default_factory=dict)  # added to the event's payload
    co_departments: list[Department] | None = None  # replaces the co-handlers when not None
    rating: CaseRating | None = None  # a new row (unsaved)
    feedback: CaseFeedback | None = None  # a new row (unsaved; the caller sets event_seq)
    extension_request: ExtensionRequest | None = None  # a new row (unsaved)
    extension_decision: ExtensionDecision | None = None


Effector = Callable[[Case, MoveInput], Effect]


# --- helpers ------------------------------------------------------------------------------------


def limits(category: Category | None) -> tuple[float, str, float, str]:
    """(response amount, unit, handling amount, unit) of a category."""
    if category is None:
        return DEFAULT_LIMITS
    return (
        category.response_limit,
        category.response_unit,
        category.handling_limit,
        category.handling_unit,
    )


def unit_label(case: Case) -> str:
    """The name of the lead unit (the relations must be loaded, as the lock query does)."""
    if case.handling_department is not None:
        return case.handling_department.name
    if case.handling_grid is not None:
        return case.handling_grid.name
    return ""


def _dispatch(
    case: Case,
    inp: MoveInput,
    grid: Grid | None,
    department: Department | None,
    *,
    reset_resolve: bool,
    category: Category | None = None,
) -> Effect:
    """Send the case to one lead unit: new response deadline, optionally a new handling one."""
    if grid is None and department is None:
        raise ServiceError(_("请指定处置网格或部门"), code="target_required")
    if grid is not None and department is not None:
        raise ServiceError(_("处置单位只能是一个网格或一个部门"), code="target_ambiguous")
    if grid is not None and (grid.root_id or grid.pk) != case.root_id:
        raise ServiceError(_("处置网格不在本区县"), code="target_outside")
    resp_amt, resp_unit, hand_amt, hand_unit = limits(category or case.category)
    changes: dict[str, Any] = {
        "handling_grid": grid,
        "handling_department": department,
        "unit_path": grid.path if grid else "",
        "assignee": None,
        "respond_by": deadline(inp.now, resp_amt, resp_unit),
    }
    if reset_resolve or case.resolve_by is None:
        changes["resolve_by"] = inp.deadline_override or deadline(inp.now, hand_amt, hand_unit)
        changes["overdue"] = False
    unit = grid if grid is not None else department
    assert unit is not None
    return Effect(changes=changes, payload={"to_unit": unit.code, "to_unit_name": unit.name})


# --- one function per action --------------------------------------------------------------------


def accept(case: Case, inp: MoveInput) -> Effect:
    """立案派遣: confirm the category and send the case to its lead unit (and co-handlers)."""
    category = inp.category or case.category
    if category is None:
        raise ServiceError(_("立案前请确定事件类别"), code="category_required")
    grid, department = inp.target_grid, inp.target_department
    if grid is None and department is None:
        raise ServiceError(_("该事件未能定位，请指定处置单位"), code="target_required")
    effect = _dispatch(case, inp, grid, department, reset_resolve=True, category=category)
    effect.changes["dispatched_at"] = inp.now
    if inp.category is not None:
        effect.changes.update(
            category=inp.category,
            urgent=inp.category.urgent,
            priority=max(case.priority, default_priority(inp.category)),
        )
        effect.payload["category"] = inp.category.code
    if case.grid_id is None and grid is not None:
        # An unlocated case placed by the operator now belongs to that grid's subtree.
        effect.changes.update(grid=grid, grid_path=grid.path)
    if inp.co_departments is not None:
        effect.co_departments = list(inp.co_departments)
        effect.payload["co_departments"] = [d.code for d in inp.co_departments]
    return effect


def reject(case: Case, inp: MoveInput) -> Effect:
    return Effect(changes={"closed_at": inp.now})


def merge(case: Case, inp: MoveInput) -> Effect:
    target = inp.merge_into
    if target is None:
        raise ServiceError(_("请指定合并到的事件"), code="merge_target_required")
    if target.pk == case.pk or target.root_id != case.root_id:
        raise ServiceError(_("不能合并到该事件"), code="merge_target_invalid")
    if target.state in (CaseState.MERGED, CaseState.REJECTED):
        raise Conflict(_("目标事件已合并或不予立案"), code="merge_target_closed")
    return Effect(
        changes={"merged_into": target, "closed_at": inp.now},
        payload={"merged_into": target.tracking_code},
    )


def claim(case: Case, inp: MoveInput) -> Effect:
    return Effect(changes={"assignee": inp.actor, "claimed_at": inp.now})


def assign(case: Case, inp: MoveInput) -> Effect:
    """指派: a supervisor hands the dispatched case to a named worker of its unit; the case is
    then the worker's as if they had claimed it (the response clock stops)."""
    worker = inp.assignee
    if worker is None:
        raise ServiceError(_("请选择要指派的工作人员"), code="assignee_required")
    return Effect(
        changes={"assignee": worker, "claimed_at": inp.now},
        payload={
            "assignee": worker.get_username(),
            "assignee_name": getattr(worker, "display_name", "") or worker.get_username(),
        },
    )


def resolve(case: Case, inp: MoveInput) -> Effect:
    return Effect(changes={"resolved_at": inp.now})


def close(case: Case, inp: MoveInput) -> Effect:
    return Effect(changes={"closed_at": inp.now})


def reopen(case: Case, inp: MoveInput) -> Effect:
    """返工: back to the same unit with fresh deadlines; counted."""
    effect = _dispatch(case, inp, case.handling_grid, case.handling_department, reset_resolve=True)
    effect.changes.update(
        rework_count=case.rework_count + 1,
        resolved_at=None,
        closed_at=None,
        dispatched_at=inp.now,
    )
    return effect


def escalate(case: Case, inp: MoveInput) -> Effect:
    """上报: to the parent unit (`inp.target_grid`); the handling deadline stands."""
    if inp.target_grid is None:
        raise Conflict(_("已在最高层级（区县），无法继续上报"), code="top_level")
    effect = _dispatch(case, inp, inp.target_grid, None, reset_resolve=False)
    effect.changes["escalation_count"] = case.escalation_count + 1
    effect.payload["from_unit"] = unit_label(case)
    return effect


def transfer(case: Case, inp: MoveInput) -> Effect:
    """转派: to another unit; the handling deadline stands."""
    grid, department = inp.target_grid, inp.target_department
    if (grid is not None and grid.pk == case.handling_grid_id) or (
        department is not None and department.pk == case.handling_department_id
    ):
        raise ServiceError(_("转派目标与当前处置单位相同"), code="target_same")
    effect = _dispatch(case, inp, grid, department, reset_resolve=False)
    effect.payload["from_unit"] = unit_label(case)
    return effect


def return_(case: Case, inp: MoveInput) -> Effect:
    """退回: not ours → back to the district centre's triage queue, with the reason."""
    root = case.root
    return Effect(
        changes={
            "handling_grid": root,
            "handling_department": None,
            "unit_path": root.path,
            "assignee": None,
            "respond_by": None,
        },
        payload={"from_unit": unit_label(case)},
    )


def suspend(case: Case, inp: MoveInput) -> Effect:
    """挂账: the clock to claim stops; the assignee stays (who will pick it up again)."""
    return Effect(changes={"respond_by": None})


def resume(case: Case, inp: MoveInput) -> Effect:
    return _dispatch(case, inp, case.handling_grid, case.handling_department, reset_resolve=True)


def settle_on_spot(case: Case, inp: MoveInput) -> Effect:
    """小事不出网格: the reporting worker closes their own patrol report (the photos it needs
    are the table's `photos_required`, checked on the live request)."""
    if case.channel != "patrol" or case.reporter_id != getattr(inp.actor, "pk", None):
        raise Conflict(_("只有本人巡查上报的事件可以现场处置结案"), code="not_own_patrol")
    now = inp.now
    return Effect(
        changes={"assignee": inp.actor, "claimed_at": now, "resolved_at": now, "closed_at": now}
    )


def urge(case: Case, inp: MoveInput) -> Effect:
    return Effect(changes={"urge_count": case.urge_count + 1})


def extend_request(case: Case, inp: MoveInput) -> Effect:
    amount, unit = extension_amount(inp.payload)
    if inp.pending_extension is not None:
        raise Conflict(_("已有待审批的延期申请"), code="extension_pending")
    return Effect(
        extension_request=ExtensionRequest(
            case=case,
            requested_by=inp.actor,
            amount=amount,
            unit=unit,
            reason=inp.reason,
            created_at=inp.now,
        )
    )


def _extension_decide(case: Case, inp: MoveInput, *, approved: bool) -> Effect:
    req = inp.pending_extension
    if req is None:
        raise Conflict(_("没有待审批的延期申请"), code="no_extension_pending")
    status = ExtensionRequest.Status.APPROVED if approved else ExtensionRequest.Status.REJECTED
    effect = Effect(
        payload={"request_id": req.pk, "amount": req.amount, "unit": req.unit},
        extension_decision=ExtensionDecision(req, status, inp.actor, inp.now),
    )
    if approved:
        base = max(case.resolve_by or inp.now, inp.now)
        new_by = deadline(base, req.amount, req.unit)
        effect.changes.update(
            resolve_by=new_by, overdue=False, extension_count=case.extension_count + 1
        )
        effect.payload["resolve_by"] = new_by.isoformat()
    return effect


def extend_approve(case: Case, inp: MoveInput) -> Effect:
    return _extension_decide(case, inp, approved=True)


def extend_reject(case: Case, inp: MoveInput) -> Effect:
    return _extension_decide(case, inp, approved=False)


def answer(case: Case, inp: MoveInput) -> Effect:
    """`rate` (the reporter) and `follow_up` (a 回访 call): the answer to this closure —
    问题解决了吗？ 对处理满意吗？ — once per closure (`rework_count + 1`). The close or reopen it
    implies is a move of its own (`wangge.cases.feedback.case_feedback_give`)."""
    from wangge.cases.feedback import clean_answer, source_of

    solved, satisfaction, comment = clean_answer(inp.payload)
    if inp.closure_answered:
        raise Conflict(_("本次办理结果已评价过，不能重复提交"), code="already_answered")
    source = inp.payload.get("source") or source_of(inp.actor, case)
    if source not in FeedbackSource.values:
        raise ServiceError(_("评价来源无效"), code="source")
    closure = case.rework_count + 1
    return Effect(
        payload={
            "solved": solved,
            "satisfaction": satisfaction,
            "comment": comment,
            "closure": closure,
            "source": source,
        },
        feedback=CaseFeedback(
            case=case,
            closure=closure,
            solved=solved,
            satisfaction=satisfaction,
            comment=comment,
            source=source,
            actor=inp.actor if getattr(inp.actor, "is_authenticated", False) else None,
            event_seq=0,
            created_at=inp.now,
        ),
    )


def recategorize(case: Case, inp: MoveInput) -> Effect:
    """更正类别: the unit corrects a suggested (or wrong) category; the deadlines stand."""
    category = inp.category
    if category is None or not category.is_minor:
        raise ServiceError(_("请选择更正后的事件类别"), code="category_required")
    if category.pk == case.category_id:
        raise ServiceError(_("类别未改变"), code="category")
    return Effect(
        # An urgent category raises the priority; a dispatcher's higher choice stands.
        changes={
            "category": category,
            "urgent": category.urgent,
            "priority": max(case.priority, default_priority(category)),
        },
        payload={
            "category": category.code,
            "from_category": case.category.code if case.category is not None else None,
        },
    )


def prioritize(case: Case, inp: MoveInput) -> Effect:
    """调整优先级: a dispatcher marks a case 普通 / 紧急 / 特急 (payload `priority`)."""
    value = inp.payload.get("priority")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or value not in Priority.values:
        raise ServiceError(_("请选择优先级：普通、紧急或特急"), code="priority")
    if value == case.priority:
        raise ServiceError(_("优先级未改变"), code="priority")
    return Effect(
        changes={"priority": value},
        payload={"priority": value, "from_priority": case.priority},
    )


def overdue(case: Case, inp: MoveInput) -> Effect:
    if case.overdue:
        raise Conflict(_("已标记超期"), code="already_overdue")
    return Effect(changes={"overdue": True})


def nothing(case: Case, inp: MoveInput) -> Effect:
    """Comments, replies, follow-ups: the event is the whole effect."""
    return Effect()


def extension_amount(payload: Mapping[str, Any]) -> tuple[float, str]:
    amount, unit = payload.get("amount"), payload.get("unit") or LimitUnit.WORKING_DAYS
    if isinstance(amount, bool) or not isinstance(amount, int | float) or not 0 < amount <= 90:
        raise ServiceError(_("延期时长须为 0 到 90 之间的数字"), code="extension_amount")
    if unit not in LimitUnit.values:
        raise ServiceError(_("延期单位无效"), code="extension_unit")
    return float(amount), unit


E = EventKind
EFFECTS: dict[str, Effector] = {
    E.ACCEPT: accept,
    E.REJECT: reject,
    E.MERGE: merge,
    E.CLAIM: claim,
    E.ASSIGN: assign,
    E.RESOLVE: resolve,
    E.CLOSE: close,
    E.REOPEN: reopen,
    E.ESCALATE: escalate,
    E.TRANSFER: transfer,
    E.RETURN: return_,
    E.SUSPEND: suspend,
    E.RESUME: resume,
    E.SETTLE_ON_SPOT: settle_on_spot,
    E.COMMENT: nothing,
    E.URGE: urge,
    E.EXTEND_REQUEST: extend_request,
    E.EXTEND_APPROVE: extend_approve,
    E.EXTEND_REJECT: extend_reject,
    E.REPLY: nothing,
    E.FOLLOW_UP: answer,
    E.RATE: answer,
    E.OVERDUE: overdue,
    E.RECATEGORIZE: recategorize,
    E.PRIORITIZE: prioritize,
}
