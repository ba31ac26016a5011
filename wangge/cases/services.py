"""Writes on cases. `case_submit` is the one intake path of every channel.

State changes go through `wangge.cases.workflow.case_transition` (re-exported here).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import GRID_ROLES, READ_ONLY_ROLES
from wangge.accounts.selectors import scope_for_user
from wangge.attachments.services import attachments_link
from wangge.cases import reference
from wangge.cases.chain import hash_of
from wangge.cases.contact import contact_phone_fields
from wangge.cases.matching import category_suggestions, description_words, find_duplicates
from wangge.cases.models import (
    Case,
    CaseEvent,
    CaseState,
    Category,
    Channel,
    EventKind,
    default_priority,
    event_insert,
    workflow_writes,
)
from wangge.cases.notifications import case_notice, triage_operator_readers, unit_member_readers
from wangge.cases.routing import route_case
from wangge.cases.selectors import case_prefetched
from wangge.cases.triage import routable_category
from wangge.cases.workflow import Replay, case_transition
from wangge.core.api import Forbidden, ServiceError, Unprocessable
from wangge.core.compiled import statement_cursor
from wangge.core.geo import CoordinateError, parse_crs, to_wgs84
from wangge.core.ids import IdBlocks
from wangge.grids.locator import Location, locator
from wangge.grids.models import Department, Grid, GridLevel
from wangge.notify.services import Notice, inbox_statement, outbox_enqueue_many

# Case ids are taken before the INSERT (the event hashes cover them): see wangge.core.ids.
case_ids = IdBlocks(Case)
# No 0/O, 1/I/L: read over the phone and typed on a keypad without confusion.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 8
PHONE_RE = re.compile(r"^[0-9+\-() ]{3,20}$")

__all__ = [
    "Intake",
    "Report",
    "Submitted",
    "case_report_settled",
    "case_submit",
    "case_transition",
    "intake_prepare",
    "intake_replay",
    "intake_store",
    "new_tracking_code",
    "point_for_address",
]


@dataclass(frozen=True, slots=True)
class Submitted:
    """What `case_submit` answers: the case, and whether this was a retry answered with the
    first result (an API says 200 instead of 201)."""

    case: Case
    replayed: bool = False


def point_for_address(text: str, *, within: Grid | None = None) -> tuple[float, float] | None:
    """The WGS-84 point of the building an address names ("怡园社区1号楼"), or None.

    `within`: only a building inside that grid counts (a chat group's grid).
    """
    if not text:
        return None
    from wangge.people.selectors import address_resolve

    match = address_resolve(text)
    if match is None or (within is not None and not match.grid_code.startswith(within.code)):
        return None
    return match.lat, match.lng


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def _request_hash(fields: dict[str, Any]) -> str:
    body = json.dumps(
        fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _triage_root(grids: dict[int, Grid]) -> Grid:
    """The district whose centre triages unlocated reports."""
    code = settings.CASES_TRIAGE_DISTRICT
    districts = sorted(
        (g for g in grids.values() if g.level == GridLevel.DISTRICT), key=lambda g: g.code
    )
    root = next((g for g in districts if g.code == code), None) if code else None
    root = root or (districts[0] if districts else None)
    if root is None:
        raise ServiceError(_("系统尚未配置区县网格，无法受理"), code="no_district")
    return root


def _check_channel(actor: Any, channel: str) -> None:
    if channel not in Channel.values:
        raise ServiceError(_("未知的受理渠道“%(c)s”") % {"c": channel}, code="channel")
    if channel in (Channel.PATROL, Channel.PHONE):
        scope = scope_for_user(actor)
        working = (GRID_ROLES - READ_ONLY_ROLES) & scope.roles
        if not working:
            raise Forbidden(_("只有网格工作人员可以通过该渠道上报"), code="channel_forbidden")


def _clean_text(value: str, *, field: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(
            _("请填写%(f)s") % {"f": field}, code="required", details={field: "必填"}
        )
    if len(value) > limit:
        raise ServiceError(
            _("%(f)s不能超过 %(n)d 字（当前 %(m)d 字）")
            % {"f": field, "n": limit, "m": len(value)},
            code="too_long",
        )
    return value


@dataclass
class Intake:
    """A report ready to store: the case row and its events built in memory, dispatch applied,
    the notifications composed. `intake_store` writes it; `case_submit` does both."""

    case: Case
    events: list[CaseEvent]
    notices: list[Notice]
    co_departments: list[Department]
    attachment_ids: list[str]
    actor: Any
    channel: str
    idempotency_key: str | None
    external_id: str | None
    body_hash: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Report:
    """A report as a channel hands it in: what `case_submit` and `intake_prepare` take.

    Locating, for every channel alike: the point given (`lat`/`lng` in `crs`); else the
    building that `address` names; else the one `place_text` names (free text that is not kept
    as the address, such as a chat message); else, with `within` (the grid a chat group
    serves), a point inside that grid. `within` also discards a named building outside that
    grid. `now` is the intake's one reading of the clock (tests and replays pin it).
    """

    actor: Any
    channel: str
    description: str
    lat: float | None = None
    lng: float | None = None
    crs: str = "wgs84"
    address: str = ""
    category_code: str | None = None
    anonymous: bool = False
    contact_name: str = ""
    contact_phone: str = ""
    idempotency_key: str | None = None
    external_id: str | None = None
    deadline_override: datetime | None = None
    attachments: Sequence[Any] = ()
    title: str = ""
    place_text: str = ""
    within: Grid | None = None
    now: datetime | None = None


def _report(report: Report | None, fields: dict[str, Any]) -> Report:
    if report is None:
        return Report(**fields)
    if fields:
        raise TypeError("pass a Report or its fields as keywords, not both")
    return report


def case_submit(report: Report | None = None, /, **fields: Any) -> Submitted:
    """Accept a report from any channel; returns the case and whether it was a retry.

    Validate, locate, suggest a category, look for duplicates, route, compute deadlines, build
    the first events and the notifications (`intake_prepare`, in memory but for the duplicate
    search), then write them in one transaction (`intake_store`). A retry with the same key and
    the same body returns the first case; the same key with another body is Unprocessable (422).
    Nothing is written on any error.

    The retry is found by the database: the case's unique idempotency key (or external id)
    refuses the second INSERT, and only then is the first case read. Takes a `Report`, or
    its fields as keywords.
    """
    intake = intake_prepare(_report(report, fields))
    for attempt in range(3):
        try:
            if not intake_store_at_once(intake):
                with transaction.atomic():
                    intake_store(intake)
            return Submitted(intake.case)
        except IntegrityError:
            # A retry (or a concurrent twin) of the same key or external id committed first.
            replay = intake_replay(intake)
            if replay is not None:
                return Submitted(replay, replayed=True)
            if attempt == 2:
                raise
            # Otherwise the tracking code or the id was taken (a bulk load with ids of its own):
            # the same report under a fresh code and id.
            intake_renew(intake)
    raise AssertionError("unreachable")


def intake_replay(intake: Intake) -> Case | None:
    """The first case of a retried report (same key or external id), or None."""
    return _find_replay(
        intake.channel, intake.idempotency_key, intake.external_id, intake.body_hash
    )


def intake_prepare(report: Report | None = None, /, **fields: Any) -> Intake:
    """Everything `case_submit` decides, without writing: the case with its final state, the
    hash-chained `submit` (and automatic `accept`) events, the co-handling departments and the
    notifications. Reads: the duplicate search (one query, with a point), a named building
    (one, with an address), and the per-process caches of categories, routing rules,
    departments, grids and the working calendar. Takes a `Report`, or its fields as keywords.
    """
    r = _report(report, fields)
    actor, channel, anonymous, within = r.actor, r.channel, r.anonymous, r.within
    deadline_override = r.deadline_override
    _check_channel(actor, channel)
    description = _clean_text(
        r.description, field="描述", limit=settings.CASES_DESCRIPTION_MAX, required=True
    )
    title = _clean_text(r.title, field="标题", limit=100)
    address = _clean_text(r.address, field="地址", limit=200)
    contact_name = _clean_text(r.contact_name, field="联系人", limit=50)
    contact_phone = _clean_text(r.contact_phone, field="联系电话", limit=20)
    if contact_phone and not PHONE_RE.match(contact_phone):
        raise ServiceError(_("联系电话格式不正确"), code="phone")
    idempotency_key = (r.idempotency_key or "").strip() or None
    if idempotency_key and len(idempotency_key) > 100:
        raise ServiceError(_("Idempotency-Key 不能超过 100 个字符"), code="idempotency_key")
    external_id = (r.external_id or "").strip() or None
    if external_id and len(external_id) > 64:
        raise ServiceError(_("外部单号不能超过 64 个字符"), code="external_id")
    lat, lng, category_code = r.lat, r.lng, r.category_code
    if (lat is None) != (lng is None):
        raise ServiceError(_("经度和纬度须同时提供"), code="coordinates")
    try:
        crs_value = parse_crs(r.crs)
        point = to_wgs84(lat, lng, crs_value) if lat is not None and lng is not None else None
    except CoordinateError as exc:
        raise ServiceError(str(exc), code="coordinates") from exc
    if point is None:
        point = _point_from_text(address, r.place_text, within)
    category = None
    if category_code:
        category = reference.categories().usable(category_code)
        if category is None:
            raise ServiceError(
                _("事件类别“%(c)s”不存在或不可用") % {"c": category_code}, code="category"
            )
    if deadline_override is not None and timezone.is_naive(deadline_override):
        raise ServiceError(_("办理期限须带时区"), code="deadline")
    attachment_ids = [str(getattr(a, "pk", a)) for a in r.attachments]

    body_hash = _request_hash(
        {
            "description": description,
            "title": title,
            "point": [round(point[0], 7), round(point[1], 7)] if point else None,
            "address": address,
            "category": category_code or None,
            "anonymous": bool(anonymous),
            "contact": [contact_name, contact_phone],
            "external_id": external_id,
            "attachments": attachment_ids,
        }
    )

    now = r.now or timezone.now()
    location: Location | None = locator.locate(*point) if point else None
    grids = reference.grids()
    root = grids.get(location.chain[0].id) if location else None
    root = root or _triage_root(grids)
    text = f"{title} {description} {address}"
    found = category_suggestions(text, limit=1) if category is None else []
    top = found[0] if found else None
    suggested = top.category if top is not None and top.confident else None
    duplicates = (
        [
            d.as_dict()
            for d in find_duplicates(
                lat=point[0],
                lng=point[1],
                text=description,
                now=now,
                # A report of a known category is compared with the same category's (and the
                # unclassified) only: fewer candidates to cut into words and score.
                category_id=category.pk if category is not None else None,
            )
        ]
        if point
        else []
    )
    # Nothing waits silently: a report without a category but with a point goes to its grid on
    # the suggested category when the suggestion is confident (the unit can correct it); only
    # a report without a point or without a confident suggestion waits in the centre's triage.
    route_category = category or (routable_category(text, top) if location is not None else None)
    route = route_case(category=route_category, location=location, text=text)
    reporter = actor if getattr(actor, "is_authenticated", False) else None
    if channel in (Channel.PHONE, Channel.HOTLINE):
        reporter = None  # the operator typed it in; the caller is in the contact fields
    case = Case(
        pk=case_ids.next(),
        tracking_code=new_tracking_code(),
        title=title or description[:30],
        description=description,
        description_words=description_words(description),
        channel=channel,
        category=category,
        suggested_category=suggested,
        reporter=reporter,
        anonymous=bool(anonymous),
        contact_name="" if anonymous else contact_name,
        **contact_phone_fields("" if anonymous else contact_phone),
        address=address,
        lat=point[0] if point else None,
        lng=point[1] if point else None,
        grid=grids.get(location.grid.id) if location else None,
        grid_path=location.path if location else root.path,
        root=root,
        urgent=bool(category and category.urgent),
        priority=default_priority(category),
        duplicate_candidates=duplicates,
        idempotency_key=idempotency_key,
        request_hash=body_hash,
        external_id=external_id,
        created_at=now,
        updated_at=now,
    )
    if location is not None and case.grid is None:
        case.grid_id = location.grid.id
    # The submission and the automatic dispatch, applied in memory by the workflow's own
    # effects (`Replay`), so the row is inserted once, in its final state, with its chain head.
    history = Replay(case)
    submitted_by = reporter if reporter else actor
    history.submit(
        actor=submitted_by,
        at=now,
        payload=submit_payload(
            channel=channel,
            grid_code=location.grid.code if location else None,
            suggested=suggested,
            duplicates=[d["tracking_code"] for d in duplicates],
            attachment_ids=attachment_ids,
        ),
    )
    events = [_stored(history.events[0])]
    # Every submission is announced to the district's triage operators (the state it was in).
    notices = [
        case_notice(
            case=case,
            event=events[0],
            topic="case.created",
            readers=triage_operator_readers(case),
        )
    ]
    co: list[Department] = []
    if route is not None and route_category is not None:
        target = route.grid or route.department
        if target is None or not target.is_active:
            raise ServiceError(_("处置单位已停用"), code="target_outside")
        history.step(
            EventKind.ACCEPT,
            actor=None,
            at=now,
            reason=_("按派遣规则自动立案派遣")
            if category is not None
            else _("按建议类别“%(c)s”自动派遣，办理单位可更正类别") % {"c": route_category.name},
            # "suggested" only when routed on a suggestion (demo and live alike).
            payload={"rule": route.rule.pk if route.rule else None}
            | ({"suggested": True} if category is None else {}),
            category=route_category if category is None else None,
            target_grid=route.grid,
            target_department=route.department,
            co_departments=route.co_departments,
            deadline_override=deadline_override,
        )
        co = history.co_departments
        events.append(_stored(history.events[1]))
        notices.append(
            case_notice(
                case=case,
                event=events[1],
                topic="case.dispatched",
                readers=unit_member_readers(case, [d.pk for d in co]),
            )
        )
    return Intake(
        case=case,
        events=events,
        notices=notices,
        co_departments=co,
        attachment_ids=attachment_ids,
        actor=actor,
        channel=channel,
        idempotency_key=idempotency_key,
        external_id=external_id,
        body_hash=body_hash,
    )


def _stored(event: Any) -> CaseEvent:
    """The CaseEvent row of an event the replay built (the hash already covers these fields)."""
    return CaseEvent(
        case_id=event.case_id,
        seq=event.seq,
        kind=event.kind,
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        from_state=event.from_state,
        to_state=event.to_state,
        reason=event.reason,
        payload=event.payload,
        public=event.public,
        created_at=event.created_at,
        prev_hash=event.prev_hash,
        hash=event.hash,
    )


def intake_store(intake: Intake) -> None:
    """Write a prepared report inside the caller's transaction: the case (one INSERT, final
    state and chain head included), its events (one), its co-handlers (one, if any), the
    notifications (one for every inbox, one for every webhook delivery) and the photos' links.
    An IntegrityError means the key, external id, tracking code or id was taken."""
    case = intake.case
    with workflow_writes():
        case.insert()
    event_insert.insert(intake.events)
    if intake.co_departments:
        through = Case.co_departments.through
        through.objects.bulk_create(
            [through(case_id=case.pk, department_id=d.pk) for d in intake.co_departments]
        )
    # The answer is rendered from these objects: no re-read of what was just written.
    case_prefetched(case, co_departments=intake.co_departments, events=intake.events)
    outbox_enqueue_many(intake.notices)
    if intake.attachment_ids:
        attachments_link(
            actor=intake.actor, attachment_ids=intake.attachment_ids, owner=intake.events[0]
        )


def intake_store_at_once(intake: Intake) -> bool:
    """On PostgreSQL, outside any transaction, for a report without photos or co-handlers whose
    notices are inbox rows only (the common one): the case, its events and the inbox rows in
    one statement (data-modifying WITH), which is its own transaction. BEGIN, three INSERTs
    and COMMIT were five round trips. Returns False, having written nothing, for any other
    report, which `intake_store` writes inside the caller's transaction. The rows are those
    `intake_store` writes (tests/cases/test_intake_at_once.py); an IntegrityError means the
    same as there, and nothing was written."""
    alias = router.db_for_write(Case)
    conn = connections[alias]
    if (
        conn.vendor != "postgresql"
        or intake.co_departments
        or intake.attachment_ids
        or not intake.events
        or not conn.get_autocommit()
        or conn.in_atomic_block
    ):
        return False
    inbox = inbox_statement(intake.notices, alias)
    if inbox is None:
        return False
    case = intake.case
    with workflow_writes():
        case_sql, case_params = case.insert_statement(alias)
    events_sql, events_params = event_insert.statement(intake.events, alias)
    numbered = intake.events[0].pk is None  # then the events' INSERT returns their ids
    with statement_cursor(alias) as (cursor, _server_side):
        cursor.execute(
            f"WITH c AS ({case_sql}), i AS ({inbox[0]}) {events_sql}",
            [*case_params, *inbox[1], *events_params],
        )
        ids = cursor.fetchall() if numbered else []
    case.inserted(alias)
    event_insert.stored(intake.events, alias, ids)
    case_prefetched(case, co_departments=[], events=intake.events)
    return True


def intake_renew(intake: Intake) -> None:
    """A fresh id and tracking code for a report whose INSERT collided on one of them; the
    events (their hashes cover the id) and notices are rebuilt by the caller's retry."""
    case_ids.discard()
    old_pk = intake.case.pk
    intake.case.pk = case_ids.next()
    intake.case.tracking_code = new_tracking_code()
    intake.case._state.adding = True
    # The chain covers the id: recompute it for the new one.
    head = ""
    for event in intake.events:
        event.case_id = intake.case.pk
        event.prev_hash = head
        event.hash = hash_of(event, head)
        event.pk = None
        event._state.adding = True
        head = event.hash
    intake.case.chain_head = head
    for notice_index, notice in enumerate(intake.notices):
        intake.notices[notice_index] = replace(
            notice,
            dedupe_key=notice.dedupe_key.replace(f"case:{old_pk}:", f"case:{intake.case.pk}:"),
            link=notice.link.rsplit("/", 2)[0] + f"/{intake.case.tracking_code}/",
            payload={**notice.payload, "tracking_code": intake.case.tracking_code},
        )


def _point_from_text(
    address: str, place_text: str, within: Grid | None
) -> tuple[float, float] | None:
    point = point_for_address(address, within=within) or point_for_address(
        place_text, within=within
    )
    if point is None and within is not None:
        from shapely.geometry import shape

        inside = shape(within.geometry).representative_point()
        point = (inside.y, inside.x)
    return point


def submit_payload(
    *,
    channel: str,
    grid_code: str | None,
    suggested: Category | None = None,
    duplicates: Sequence[str] = (),
    attachment_ids: Sequence[str] = (),
) -> dict[str, Any]:
    """What the `submit` event records (the demo history writes the same)."""
    return {
        "channel": channel,
        "grid": grid_code,
        "located": grid_code is not None,
        "suggested_category": suggested.code if suggested else None,
        "duplicates": list(duplicates),
        "attachments": list(attachment_ids),
    }


def _find_replay(
    channel: str, key: str | None, external_id: str | None, body_hash: str
) -> Case | None:
    if key:
        first = Case.objects.filter(channel=channel, idempotency_key=key).first()
        if first is not None:
            if first.request_hash != body_hash:
                raise Unprocessable(
                    _("该 Idempotency-Key 已用于内容不同的另一次提交"), code="idempotency_mismatch"
                )
            return first
    if external_id:
        # A hotline order delivered twice is the same order: the first result stands.
        first = Case.objects.filter(channel=channel, external_id=external_id).first()
        if first is not None:
            return first
    return None


@transaction.atomic
def case_report_settled(
    *,
    actor: Any,
    description: str,
    lat: float,
    lng: float,
    crs: str = "wgs84",
    resolution: str = "",
    result_attachments: Sequence[Any] = (),
    **kwargs: Any,
) -> Submitted:
    """小事不出网格: a grid worker reports what they found on patrol and settled at once.

    `attachments` (in kwargs) are the photos before, `result_attachments` after; both are
    required, as the closing of a case nobody else checks rests on them.
    """
    if not kwargs.get("attachments") or not result_attachments:
        raise ServiceError(_("现场处置结案须附处置前和处置后照片"), code="photos_required")
    kwargs.pop("channel", None)
    submitted = case_submit(
        actor=actor, channel=Channel.PATROL, description=description, lat=lat, lng=lng, crs=crs,
        **kwargs,
    )  # fmt: skip
    case = submitted.case
    if submitted.replayed:
        return submitted
    if case.state != CaseState.DISPATCHED:
        raise ServiceError(_("该事件需要上级处置，不能现场结案"), code="not_settleable")
    case_transition(
        case=case,
        actor=actor,
        action=EventKind.SETTLE_ON_SPOT,
        reason=resolution,
        attachments=result_attachments,
    )
    return submitted
