"""The topic's six steps: a declarative table of moves and the ONE function that moves a topic.

问事 asked → 说事 discussed → 解事 decided → 息事 answered → 回访宁事 followed → 归档完事 archived.
The steps only go forward: a move to a step the topic has passed is refused with 409.
Nothing else assigns `Topic.step` (tests/council/test_state_guard.py walks the source tree).
`topic_transition` locks the row, checks the table, applies the move's field changes with a
compare-and-swap on `version` and appends a `TopicEvent` — inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from wangge.core.api import Conflict, Forbidden
from wangge.council.access import STAFF_ROLES, is_staff_for
from wangge.council.models import (
    STEP_ORDER,
    STEP_WRITE,
    Topic,
    TopicEvent,
    TopicEventKind,
    TopicStep,
)

S = TopicStep
K = TopicEventKind

COUNCIL_STAFF_ROLES = STAFF_ROLES


class Rel(StrEnum):
    SYSTEM = "system"  # no user: the overdue sweep
    STAFF = "staff"  # a council staff role whose subtree holds the topic
    OWNER = "owner"  # owns the topic's decision


@dataclass(frozen=True)
class Move:
    sources: frozenset[str]
    target: str | None  # None: the step does not change
    who: frozenset[Rel]


def _m(sources: Iterable[str], target: str | None, who: set[Rel]) -> Move:
    return Move(frozenset(sources), target, frozenset(who))


OPEN_DECISION_STEPS = {S.DECIDED, S.ANSWERED, S.FOLLOWED}

ACTIONS: dict[str, Move] = {
    K.SCHEDULE: _m({S.ASKED}, None, {Rel.STAFF}),
    K.UNSCHEDULE: _m({S.ASKED}, None, {Rel.STAFF}),
    K.DISCUSS: _m({S.ASKED}, S.DISCUSSED, {Rel.STAFF}),
    K.DECIDE: _m({S.DISCUSSED}, S.DECIDED, {Rel.STAFF}),
    K.ANSWER: _m({S.DECIDED}, S.ANSWERED, {Rel.STAFF, Rel.OWNER}),
    K.FOLLOW_UP: _m({S.ANSWERED}, S.FOLLOWED, {Rel.STAFF}),
    K.ARCHIVE: _m({S.FOLLOWED}, S.ARCHIVED, {Rel.STAFF}),
    K.DECISION_DONE: _m(OPEN_DECISION_STEPS, None, {Rel.STAFF, Rel.OWNER}),
    K.DECISION_OVERDUE: _m(OPEN_DECISION_STEPS, None, {Rel.SYSTEM}),
}


def relations(user: Any, topic: Topic) -> set[Rel]:
    if user is None:
        return {Rel.SYSTEM}
    rels: set[Rel] = set()
    if is_staff_for(user, topic.grid_path):
        rels.add(Rel.STAFF)
    decision = getattr(topic, "decision", None) if _has_decision(topic) else None
    if decision is not None and decision.owner_id == user.pk:
        rels.add(Rel.OWNER)
    return rels


def _has_decision(topic: Topic) -> bool:
    from wangge.council.models import Decision

    try:
        return topic.decision is not None
    except Decision.DoesNotExist:
        return False


def allowed_actions(user: Any, topic: Topic) -> list[str]:
    rels = relations(user, topic)
    return [
        action
        for action, move in ACTIONS.items()
        if topic.step in move.sources and rels & move.who and Rel.SYSTEM not in move.who
    ]


def step_label(step: str) -> str:
    return str(TopicStep(step).label)


def _display(user: Any) -> str:
    if user is None:
        return _("系统")
    return getattr(user, "display_name", "") or user.get_username()


def topic_transition(
    *,
    topic: Topic,
    actor: Any,
    action: str,
    now: datetime,
    changes: dict[str, Any] | None = None,
    note: str = "",
    payload: dict[str, Any] | None = None,
) -> TopicEvent:
    """Apply `action` to `topic` (checked against ACTIONS) and record it.

    `changes` are the other fields the move sets (minutes, answer, …). Refusals: 403 when the
    actor stands in no relation the move allows, 409 when the topic's step does not allow it —
    in particular any move back to a step already passed.
    """
    move = ACTIONS.get(action)
    if move is None:
        raise Conflict(_("未知操作：%(a)s") % {"a": action})
    with transaction.atomic():
        locked = Topic.objects.select_for_update().get(pk=topic.pk)
        if move.target is not None and STEP_ORDER[move.target] <= STEP_ORDER[locked.step]:
            raise Conflict(
                _("议题已到「%(now)s」环节，不能退回「%(to)s」")
                % {"now": step_label(locked.step), "to": step_label(move.target)},
                code="step_backwards",
            )
        if locked.step not in move.sources:
            raise Conflict(
                _("议题处于「%(now)s」环节，不能%(act)s")
                % {"now": step_label(locked.step), "act": TopicEventKind(action).label},
                code="step_not_allowed",
            )
        if not (relations(actor, locked) & move.who):
            raise Forbidden(
                _("您无权对该议题执行「%(act)s」") % {"act": TopicEventKind(action).label}
            )
        fields = dict(changes or {})
        from_step = locked.step
        if move.target is not None:
            fields["step"] = move.target
        fields["updated_at"] = now
        token = STEP_WRITE.set(True)
        try:
            updated = Topic.objects.filter(pk=locked.pk, version=locked.version).update(
                version=F("version") + 1, **fields
            )
        finally:
            STEP_WRITE.reset(token)
        if updated != 1:  # the row is locked; only a database without row locks gets here
            raise Conflict(_("议题已被他人修改，请刷新后重试"), code="stale")
        last = TopicEvent.objects.filter(topic=locked).aggregate(m=Max("seq"))["m"] or 0
        event = TopicEvent.objects.create(
            topic=locked,
            seq=last + 1,
            kind=action,
            actor=actor,
            actor_name=_display(actor),
            from_step=from_step,
            to_step=move.target or from_step,
            note=note,
            payload=payload or {},
            created_at=now,
        )
    for name, value in fields.items():
        setattr(topic, name, value)
    topic.version = locked.version + 1
    return event


def topic_record_proposal(*, topic: Topic, actor: Any, now: datetime) -> TopicEvent:
    """The first event of a new topic (no move: it starts at 问事)."""
    return TopicEvent.objects.create(
        topic=topic,
        seq=1,
        kind=K.PROPOSE,
        actor=actor,
        actor_name=_display(actor) if actor else "",
        from_step="",
        to_step=S.ASKED,
        note=topic.title,
        payload={"source": topic.source},
        created_at=now,
    )
