"""Write paths for notifications: enqueue (in the caller's transaction), deliver, retry, read."""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections, transaction
from django.db.models import F, QuerySet
from django.db.models.constants import OnConflict
from django.utils import timezone

from wangge.core.compiled import BoundQuery, statement_cursor
from wangge.core.config import config_loader
from wangge.core.models import AuditLog
from wangge.core.services import audit_record
from wangge.notify.models import InboxItem, OutboxMessage, OutboxStatus, WebhookEndpoint
from wangge.notify.signing import sign

logger = logging.getLogger(__name__)

TITLE_MAX = 200


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


@dataclass(frozen=True)
class Notice:
    """One notification to queue: its inbox readers and the webhook endpoints that hear it.

    `user_ids` are the readers by id; `readers` is instead a query of user ids that the
    database expands in the INSERT itself, so the readers are never fetched into Python just to
    be written back: a queryset of rows with a `user_id`, or a compiled query bound to its
    values (`CompiledQuery.bind`) selecting `DISTINCT user_id AS user_id`, which the busiest
    notices (a new case's) use to skip building and compiling a queryset each time.
    `exclude_user_id` (the actor) is left out of either.
    """

    topic: str
    title: str
    body: str
    payload: dict
    dedupe_key: str
    link: str = ""
    user_ids: Iterable[int] = ()
    readers: QuerySet | BoundQuery | None = None
    exclude_user_id: int | None = None
    grid_path: str | None = None
    endpoint_ids: Iterable[int] = ()


@config_loader("notify.endpoints")
def active_endpoints() -> list[WebhookEndpoint]:
    """The active webhook endpoints with their grids (kept per process, see wangge.core.config)."""
    return list(WebhookEndpoint.objects.filter(active=True).select_related("grid"))


def outbox_enqueue(
    *,
    topic: str,
    title: str,
    body: str,
    link: str = "",
    payload: dict,
    user_ids: Iterable[int] = (),
    grid_path: str | None = None,
    endpoint_ids: Iterable[int] = (),
    dedupe_key: str,
) -> None:
    """Record a notification inside the caller's transaction.

    Writes one InboxItem per user in `user_ids`, and one OutboxMessage per active webhook
    endpoint that hears `topic` (and whose grid subtree, if any, contains `grid_path`) plus the
    active endpoints listed in `endpoint_ids`. Calling again with the same `dedupe_key` adds
    nothing for a destination that already has it. Delivery starts after the commit.
    """
    outbox_enqueue_many(
        [
            Notice(
                topic=topic,
                title=title,
                body=body,
                link=link,
                payload=payload,
                user_ids=user_ids,
                grid_path=grid_path,
                endpoint_ids=endpoint_ids,
                dedupe_key=dedupe_key,
            )
        ]
    )


def outbox_enqueue_many(notices: Sequence[Notice]) -> None:
    """Queue several notifications in as few statements as the rows allow: one INSERT per
    notice with readers, one for the explicit readers of all notices, one for every webhook
    delivery of all of them. Same rules as `outbox_enqueue`."""
    now = timezone.now()
    inbox: list[InboxItem] = []
    deliveries: list[OutboxMessage] = []
    selected: list[tuple[Notice, str, dict]] = []
    endpoints = active_endpoints()
    for notice in notices:
        title, clean_payload = _checked(notice)
        users = sorted({int(u) for u in notice.user_ids} - {notice.exclude_user_id})
        inbox += [
            InboxItem(
                user_id=u,
                topic=notice.topic,
                title=title,
                body=notice.body,
                link=notice.link,
                payload=clean_payload,
                dedupe_key=notice.dedupe_key,
                created_at=now,
            )
            for u in users
        ]
        if notice.readers is not None:
            selected.append((notice, title, clean_payload))
        explicit = {int(e) for e in notice.endpoint_ids}
        for ep in endpoints:
            if ep.id in explicit or _hears(ep, notice):
                deliveries.append(_delivery(ep, notice, title, clean_payload, now))
    if selected:
        _inbox_insert_select(selected, now)
    if inbox:
        InboxItem.objects.bulk_create(inbox, ignore_conflicts=True)
    if deliveries:
        OutboxMessage.objects.bulk_create(deliveries, ignore_conflicts=True)
        transaction.on_commit(kick_delivery, robust=True)


def _hears(ep: Any, notice: Notice) -> bool:
    """Whether a webhook endpoint hears a notice by its topic and grid (not named by it)."""
    return ep.hears(notice.topic) and (
        ep.grid is None
        or (notice.grid_path is not None and notice.grid_path.startswith(ep.grid.path))
    )


def _checked(notice: Notice) -> tuple[str, dict]:
    if not notice.topic or len(notice.topic) > 64:
        raise ValueError("topic must be 1–64 characters")
    if not notice.dedupe_key or len(notice.dedupe_key) > 200:
        raise ValueError("dedupe_key must be 1–200 characters")
    if len(notice.link) > 500:
        raise ValueError("link must be at most 500 characters")
    if not isinstance(notice.payload, dict):
        raise TypeError("payload must be a dict")
    # Round-trip through JSON now, so datetimes, UUIDs and Decimals are stored as strings and a
    # payload that cannot be serialised fails in the caller's transaction, not in the worker.
    clean_payload = json.loads(json.dumps(notice.payload, cls=DjangoJSONEncoder))
    title = notice.title
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + "…"
    return title, clean_payload


def _delivery(
    ep: WebhookEndpoint, notice: Notice, title: str, payload: dict, now: datetime
) -> OutboxMessage:
    delivery_id = uuid.uuid4()
    return OutboxMessage(
        delivery_id=delivery_id,
        endpoint=ep,
        topic=notice.topic,
        dedupe_key=notice.dedupe_key,
        next_attempt_at=now,
        created_at=now,
        body={
            "delivery_id": str(delivery_id),
            "event": notice.topic,
            "dedupe_key": notice.dedupe_key,
            "title": title,
            "body": notice.body,
            "link": notice.link,
            "grid_path": notice.grid_path,
            "payload": payload,
            "created_at": now.isoformat(),
        },
    )


def reader_ids(readers: QuerySet) -> QuerySet:
    """A notice's readers as the INSERT … SELECT embeds them: `DISTINCT user_id AS user_id`
    (what a compiled query given as `Notice.readers` must select too)."""
    return readers.order_by().values_list("user_id", flat=True).distinct()


def inbox_statement(notices: Sequence[Notice], db: str) -> tuple[str, list[Any]] | None:
    """The one statement that writes `notices` on database `db`, not run: when each notice has
    compiled readers (`BoundQuery`, as the intake's) and nothing else to write (no explicit
    readers, no webhook delivery), its INSERT … SELECT; else None. A caller may embed it in a
    larger statement (the intake's, `cases.services`); it writes what `outbox_enqueue_many`
    would."""
    selected = []
    endpoints = active_endpoints()
    for notice in notices:
        readers = notice.readers
        if not isinstance(readers, BoundQuery) or readers.db != db:
            return None
        if notice.user_ids != () or notice.endpoint_ids != ():
            return None
        if any(_hears(ep, notice) for ep in endpoints):
            return None
        title, clean_payload = _checked(notice)
        selected.append((notice, title, clean_payload))
    if not selected:
        return None
    return _inbox_insert_select_sql(selected, timezone.now())


def _inbox_insert_select(selected: list[tuple[Notice, str, dict]], now: datetime) -> None:
    """INSERT … SELECT: one inbox row per distinct reader each notice's query yields, all
    notices in one statement (UNION ALL). Django has no INSERT … SELECT; the reader queries
    themselves are compiled by the ORM. A reader who already has the notice's dedupe key is
    skipped, as `bulk_create(ignore_conflicts=True)` does."""
    sql, params = _inbox_insert_select_sql(selected, now)
    db = selected[0][0].readers.db  # type: ignore[union-attr]
    if all(isinstance(notice.readers, BoundQuery) for notice, _t, _p in selected):
        # The intake's: the same statement on every report, prepared (wangge.core.compiled).
        with statement_cursor(db) as (cursor, _server_side):
            cursor.execute(sql, params)
    else:
        with connections[db].cursor() as cursor:
            cursor.execute(sql, params)


def _inbox_insert_select_sql(
    selected: list[tuple[Notice, str, dict]], now: datetime
) -> tuple[str, list[Any]]:
    db = selected[0][0].readers.db  # type: ignore[union-attr]
    conn = connections[db]
    fields = _inbox_fields()
    readers_sql, params = [], []
    for notice, title, payload in selected:
        readers = notice.readers
        assert readers is not None
        if isinstance(readers, BoundQuery):
            sub_sql, sub_params = readers.sql_with_params(db)
        else:
            sub_sql, sub_params = reader_ids(readers).query.get_compiler(using=db).as_sql()
        values = [notice.topic, title, notice.body, notice.link, payload, notice.dedupe_key, now]
        params += [f.get_db_prep_save(v, conn) for f, v in zip(fields, values, strict=True)]
        params += sub_params
        excluding = notice.exclude_user_id is not None
        if excluding:
            params.append(notice.exclude_user_id)
        readers_sql.append((sub_sql, excluding))
    return _inbox_sql(db, tuple(readers_sql)), params


@functools.lru_cache(maxsize=128)
def _inbox_sql(db: str, readers_sql: tuple[tuple[str, bool], ...]) -> str:
    """The INSERT … SELECT's text for these reader queries (each with whether one reader is
    excluded): the same for every report of the same shape, so built once."""
    conn = connections[db]
    qn = conn.ops.quote_name
    fields = _inbox_fields()
    selects = []
    for sub_sql, excluding in readers_sql:
        if excluding:
            sub_sql = f"SELECT * FROM ({sub_sql}) x WHERE x.user_id <> %s"
        selects.append(f"SELECT r.*, {', '.join(['%s'] * len(fields))} FROM ({sub_sql}) r")
    user_field: Any = InboxItem._meta.get_field("user")
    columns = ", ".join(qn(f.column) for f in [user_field, *fields])
    return (
        f"{conn.ops.insert_statement(on_conflict=OnConflict.IGNORE)} "
        f"{qn(InboxItem._meta.db_table)} ({columns}) {' UNION ALL '.join(selects)} "
        + conn.ops.on_conflict_suffix_sql(InboxItem._meta.fields, OnConflict.IGNORE, None, None)
    )


@functools.cache
def _inbox_fields() -> list[Any]:
    return [InboxItem._meta.get_field(f) for f in _INBOX_COLUMNS]


_INBOX_COLUMNS = ("topic", "title", "body", "link", "payload", "dedupe_key", "created_at")


# --- delivery ----------------------------------------------------------------------------------

_kick_lock = threading.Lock()
_last_kick = 0.0


DELIVER_TASK = "wangge.notify.tasks.deliver_outbox"


def kick_delivery() -> None:
    """Queue a delivery run now (after a commit), at most once per NOTIFY_KICK_MIN_SECONDS per
    process, and only when no run is already waiting in the queue: while no worker runs, kicks
    coalesce into one queued run instead of piling up ahead of the periodic sweeps. Under load
    the periodic run picks up whatever a skipped kick would have."""
    global _last_kick
    from wangge.core.periodic import enqueue_unless_waiting

    with _kick_lock:
        now = time.monotonic()
        if now - _last_kick < float(_setting("NOTIFY_KICK_MIN_SECONDS", 1.0)):
            return
        _last_kick = now
    enqueue_unless_waiting(DELIVER_TASK)


@dataclass
class DeliveryReport:
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    deferred: int = 0


def backoff_seconds(attempt: int) -> float:
    """Wait after the `attempt`-th failure: base × 2^(attempt−1), capped."""
    base = float(_setting("NOTIFY_RETRY_BASE_SECONDS", 30))
    cap = float(_setting("NOTIFY_RETRY_MAX_SECONDS", 3600))
    return min(cap, base * 2 ** max(0, attempt - 1))


def _claim(now: datetime, limit: int) -> list[OutboxMessage]:
    """Take up to `limit` due rows: count the attempt and push them one lease ahead, so no
    other worker takes them unless this one dies and the lease runs out."""
    lease = timedelta(seconds=float(_setting("NOTIFY_LEASE_SECONDS", 120)))
    with transaction.atomic():
        due = OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING, next_attempt_at__lte=now
        ).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        # Guarded update: on SQLite (no row locks) the write transaction is exclusive, on
        # PostgreSQL the rows are locked; either way a row is claimed by one worker only.
        OutboxMessage.objects.filter(
            id__in=ids, status=OutboxStatus.PENDING, next_attempt_at__lte=now
        ).update(attempts=F("attempts") + 1, next_attempt_at=now + lease)
        return list(
            OutboxMessage.objects.filter(id__in=ids).select_related("endpoint").order_by("id")
        )


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    status_code: int | None
    error: str
    # The request never got an HTTP answer (refused, unreachable, timed out).
    unreachable: bool = False


def _post(msg: OutboxMessage) -> _Outcome:
    if not msg.endpoint.url.lower().startswith(("http://", "https://")):
        # urllib would also open file: and ftp: addresses; webhooks are HTTP only.
        return _Outcome(False, None, "URL 必须以 http:// 或 https:// 开头")
    data = json.dumps(msg.body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(timezone.now().timestamp()))
    request = urllib.request.Request(
        msg.endpoint.url,
        data=data,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Wangge-Webhook/1",
            "X-Wangge-Event": msg.topic,
            "X-Wangge-Delivery": str(msg.delivery_id),
            "X-Wangge-Timestamp": timestamp,
            "X-Wangge-Signature": sign(msg.endpoint.secret, timestamp, data),
        },
    )
    timeout = float(_setting("NOTIFY_TIMEOUT_SECONDS", 10))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return _Outcome(True, response.status, "")
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode("utf-8", "replace")
        return _Outcome(False, exc.code, f"HTTP {exc.code}: {detail}".strip())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return _Outcome(False, None, f"{type(exc).__name__}: {exc}"[:1000], unreachable=True)


def _deliver_one(
    msg: OutboxMessage,
    now: datetime | None,
    report: DeliveryReport,
    delivered: dict[int | None, list[int]],
) -> datetime | None:
    """POST one message and record a failure (successes are collected in `delivered`, by status
    code, and recorded together). When the endpoint gave no HTTP answer at all, returns the
    time until which to leave it alone."""
    outcome = _post(msg)
    done = timezone.now() if now is None else now
    if outcome.ok:
        delivered.setdefault(outcome.status_code, []).append(msg.pk)
        report.delivered += 1
        return None
    max_attempts = int(_setting("NOTIFY_MAX_ATTEMPTS", 8))
    retry_at = done + timedelta(seconds=backoff_seconds(msg.attempts))
    fields: dict[str, Any] = {
        "last_error": outcome.error[:2000],
        "last_status_code": outcome.status_code,
    }
    if msg.attempts >= max_attempts:
        fields["status"] = OutboxStatus.DEAD
        report.dead += 1
        logger.warning(
            "outbox %s dead after %s attempts: %s", msg.delivery_id, msg.attempts, outcome.error
        )
    else:
        fields["next_attempt_at"] = retry_at
        report.retried += 1
    # Guarded by the attempt count: if the lease ran out and another worker took the row, its
    # outcome is the one that counts.
    OutboxMessage.objects.filter(
        pk=msg.pk, status=OutboxStatus.PENDING, attempts=msg.attempts
    ).update(**fields)
    return retry_at if outcome.unreachable else None


def _defer(msg: OutboxMessage, until: datetime, report: DeliveryReport) -> None:
    """Give a claimed row back untried (its attempt uncounted), due again at `until`."""
    OutboxMessage.objects.filter(
        pk=msg.pk, status=OutboxStatus.PENDING, attempts=msg.attempts
    ).update(attempts=F("attempts") - 1, next_attempt_at=until)
    report.deferred += 1


def outbox_deliver_due(*, limit: int | None = None, now: datetime | None = None) -> DeliveryReport:
    """Deliver every due outbox row once (one batch of at most `limit`).

    When an endpoint does not answer at all (refused, unreachable, timed out), its other rows
    in the batch are given back untried until its retry time: one dead gateway must not hold
    the whole outbox behind a timeout per message.
    """
    when = now or timezone.now()
    report = DeliveryReport()
    batch = _claim(when, int(limit or _setting("NOTIFY_BATCH_SIZE", 100)))
    report.claimed = len(batch)
    unreachable: dict[int, datetime] = {}
    delivered: dict[int | None, list[int]] = {}
    try:
        for msg in batch:
            if msg.endpoint_id in unreachable:
                _defer(msg, unreachable[msg.endpoint_id], report)
                continue
            pause_until = _deliver_one(msg, now, report, delivered)
            if pause_until is not None:
                unreachable[msg.endpoint_id] = pause_until
    finally:
        # One UPDATE per status code for the whole batch: a commit per message would cost more
        # than the POST. Whoever records first wins; a duplicate POST is the receiver's to drop.
        for status_code, ids in delivered.items():
            OutboxMessage.objects.filter(pk__in=ids, status=OutboxStatus.PENDING).update(
                status=OutboxStatus.DELIVERED,
                delivered_at=now or timezone.now(),
                last_status_code=status_code,
                last_error="",
            )
    return report


@transaction.atomic
def outbox_retry(*, ids: Iterable[int], actor: Any) -> int:
    """Give dead letters a fresh set of attempts, due now."""
    id_list = [int(i) for i in ids]
    count = OutboxMessage.objects.filter(id__in=id_list, status=OutboxStatus.DEAD).update(
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    if count:
        audit_record(
            action=AuditLog.Action.OTHER,
            actor=actor,
            target_type="notify.outboxmessage",
            target_id=",".join(map(str, id_list))[:64],
            reason="重发死信",
            detail={"ids": id_list, "count": count},
        )
        transaction.on_commit(kick_delivery, robust=True)
    return count


def outbox_prune(*, now: datetime | None = None) -> int:
    """Delete delivered outbox rows older than NOTIFY_KEEP_DELIVERED_DAYS; dead letters stay
    until someone looks at them. The inbox is the users' and is not pruned here."""
    keep = timedelta(days=float(_setting("NOTIFY_KEEP_DELIVERED_DAYS", 30)))
    cutoff = (now or timezone.now()) - keep
    deleted, _ = OutboxMessage.objects.filter(
        status=OutboxStatus.DELIVERED, delivered_at__lt=cutoff
    ).delete()
    return deleted


# --- inbox ---------------------------------------------------------------------------------------


def inbox_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's items read (all unread ones when `ids` is None). Others' ids are ignored."""
    qs = InboxItem.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(id__in=[int(i) for i in ids])
    return qs.update(read_at=timezone.now())
