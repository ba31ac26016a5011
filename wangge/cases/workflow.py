"""The case workflow: a declarative table of moves and the ONE function that changes a case.

`case_transition` locks the row, checks the table (who may do what from which state), gathers
what the move needs (and applies the targets policy, `wangge.cases.targets`), applies the
action's effect (`wangge.cases.effects`, one pure function per action), compare-and-swaps the
row, appends a hash-chained event and queues the notifications — all inside the caller's
transaction or its own. `Replay` applies the same effects in memory for bulk histories.

Nothing else writes `Case.state`: the model refuses it outside `workflow_writes()` (see
`wangge.cases.models`), and the database refuses a state change without a new event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import READ_ONLY_ROLES, Role
from wangge.accounts.selectors import scope_for_user
from wangge.attachments.services import attachments_link
from wangge.cases import notifications
from wangge.cases.access import ReporterPass
from wangge.cases.chain import hash_of
from wangge.cases.effects import EFFECTS, Effect, MoveInput
from wangge.cases.models import (
    Case,
    CaseEvent,
    CaseFeedback,
    CaseRating,
    CaseState,
    Category,
    EventKind,
    ExtensionRequest,
    event_insert,
    workflow_writes,
)
from wangge.cases.targets import assignee_check, escalation_target, target_check
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
    photos_required: bool = False  # the request must carry photos (checked live, not replayed)


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
    # 指派: a supervisor hands a dispatched case to a named worker of its unit. It races the
    # workers' claim for the same row: whichever takes the lock first wins, the other is told.
    EventKind.ASSIGN: _m({S.DISPATCHED}, S.CLAIMED, {R.SUPERVISOR}),
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
    EventKind.SETTLE_ON_SPOT: _m(
        WORKING, S.CLOSED, {R.UNIT}, reason_required=True, public=True, photos_required=True
    ),
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
    # 普通 / 紧急 / 特急: dispatchers and supervisors set how soon it must be handled.
    EventKind.PRIORITIZE: _m({S.SUBMITTED} | WORKING | {S.SUSPENDED}, None, {R.SUPERVISOR}),
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
    EventKind.ASSIGN: ("case.assigned", "assignee"),
    EventKind.PRIORITIZE: ("case.prioritized", "unit"),
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
        # The supervising grids' paths come with the scope (read once per request).
        paths = {p for r in SUPERVISOR_ROLES for p in scope.role_grid_paths.get(r, ())}
        for p in sorted(paths):
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
    with workflow_writes():
        updated = Case.objects.filter(pk=case.pk, version=case.version).update(
            version=case.version + 1, **changes
        )
    if updated != 1:
        raise Conflict(_("该事件刚被他人处理，请刷新后重试"), code="stale")
    for name, value in changes.items():
        setattr(case, name, value)
    case.version += 1
    case._loaded_state = case.state
    event_insert.insert([event])


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
    assignee: Any = None,
    deadline_override: datetime | None = None,
    attachments: Iterable[Any] = (),
    expected_version: int | None = None,
    now: datetime | None = None,
) -> CaseEvent:
    """Apply `action` to `case` as `actor` (None = the system). Returns the event written.

    Raises Forbidden (the actor's relation to the case does not allow the action), Conflict
    (not allowed from the current state; already claimed; moved concurrently) or ServiceError
    (missing reason or target; a target outside the actor's reach, see `targets`). On any
    error nothing is written.

    In order: lock the row, check the table (`ACTIONS`), gather what the effect needs (route,
    parent unit, pending extension), apply the action's effect (`effects.EFFECTS`, pure),
    compare-and-swap the row, append the hash-chained event, store the rows the effect made,
    queue the notifications.

    `assignee` is the worker an `assign` names (`targets.assignee_check` under the lock).
    `attachments` (ids or Attachment rows uploaded by the actor) are linked to the event.
    `expected_version` makes the move conditional: Conflict("stale") when the case changed
    since the caller read it (the SLA sweep acts only on what it saw).
    """
    move = ACTIONS.get(action)
    if move is None:
        raise ServiceError(_("未知操作“%(action)s”") % {"action": action}, code="unknown_action")
    reason = (reason or "").strip()
    attachment_ids = tuple(str(getattr(a, "pk", a)) for a in attachments)
    now = now or timezone.now()
    if action in (EventKind.CLAIM, EventKind.ASSIGN):
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
            .select_related("category", "handling_grid", "handling_department", "assignee", "root")
            .get(pk=case.pk)
        )
        _check(locked, actor=actor, action=action, move=move, reason=reason)
        if move.photos_required and not attachment_ids:
            raise ServiceError(_("现场处置结案须附处置后照片"), code="photos_required")
        if expected_version is not None and locked.version != expected_version:
            raise Conflict(_("该事件刚被他人处理，请刷新后重试"), code="stale")
        inp = _gather(
            locked,
            action,
            MoveInput(
                actor=actor,
                now=now,
                reason=reason,
                payload=dict(payload or {}),
                target_grid=target_grid,
                target_department=target_department,
                co_departments=tuple(co_departments) if co_departments is not None else None,
                merge_into=merge_into,
                category=category,
                assignee=assignee,
                deadline_override=deadline_override,
                attachment_ids=attachment_ids,
            ),
        )
        effect = EFFECTS[action](locked, inp)
        changes = dict(effect.changes)
        if move.target is not None:
            changes["state"] = move.target
        event_payload = {**inp.payload, **effect.payload}
        if attachment_ids:
            event_payload["attachments"] = list(attachment_ids)
        event = append_event(
            locked,
            actor=actor,
            kind=action,
            from_state=locked.state,
            to_state=move.target or locked.state,
            reason=reason,
            payload=event_payload,
            public=move.public,
            now=now,
        )
        _store(locked, changes, event)
        if attachment_ids:
            attachments_link(actor=actor, attachment_ids=list(attachment_ids), owner=event)
        if effect.feedback is not None:
            effect.feedback.event_seq = event.seq
        _store_rows(locked, effect)
        _announce(locked, event, action)
    # Hand the caller the fresh row.
    for f in Case._meta.concrete_fields:
        setattr(case, f.attname, getattr(locked, f.attname))
    case._state.fields_cache = {}
    # What an earlier answer attached (the intake's events and co-handlers) is stale now.
    for attached in ("_prefetched_objects_cache", "timeline_events", "public_events"):
        case.__dict__.pop(attached, None)
    case._loaded_state = locked.state
    return event


def _check(locked: Case, *, actor: Any, action: str, move: Move, reason: str) -> None:
    """The table: the actor's relation, the state, the reason."""
    label = EventKind(action).label
    if not relations(actor, locked) & move.who:
        raise Forbidden(_("您无权对该事件执行“%(action)s”") % {"action": label}, code="not_allowed")
    if locked.state not in move.sources:
        if action in (EventKind.CLAIM, EventKind.ASSIGN) and locked.state == S.CLAIMED:
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


def _gather(case: Case, action: str, inp: MoveInput) -> MoveInput:
    """Read what the action's effect needs, and apply the targets policy to a named unit."""
    if action == EventKind.ACCEPT and inp.target_grid is None and inp.target_department is None:
        from wangge.cases.routing import route_case
        from wangge.grids.locator import locator

        category = inp.category or case.category
        if category is not None:
            loc = (
                locator.locate(case.lat, case.lng)
                if case.lat is not None and case.lng is not None
                else None
            )
            route = route_case(category=category, location=loc, text=case.description)
            if route is not None:
                # The rule table decided: no actor check on the route itself.
                return replace(
                    inp,
                    target_grid=route.grid,
                    target_department=route.department,
                    co_departments=route.co_departments
                    if inp.co_departments is None
                    else inp.co_departments,
                )
        return inp
    if action in (EventKind.ACCEPT, EventKind.TRANSFER):
        target_check(
            actor=inp.actor, case=case, grid=inp.target_grid, department=inp.target_department
        )
        return inp
    if action == EventKind.ESCALATE:
        return replace(inp, target_grid=escalation_target(case), target_department=None)
    if action == EventKind.ASSIGN:
        # Checked under the row lock: the unit cannot change between the check and the write.
        assignee_check(case=case, user=inp.assignee)
        return inp
    if action in (EventKind.RATE, EventKind.FOLLOW_UP):
        # One answer per closure: the effect refuses a second one.
        answered = CaseFeedback.objects.filter(case=case, closure=case.rework_count + 1).exists()
        return replace(inp, closure_answered=answered)
    if action in (EventKind.EXTEND_REQUEST, EventKind.EXTEND_APPROVE, EventKind.EXTEND_REJECT):
        pending = (
            ExtensionRequest.objects.select_for_update()
            .filter(case=case, status=ExtensionRequest.Status.PENDING)
            .first()
        )
        return replace(inp, pending_extension=pending)
    return inp


def _store_rows(case: Case, effect: Effect) -> None:
    """Write the rows an effect made (the live path; a replay inserts them in bulk)."""
    if effect.co_departments is not None:
        case.co_departments.set(effect.co_departments)
    if effect.rating is not None:
        effect.rating.save(force_insert=True)
    if effect.feedback is not None:
        effect.feedback.save(force_insert=True)
    if effect.extension_request is not None:
        effect.extension_request.save(force_insert=True)
    if effect.extension_decision is not None:
        d = effect.extension_decision
        d.request.status, d.request.decided_by, d.request.decided_at = (
            d.status,
            d.decided_by,
            d.decided_at,
        )
        d.request.save(update_fields=["status", "decided_by", "decided_at"])


def _announce(case: Case, event: CaseEvent, action: str) -> None:
    if action not in _TOPICS:
        return
    topic, who = _TOPICS[action]
    if who == "assignee":
        users = {case.assignee_id} if case.assignee_id else set()
    elif who == "unit":
        users = notifications.unit_member_ids(case, with_co=action == EventKind.ACCEPT)
        if case.assignee_id:
            users.add(case.assignee_id)
    elif who == "triage":
        users = notifications.triage_operator_ids(case)
    else:
        users = notifications.reporter_ids(case)
    notifications.case_notify(case=case, event=event, topic=topic, user_ids=users)


# --- replay: the same effects, in memory, for bulk loads ----------------------------------------


@dataclass(slots=True)
class HistoryEvent:
    """A case event built in memory by `Replay`, with the fields the hash covers."""

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


@dataclass
class Replay:
    """A case's history applied in memory by the live workflow's effect functions.

    For bulk loads (the demo county's year, imports from a predecessor system): the case row
    (its primary key already assigned, since the hashes cover it) moves exactly as
    `case_transition` would move it — the table's source states, the same `EFFECTS`, the same
    payloads — without the per-event queries. The caller inserts `case`, `events`, `ratings`,
    `extension_requests` and `co_departments` in bulk (`history_store`). Who may act is not
    checked: the history is what happened. `extension_ids` assigns the ids an approval's
    payload records.
    """

    case: Case
    extension_ids: Iterator[int] | None = None
    events: list[HistoryEvent] = field(default_factory=list)
    ratings: list[CaseRating] = field(default_factory=list)
    feedback: list[CaseFeedback] = field(default_factory=list)
    extension_requests: list[ExtensionRequest] = field(default_factory=list)
    co_departments: list[Department] = field(default_factory=list)
    pending_extension: ExtensionRequest | None = None

    def submit(self, *, actor: Any, at: datetime, payload: dict[str, Any]) -> HistoryEvent:
        if self.events:
            raise ValueError("submit must be the first step")
        return self._event(EventKind.SUBMIT, actor, at, "", payload, "", S.SUBMITTED, True)

    def step(
        self,
        action: str,
        *,
        actor: Any,
        at: datetime,
        reason: str = "",
        payload: dict[str, Any] | None = None,
        grids: dict[int, Grid] | None = None,
        **arguments: Any,
    ) -> HistoryEvent:
        """Apply `action` at `at`; `arguments` are MoveInput's (target_grid, category, …).

        An escalation without a target goes where `targets.escalation_target` says (`grids`
        spares its query). A step the table does not allow from the state reached is a
        ValueError; an effect's refusal raises as it would live.
        """
        case = self.case
        if not self.events:
            raise ValueError("the first step must be submit")
        move = ACTIONS[action]
        if case.state not in move.sources:
            raise ValueError(f"{action} not allowed from {case.state}")
        if action == EventKind.ESCALATE and arguments.get("target_grid") is None:
            arguments["target_grid"] = escalation_target(case, grids)
        inp = MoveInput(
            actor=actor,
            now=at,
            reason=reason,
            payload=dict(payload or {}),
            pending_extension=self.pending_extension,
            **arguments,
        )
        effect = EFFECTS[action](case, inp)
        from_state = case.state
        for name, value in effect.changes.items():
            setattr(case, name, value)
        to_state = move.target or from_state
        case.state = to_state
        if effect.co_departments is not None:
            self.co_departments = list(effect.co_departments)
        if effect.rating is not None:
            self.ratings.append(effect.rating)
        if effect.extension_request is not None:
            req = effect.extension_request
            if self.extension_ids is not None:
                req.pk = next(self.extension_ids)
            self.extension_requests.append(req)
            self.pending_extension = req
        if effect.extension_decision is not None:
            d = effect.extension_decision
            d.request.status, d.request.decided_by, d.request.decided_at = (
                d.status,
                d.decided_by,
                d.decided_at,
            )
            self.pending_extension = None
        event_payload = {**inp.payload, **effect.payload}
        if inp.attachment_ids:
            event_payload["attachments"] = list(inp.attachment_ids)
        event = self._event(
            action, actor, at, reason, event_payload, from_state, to_state, move.public
        )
        if effect.feedback is not None:
            effect.feedback.event_seq = event.seq
            self.feedback.append(effect.feedback)
        return event

    def _event(
        self,
        kind: str,
        actor: Any,
        at: datetime,
        reason: str,
        payload: dict[str, Any],
        from_state: str,
        to_state: str,
        public: bool,
    ) -> HistoryEvent:
        case = self.case
        event = HistoryEvent(
            case_id=case.pk,
            seq=case.event_count + 1,
            kind=kind,
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
        case.version = event.seq
        case.updated_at = at
        self.events.append(event)
        return event


def history_store(replays: list[Replay], insert: Callable[[type, list[Any]], None]) -> None:
    """Store replayed histories: cases, events, co-handlers, ratings, extension requests.

    `insert(model, rows)` writes plain rows in bulk (the demo's executemany); this is the
    sanctioned path for cases that are inserted in a state other than `submitted`.
    """
    if not replays:
        return
    with workflow_writes():
        insert(Case, [r.case for r in replays])
        insert(CaseEvent, [e for r in replays for e in r.events])
    through = Case.co_departments.through
    through.objects.bulk_create(
        [through(case_id=r.case.pk, department_id=d.pk) for r in replays for d in r.co_departments],
        batch_size=5000,
    )
    ratings = [x for r in replays for x in r.ratings]
    if ratings:
        CaseRating.objects.bulk_create(ratings, batch_size=5000)
    answers = [x for r in replays for x in r.feedback]
    if answers:
        CaseFeedback.objects.bulk_create(answers, batch_size=5000)
    requests = [x for r in replays for x in r.extension_requests]
    if requests:
        ExtensionRequest.objects.bulk_create(requests, batch_size=5000)


__all__ = [
    "ACTIONS",
    "Rel",
    "Replay",
    "allowed_actions",
    "case_transition",
    "history_store",
    "relations",
]
