"""Write paths of the council day. Keyword-only, typed, with an explicit `actor`.

Every function validates first and writes nothing when it refuses: ServiceError (400) for bad
input, Forbidden (403) outside the actor's scope or role, Conflict (409) for a step or state that
does not allow it. Notifications go through the outbox in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import GRID_ROLES, READ_ONLY_ROLES, User
from wangge.cases.models import Case
from wangge.core.api import Conflict, Forbidden, ServiceError
from wangge.council.access import is_staff_for, role_grid_paths
from wangge.council.models import (
    Attendance,
    Decision,
    Meeting,
    MeetingState,
    Topic,
    TopicEventKind,
    TopicSource,
    TopicStep,
)
from wangge.council.workflow import topic_record_proposal, topic_transition
from wangge.grids.models import Grid, GridLevel
from wangge.notify.services import outbox_enqueue

K = TopicEventKind
TITLE_MAX = 100
TEXT_MAX = 4000
PLACE_MAX = 100
# A resident signs in on the phone from two hours before the start until the day is over.
SELF_SIGN_IN_EARLY = timedelta(hours=2)
SELF_SIGN_IN_LATE = timedelta(hours=12)
# Minutes are taken at the meeting, not days before it.
DISCUSS_EARLY = timedelta(hours=12)
# Who may own a decision or counts as staff of a community: any working grid role.
WORKING_ROLES = frozenset(GRID_ROLES - READ_ONLY_ROLES)


def _text(value: str | None, label: str, *, max_len: int = TEXT_MAX, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(_("请填写%(f)s") % {"f": label}, code="required")
    if len(value) > max_len:
        raise ServiceError(
            _("%(f)s不能超过 %(n)s 个字") % {"f": label, "n": max_len}, code="too_long"
        )
    return value


def _community_of_path(path: str) -> Grid:
    """The community (社区/村) whose subtree holds `path`."""
    codes = [c for c in path.split("/") if c]
    if len(codes) < GridLevel.COMMUNITY:
        raise ServiceError(_("该位置不在任何社区内"), code="no_community")
    community = Grid.objects.filter(code=codes[GridLevel.COMMUNITY - 1]).first()
    if community is None or community.level != GridLevel.COMMUNITY:
        raise ServiceError(_("该位置不在任何社区内"), code="no_community")
    return community


def _require_staff(actor: Any, path: str) -> None:
    if not is_staff_for(actor, path):
        raise Forbidden(_("您不是该社区议事的组织者，无权操作"), code="not_council_staff")


def _display(user: Any) -> str:
    return (getattr(user, "display_name", "") or user.get_username()) if user else ""


# --- 问事: topics ----------------------------------------------------------------------------


def topic_propose(
    *,
    actor: Any,
    community: Grid,
    title: str,
    description: str,
    grid: Grid | None = None,
    proposer_name: str = "",
    now: datetime | None = None,
) -> Topic:
    """A resident (phone form) or a staff member brings a matter to the community's council."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("请先登录后再提出议题"), code="login_required")
    if community.level != GridLevel.COMMUNITY:
        raise ServiceError(_("请选择社区（村）"), code="not_community")
    title = _text(title, _("议题"), max_len=TITLE_MAX)
    description = _text(description, _("具体情况"))
    proposer_name = _text(proposer_name, _("提出人姓名"), max_len=50, required=False)
    if grid is not None and not grid.path.startswith(community.path):
        raise ServiceError(_("所选网格不在该社区内"), code="grid_outside_community")
    staff = is_staff_for(actor, community.path) or any(
        p.startswith(community.path) for p in role_grid_paths(actor, WORKING_ROLES)
    )
    now = now or timezone.now()
    with transaction.atomic():
        topic = Topic.objects.create(
            community=community,
            grid_path=(grid or community).path,
            title=title,
            description=description,
            source=TopicSource.STAFF if staff else TopicSource.RESIDENT,
            proposer=actor,
            proposer_name=proposer_name or _display(actor),
            created_at=now,
            updated_at=now,
        )
        topic_record_proposal(topic=topic, actor=actor, now=now)
    return topic


def topic_from_case(*, actor: Any, case: Case, now: datetime | None = None) -> Topic:
    """ "Put this case on the agenda": one click on a case the actor supervises."""
    if not case.grid_path:
        raise ServiceError(_("该事件尚未定位到网格，不能列入议事"), code="no_grid")
    community = _community_of_path(case.grid_path)
    _require_staff(actor, case.grid_path)
    existing = Topic.objects.filter(case=case).first()
    if existing is not None:
        raise Conflict(
            _("该事件已列入议事（议题 #%(id)s）") % {"id": existing.pk}, code="case_already_topic"
        )
    now = now or timezone.now()
    try:
        with transaction.atomic():
            topic = Topic.objects.create(
                community=community,
                grid_path=case.grid_path,
                title=(case.title or case.description)[:TITLE_MAX],
                description=case.description,
                source=TopicSource.CASE,
                proposer=case.reporter,
                proposer_name=case.contact_name or _display(case.reporter),
                case=case,
                created_at=now,
                updated_at=now,
            )
            topic_record_proposal(topic=topic, actor=actor, now=now)
    except IntegrityError as exc:  # the same click from two desks at once
        raise Conflict(_("该事件已列入议事"), code="case_already_topic") from exc
    return topic


# --- meetings ---------------------------------------------------------------------------------


def meeting_schedule(
    *,
    actor: Any,
    community: Grid,
    title: str,
    starts_at: datetime,
    place: str,
    grids: Iterable[Grid] = (),
    invitees: Iterable[User] = (),
) -> Meeting:
    if community.level != GridLevel.COMMUNITY:
        raise ServiceError(_("议事会须由社区（村）召开"), code="not_community")
    _require_staff(actor, community.path)
    title = _text(title, _("会议名称"), max_len=TITLE_MAX)
    place = _text(place, _("地点"), max_len=PLACE_MAX)
    if starts_at is None or timezone.is_naive(starts_at):
        raise ServiceError(_("请填写召开时间"), code="required")
    grid_list = list(grids)
    outside = [g.name for g in grid_list if not g.path.startswith(community.path)]
    if outside:
        raise ServiceError(
            _("覆盖网格不在本社区内：%(g)s") % {"g": "、".join(outside)}, code="grid_outside"
        )
    with transaction.atomic():
        meeting = Meeting.objects.create(
            community=community,
            grid_path=community.path,
            title=title,
            starts_at=starts_at,
            place=place,
            created_by=actor,
        )
        meeting.grids.set(grid_list or [community])
        meeting.invitees.set(list(invitees))
    return meeting


def _require_open(meeting: Meeting) -> None:
    if meeting.state == MeetingState.ARCHIVED:
        raise Conflict(_("议事会已归档，不能再修改"), code="meeting_archived")


def meeting_add_topic(
    *, actor: Any, meeting: Meeting, topic: Topic, now: datetime | None = None
) -> Topic:
    """Put a topic on the meeting's agenda (it stays at 问事 until discussed)."""
    _require_staff(actor, meeting.grid_path)
    _require_open(meeting)
    if topic.community_id != meeting.community_id:
        raise ServiceError(_("议题不属于该社区"), code="topic_other_community")
    if topic.meeting_id == meeting.pk:
        raise Conflict(_("该议题已在本次议程中"), code="already_on_agenda")
    if topic.meeting_id is not None:
        raise Conflict(_("该议题已列入其他议事会的议程"), code="on_other_agenda")
    now = now or timezone.now()
    with transaction.atomic():
        order = (meeting.topics.aggregate(m=Max("agenda_order"))["m"] or 0) + 1
        topic_transition(
            topic=topic,
            actor=actor,
            action=K.SCHEDULE,
            now=now,
            changes={"meeting_id": meeting.pk, "agenda_order": order},
            note=meeting.title,
            payload={"meeting": meeting.pk},
        )
    return topic


def meeting_sign_in(
    *,
    actor: Any,
    meeting: Meeting,
    attendee: User | None = None,
    name: str = "",
    role_note: str = "",
    now: datetime | None = None,
) -> Attendance:
    """Record one person present: the attendee on their phone (attendee is the actor), or staff
    signing someone in (a user, or a name for someone without an account). Twice → 409."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("请先登录后签到"), code="login_required")
    _require_open(meeting)
    now = now or timezone.now()
    role_note = _text(role_note, _("身份"), max_len=50, required=False)
    staff = is_staff_for(actor, meeting.grid_path)
    if attendee is None and not name.strip():
        attendee = actor
    if attendee is not None and attendee.pk == actor.pk:
        method = Attendance.Method.SELF
        window = (
            meeting.starts_at - SELF_SIGN_IN_EARLY <= now <= meeting.starts_at + SELF_SIGN_IN_LATE
        )
        if not staff and not window:
            raise Conflict(_("不在签到时间内（会前 2 小时至会后当天）"), code="sign_in_closed")
    else:
        if not staff:
            raise Forbidden(_("只有社区工作人员可以代人签到"), code="not_council_staff")
        method = Attendance.Method.STAFF
    display = _text(name, _("姓名"), max_len=50, required=False) or _display(attendee)
    if attendee is not None:
        dup = meeting.attendance.filter(user=attendee).exists()
    else:
        dup = meeting.attendance.filter(name=display).exists()
    if dup:
        raise Conflict(_("%(n)s 已签到，不能重复签到") % {"n": display}, code="already_signed_in")
    try:
        with transaction.atomic():
            row = Attendance.objects.create(
                meeting=meeting,
                user=attendee,
                name=display,
                role_note=role_note,
                method=method,
                recorded_by=actor,
                signed_at=now,
            )
            _award_attendance(row=row, meeting=meeting, now=now)
            outbox_enqueue(
                topic="council.attended",
                title=_("%(n)s 参加了%(m)s") % {"n": display, "m": meeting.title},
                body="",
                payload={
                    "meeting": meeting.pk,
                    "community": meeting.community.code,
                    "user_id": attendee.pk if attendee else None,
                    "name": display,
                    "signed_at": now,
                    "points": row.points,
                },
                grid_path=meeting.grid_path,
                dedupe_key=f"council:attend:{row.pk}",
            )
    except IntegrityError as exc:  # two sign-ins of the same person at the same instant
        raise Conflict(
            _("%(n)s 已签到，不能重复签到") % {"n": display}, code="already_signed_in"
        ) from exc
    return row


COUNCIL_POINTS_RULE = "council_day"


def _award_attendance(*, row: Attendance, meeting: Meeting, now: datetime) -> None:
    """Civility points for taking part (rule "council_day", per person, monthly cap), granted
    through the points ledger in a savepoint: a refusal (no household bound to the account,
    cap reached, rule off) is noted on the attendance and never blocks the sign-in."""
    if row.user_id is None:
        return
    from wangge.community.credits import household_of
    from wangge.points.services import points_award

    household, resident = household_of(row.user)
    if household is None:
        return
    try:
        with transaction.atomic():
            entry = points_award(
                actor=None,
                household=household,
                rule_code=COUNCIL_POINTS_RULE,
                source_type="council_meeting",
                source_id=str(meeting.pk),
                resident=resident,
                note=meeting.title,
                now=now,
            )
    except ServiceError as exc:
        row.points_note = exc.message[:200]
    else:
        row.points = entry.amount
    Attendance.objects.filter(pk=row.pk).update(points=row.points, points_note=row.points_note)


# --- 说事 解事 息事 回访 --------------------------------------------------------------------------


def topic_discuss(*, actor: Any, topic: Topic, minutes: str, now: datetime | None = None) -> Topic:
    """Record the minutes of the topic at its meeting (说事)."""
    minutes = _text(minutes, _("议事记录"))
    if topic.meeting_id is None:
        raise Conflict(_("议题尚未列入议事会议程，不能记录说事"), code="not_on_agenda")
    meeting = Meeting.objects.get(pk=topic.meeting_id)
    _require_open(meeting)
    now = now or timezone.now()
    if now < meeting.starts_at - DISCUSS_EARLY:
        raise Conflict(
            _("议事会尚未召开（%(t)s 召开）")
            % {"t": timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M")},
            code="meeting_not_started",
        )
    with transaction.atomic():
        topic_transition(
            topic=topic, actor=actor, action=K.DISCUSS, now=now, changes={"minutes": minutes}
        )
        Meeting.objects.filter(pk=meeting.pk, state=MeetingState.SCHEDULED).update(
            state=MeetingState.HELD, held_at=now
        )
    return topic


def topic_decide(
    *,
    actor: Any,
    topic: Topic,
    text: str,
    owner: User | None,
    due_on: date | None,
    case: Case | None = None,
    now: datetime | None = None,
) -> Decision:
    """The council's decision on the topic (解事): what, who, by when, and the linked case."""
    text = _text(text, _("决定事项"))
    if owner is None:
        raise ServiceError(_("请指定责任人"), code="owner_required")
    if due_on is None:
        raise ServiceError(_("请填写完成期限"), code="due_required")
    now = now or timezone.now()
    if due_on < timezone.localdate(now):
        raise ServiceError(_("完成期限不能早于今天"), code="due_past")
    if not any(
        topic.grid_path.startswith(p) or p.startswith(topic.community.path)
        for p in role_grid_paths(owner, WORKING_ROLES)
    ):
        raise ServiceError(
            _("责任人须为本社区或上级的工作人员：%(n)s") % {"n": _display(owner)},
            code="owner_outside",
        )
    with transaction.atomic():
        topic_transition(
            topic=topic,
            actor=actor,
            action=K.DECIDE,
            now=now,
            note=text,
            payload={"owner": owner.pk, "due_on": due_on.isoformat()},
        )
        decision = Decision.objects.create(
            topic=topic,
            grid_path=topic.grid_path,
            text=text,
            owner=owner,
            due_on=due_on,
            case=case,
            created_at=now,
        )
        outbox_enqueue(
            topic="council.decision_assigned",
            title=_("议定事项：%(t)s") % {"t": topic.title},
            body=_("%(text)s（%(due)s 前完成）") % {"text": text, "due": due_on.isoformat()},
            link=f"/council/decisions/{decision.pk}/",
            payload={"decision": decision.pk, "topic": topic.pk, "due_on": due_on},
            user_ids=[owner.pk],
            grid_path=topic.grid_path,
            dedupe_key=f"council:decision:{decision.pk}",
        )
    return decision


def topic_answer(*, actor: Any, topic: Topic, text: str, now: datetime | None = None) -> Topic:
    """Answer the proposer (息事) through their channel: the inbox of their account (a case's
    reporter for topics from cases) and the outbox topic `council.answered`, which the SMS
    gateway or the chat relay hears."""
    text = _text(text, _("答复内容"))
    now = now or timezone.now()
    recipient = topic.proposer_id
    channel = "inbox" if recipient else "none"
    case_code = None
    if topic.case_id:
        case = Case.objects.only("tracking_code", "channel", "reporter_id").get(pk=topic.case_id)
        case_code = case.tracking_code
        recipient = recipient or case.reporter_id
        channel = case.channel
    with transaction.atomic():
        topic_transition(
            topic=topic,
            actor=actor,
            action=K.ANSWER,
            now=now,
            changes={"answer": text},
            note=text,
            payload={"channel": channel},
        )
        outbox_enqueue(
            topic="council.answered",
            title=_("您提出的议题有了答复：%(t)s") % {"t": topic.title},
            body=text,
            link=f"/council/topics/{topic.pk}/",
            payload={"topic": topic.pk, "channel": channel, "tracking_code": case_code},
            user_ids=[recipient] if recipient else [],
            grid_path=topic.grid_path,
            dedupe_key=f"council:answer:{topic.pk}",
        )
    return topic


def topic_follow_up(
    *,
    actor: Any,
    topic: Topic,
    settled: bool | None,
    satisfaction: int | None,
    note: str = "",
    now: datetime | None = None,
) -> Topic:
    """The return visit (回访宁事): is the matter settled, how satisfied is the proposer."""
    if settled is None:
        raise ServiceError(_("请选择是否已解决"), code="settled_required")
    if satisfaction is None or not 1 <= int(satisfaction) <= 5:
        raise ServiceError(_("满意度须为 1–5 分"), code="satisfaction_range")
    note = _text(note, _("回访情况"), required=False)
    now = now or timezone.now()
    topic_transition(
        topic=topic,
        actor=actor,
        action=K.FOLLOW_UP,
        now=now,
        changes={
            "settled": bool(settled),
            "satisfaction": int(satisfaction),
            "follow_up_note": note,
        },
        note=note,
        payload={"settled": bool(settled), "satisfaction": int(satisfaction)},
    )
    return topic


def decision_done(
    *, actor: Any, decision: Decision, note: str, now: datetime | None = None
) -> Decision:
    note = _text(note, _("落实情况"))
    if decision.done_at is not None:
        raise Conflict(_("该事项已标记落实"), code="already_done")
    now = now or timezone.now()
    with transaction.atomic():
        topic_transition(
            topic=decision.topic, actor=actor, action=K.DECISION_DONE, now=now, note=note
        )
        done = Decision.objects.filter(pk=decision.pk, done_at__isnull=True).update(
            done_at=now, done_note=note
        )
        if not done:
            raise Conflict(_("该事项已标记落实"), code="already_done")
    decision.done_at, decision.done_note = now, note
    return decision


def meeting_archive(
    *, actor: Any, meeting: Meeting, summary: str = "", now: datetime | None = None
) -> Meeting:
    """归档完事: the meeting and every topic on its agenda, once each has been followed up."""
    _require_staff(actor, meeting.grid_path)
    _require_open(meeting)
    summary = _text(summary, _("会议纪要"), required=False)
    topics = list(meeting.topics.select_related("community").order_by("agenda_order"))
    if not topics:
        raise Conflict(_("议程为空，不能归档"), code="empty_agenda")
    pending = [t.title for t in topics if t.step != TopicStep.FOLLOWED]
    if pending:
        raise Conflict(
            _("以下议题尚未回访，不能归档：%(t)s") % {"t": "、".join(pending)},
            code="topics_pending",
        )
    now = now or timezone.now()
    with transaction.atomic():
        for topic in topics:
            topic_transition(topic=topic, actor=actor, action=K.ARCHIVE, now=now)
        updated = Meeting.objects.filter(pk=meeting.pk).exclude(state=MeetingState.ARCHIVED)
        if not updated.update(
            state=MeetingState.ARCHIVED,
            archived_at=now,
            summary=summary or meeting.summary,
            held_at=meeting.held_at or now,
        ):
            raise Conflict(_("议事会已归档，不能再修改"), code="meeting_archived")
    meeting.refresh_from_db()
    return meeting


# --- the overdue sweep ------------------------------------------------------------------------


@dataclass
class SweepResult:
    flagged: int = 0
    skipped: int = 0


def decisions_sweep(*, now: datetime | None = None, batch: int = 1000) -> SweepResult:
    """Flag decisions past their due date and tell their owners, once each.

    Reads only open, unflagged decisions (partial index `council_decision_open_due`); the flag
    is set with a guarded update, so two sweeps never flag (or notify) the same decision twice.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = SweepResult()
    due = (
        Decision.objects.filter(done_at__isnull=True, overdue=False, due_on__lt=today)
        .select_related("topic")
        .order_by("due_on", "id")[:batch]
    )
    for decision in list(due):
        with transaction.atomic():
            won = Decision.objects.filter(pk=decision.pk, overdue=False, done_at__isnull=True)
            if not won.update(overdue=True):
                result.skipped += 1
                continue
            topic_transition(
                topic=decision.topic,
                actor=None,
                action=K.DECISION_OVERDUE,
                now=now,
                note=_("超过完成期限 %(d)s，列入督办") % {"d": decision.due_on.isoformat()},
            )
            outbox_enqueue(
                topic="council.decision_overdue",
                title=_("议定事项已超期：%(t)s") % {"t": decision.topic.title},
                body=decision.text,
                link=f"/council/decisions/{decision.pk}/",
                payload={"decision": decision.pk, "due_on": decision.due_on},
                user_ids=[decision.owner_id],
                grid_path=decision.grid_path,
                dedupe_key=f"council:overdue:{decision.pk}",
            )
            result.flagged += 1
    return result
