"""Write paths for 12345 work orders: upsert one order, import a file, push, send results back.

Every order becomes a case through the common intake (`case_submit`, channel "hotline"); the
order number, prefixed with the source code, is the case's external id, so an order delivered
again — by file or by push — never makes a second case.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.cases.contact import contact_phone_hash
from wangge.cases.models import (
    Case,
    CaseEvent,
    CaseFeedback,
    CaseRating,
    Channel,
    EventKind,
)
from wangge.cases.reference import categories
from wangge.cases.services import case_submit, intake_prepare, intake_store
from wangge.cases.sla import deadline
from wangge.core.api import Forbidden, ServiceError
from wangge.core.config import config_loader
from wangge.core.imports import Reject
from wangge.core.leases import Heartbeat, expired, lease_fields
from wangge.core.maintenance import BULK_ANALYZE_ROWS, analyze
from wangge.core.services import audit_record
from wangge.hotline.models import HotlineImport, HotlineOrder, HotlineSource, ImportStatus
from wangge.hotline.parsing import FileError, OrderRow, normalise_order, parse_file
from wangge.notify.services import outbox_enqueue
from wangge.people.crypto import cipher
from wangge.people.idcard import mask_phone

logger = logging.getLogger(__name__)

IMPORT_MAX_BYTES = 50 * 1024 * 1024
# Order fields compared to tell an update from a repeat (the phone by its lookup hash).
ORDER_FIELDS = (
    "received_at",
    "caller_name",
    "caller_phone_hash",
    "content",
    "address",
    "category_code",
    "deadline",
)


# Callers' numbers are stored like reporters' (cases/contact.py): ciphertext and lookup hash.
CALLER_PHONE_COLUMN = "hotline_hotlineorder.caller_phone"


def caller_phone_cipher(phone: str) -> str:
    return cipher().encrypt(phone, column=CALLER_PHONE_COLUMN) if phone else ""


def order_caller_phone(order: HotlineOrder) -> str:
    """The plain number, for code that must call back. Never put it on a page."""
    return cipher().decrypt(order.caller_phone_cipher, column=CALLER_PHONE_COLUMN)


def order_caller_phone_masked(order: HotlineOrder) -> str:
    return mask_phone(order_caller_phone(order)) if order.caller_phone_cipher else ""


def _key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def source_key_issue(*, actor: Any, source: HotlineSource) -> str:
    """A new push key for the source (shown once; the old one stops working)."""
    raw = secrets.token_urlsafe(24)
    source.key_prefix, source.key_hash = raw[:8], _key_hash(raw)
    source.save(update_fields=["key_prefix", "key_hash"])
    audit_record(actor=actor, action="hotline.key_issue", target=source)
    return raw


@config_loader("hotline.sources")
def active_sources() -> dict[str, HotlineSource]:
    """Active sources by code, kept per process (wangge.core.config): a new push key or a
    source stopped in the admin takes effect within CONFIG_CHECK_SECONDS everywhere."""
    return {s.code: s for s in HotlineSource.objects.filter(active=True).select_related("webhook")}


def source_authenticate(code: str, raw_key: str | None) -> HotlineSource:
    """The active source `code` if `raw_key` is its push key, else Forbidden (403)."""
    raw_key = (raw_key or "").strip()
    source = active_sources().get(code)
    if source is None or not raw_key or not source.key_hash:
        raise Forbidden(_("热线来源或推送密钥无效"), code="hotline_key")
    if not secrets.compare_digest(source.key_hash, _key_hash(raw_key)):
        raise Forbidden(_("热线来源或推送密钥无效"), code="hotline_key")
    return source


def category_lookup() -> Any:
    """A function: a category code or a minor category's name → its code (or None)."""
    minor = categories().active_minor
    names = {c.name: c.code for c in minor.values()}

    def lookup(value: str) -> str | None:
        value = value.strip()
        if value.upper() in minor:
            return value.upper()
        return names.get(value)

    return lookup


@dataclass
class UpsertResult:
    order: HotlineOrder
    outcome: str  # created | updated | unchanged


def order_upsert(
    *, actor: Any, source: HotlineSource, row: OrderRow, now: Any = None, known: bool = False
) -> UpsertResult:
    """Create the order and its case, or update the order sent before under the same number.

    A re-sent order never makes a second case. Its latest content is kept on the order (what
    the hotline says now); the case keeps its history. `known`: the caller knows the order
    is here already (a file import reads them all first), so no case is prepared for it.
    """
    now = now or timezone.now()
    tolerance = timedelta(minutes=settings.HOTLINE_FUTURE_TOLERANCE_MINUTES)
    if row.received_at > now + tolerance:
        raise ServiceError(
            _("受理时间 %(t)s 晚于当前时间，请核对工单")
            % {"t": timezone.localtime(row.received_at).strftime("%Y-%m-%d %H:%M")},
            code="received_in_future",
        )
    external_id = f"{source.code}:{row.order_no}"
    if not known:
        # Taken as new: a repeat is refused by the case's unique external id, then updated.
        created = _create(actor, source, row, external_id, now)
        if created is not None:
            return created
    # Sent before (or a twin push committed first): the order is updated, the case stays.
    with transaction.atomic():
        existing = (
            HotlineOrder.objects.select_for_update()
            .filter(source=source, order_no=row.order_no)
            .first()
        )
        if existing is not None:
            return _update(existing, row, now)
        case = case_submit(**_intake_arguments(actor, row, external_id)).case
        return UpsertResult(_order(source, row, case, now), "created")


def _intake_arguments(actor: Any, row: OrderRow, external_id: str) -> dict[str, Any]:
    return {
        "actor": actor,
        "channel": Channel.HOTLINE,
        "title": row.content[:30],
        "description": row.content,
        "address": row.address,
        "category_code": row.category_code,
        "contact_name": row.caller_name,
        "contact_phone": row.caller_phone,
        "external_id": external_id,
        "deadline_override": row.deadline or _category_deadline(row),
    }


def _order(source: HotlineSource, row: OrderRow, case: Case, now: Any) -> HotlineOrder:
    order = HotlineOrder(
        source=source,
        order_no=row.order_no,
        case=case,
        received_at=row.received_at,
        caller_name=row.caller_name,
        caller_phone_cipher=caller_phone_cipher(row.caller_phone),
        caller_phone_hash=contact_phone_hash(row.caller_phone),
        content=row.content,
        address=row.address,
        category_code=row.category_code or "",
        deadline=row.deadline,
        created_at=now,
        updated_at=now,
    )
    order.save(force_insert=True)
    return order


def _create(
    actor: Any, source: HotlineSource, row: OrderRow, external_id: str, now: Any
) -> UpsertResult | None:
    """A new order's case and order row in one transaction, or None when the order (its case's
    external id) turned out to exist after all."""
    intake = intake_prepare(**_intake_arguments(actor, row, external_id))
    try:
        with transaction.atomic():
            intake_store(intake)
            return UpsertResult(_order(source, row, intake.case, now), "created")
    except IntegrityError:
        return None


def _category_deadline(row: OrderRow) -> datetime | None:
    """Without the hotline's own deadline, the category's handling limit counted from when the
    hotline received the call (not from when the order reached us)."""
    if not row.category_code:
        return None
    category = categories().by_code.get(row.category_code)
    if category is None:
        return None
    return deadline(row.received_at, category.handling_limit, category.handling_unit)


def _row_values(row: OrderRow) -> tuple:
    return tuple(_row_fields(row)[f] for f in ORDER_FIELDS)


def _row_fields(row: OrderRow) -> dict[str, Any]:
    return {
        "received_at": row.received_at,
        "caller_name": row.caller_name,
        "caller_phone_hash": contact_phone_hash(row.caller_phone),
        "content": row.content,
        "address": row.address,
        "category_code": row.category_code or "",
        "deadline": row.deadline,
    }


def _update(order: HotlineOrder, row: OrderRow, now: Any) -> UpsertResult:
    new = _row_fields(row)
    changed = [f for f in ORDER_FIELDS if getattr(order, f) != new[f]]
    if not changed:
        return UpsertResult(order, "unchanged")
    for f in changed:
        setattr(order, f, new[f])
    if "caller_phone_hash" in changed:
        order.caller_phone_cipher = caller_phone_cipher(row.caller_phone)
        changed.append("caller_phone_cipher")
    order.revision += 1
    order.updated_at = now
    order.save(update_fields=[*changed, "revision", "updated_at"])
    return UpsertResult(order, "updated")


def order_push(*, source: HotlineSource, data: dict[str, Any]) -> UpsertResult:
    """One order pushed as JSON by the source (fields as in the files, English keys)."""
    order, rejects = normalise_order(
        {
            "order_no": data.get("order_no"),
            "received_at": data.get("received_at"),
            "caller_name": data.get("caller_name"),
            "caller_phone": data.get("caller_phone"),
            "content": data.get("content"),
            "address": data.get("address"),
            "category": data.get("category"),
            "deadline": data.get("deadline"),
        },
        row=1,
        category_lookup=category_lookup(),
    )
    if order is None:
        raise ServiceError(
            "；".join(f"{r.column}：{r.reason}" for r in rejects),
            code="invalid_order",
            details=[{"column": r.column, "reason": r.reason} for r in rejects],
        )
    return order_upsert(actor=None, source=source, row=order)


# --- file import ---------------------------------------------------------------------------


@transaction.atomic
def import_start(
    *, actor: Any, source: HotlineSource, filename: str, data: bytes | File
) -> HotlineImport:
    """Keep the file and queue its import (a background task); returns the import record.

    `data` is the uploaded file itself (streamed to storage in chunks, never read whole into
    memory) or bytes.
    """
    size = len(data) if isinstance(data, bytes) else (data.size or 0)
    if not size:
        raise ServiceError(_("文件是空的"), code="empty_file")
    if size > IMPORT_MAX_BYTES:
        raise ServiceError(_("文件超过 50 MB 上限"), code="too_large")
    if not filename.lower().endswith((".xlsx", ".csv")):
        raise ServiceError(_("只接受 .xlsx 或 .csv 文件"), code="file_type")
    run = HotlineImport.objects.create(
        source=source,
        filename=filename[:200],
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    run.storage_name = default_storage.save(
        f"hotline/imports/{run.pk}-{secrets.token_hex(8)}",
        ContentFile(data) if isinstance(data, bytes) else data,
    )
    run.save(update_fields=["storage_name"])
    audit_record(actor=actor, action="hotline.import_start", target=run)
    from wangge.hotline.tasks import run_import

    transaction.on_commit(lambda: run_import.enqueue(run.pk), robust=True)
    return run


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejects: list[Reject] = field(default_factory=list)


PROGRESS_EVERY = 200  # rows between two progress writes


def import_rows(
    *,
    actor: Any,
    source: HotlineSource,
    data: bytes,
    filename: str,
    progress: Callable[[int, int], object] | None = None,
) -> ImportReport:
    """Import every good row of a file; bad rows (and orders the intake refused) are reported.

    Each order commits on its own: a refusal in row 7,000 keeps the 6,999 before it.
    `progress(done, total)` is called once the file is parsed and every `PROGRESS_EVERY` rows.
    """
    parsed = parse_file(
        data, filename=filename, mapping=source.mapping or {}, category_lookup=category_lookup()
    )
    report = ImportReport(total=parsed.total, rejects=list(parsed.rejects))
    # Orders already here, as sent last time: an identical repeat costs no query and no lock.
    known = {
        o["order_no"]: tuple(o[f] for f in ORDER_FIELDS)
        for o in HotlineOrder.objects.filter(source=source).values("order_no", *ORDER_FIELDS)
    }
    now = timezone.now()
    # Rows the parser refused count as gone through already.
    skipped = max(parsed.total - len(parsed.rows), 0)
    if progress is not None:
        progress(skipped, parsed.total)
    for done, row in enumerate(parsed.rows):
        if progress is not None and done and done % PROGRESS_EVERY == 0:
            progress(skipped + done, parsed.total)
        if known.get(row.order_no) == _row_values(row):
            report.unchanged += 1
            continue
        try:
            result = order_upsert(
                actor=actor, source=source, row=row, now=now, known=row.order_no in known
            )
        except ServiceError as exc:
            report.rejects.append(Reject(row=row.row, column="", reason=exc.message))
            continue
        setattr(report, result.outcome, getattr(report, result.outcome) + 1)
        known[row.order_no] = _row_values(row)
    report.rejects.sort(key=lambda r: r.row)
    return report


def import_run(*, import_id: int) -> HotlineImport:
    """Run a queued import (called by the background task).

    Taken with a guarded update and a lease (`wangge.core.leases`); the file is read into
    memory and deleted before the rows are parsed, so it never outlives the run, whatever
    becomes of it. Each order commits on its own: a worker killed mid-way keeps the orders
    written so far, and `imports_reap` marks the run failed (importing the file again adds
    nothing twice).
    """
    now = timezone.now()
    taken = HotlineImport.objects.filter(pk=import_id, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING, **lease_fields(now)
    )
    run = HotlineImport.objects.select_related("source", "uploaded_by").get(pk=import_id)
    if not taken:
        return run
    try:
        with Heartbeat(HotlineImport, run.pk, running=ImportStatus.RUNNING):
            try:
                with default_storage.open(run.storage_name, "rb") as fh:
                    data = fh.read()
            finally:
                _forget_file(run)
            report = import_rows(
                actor=run.uploaded_by,
                source=run.source,
                data=data,
                filename=run.filename,
                progress=lambda done, total: HotlineImport.objects.filter(pk=run.pk).update(
                    processed=done, total=total
                ),
            )
    except FileError as exc:
        run.status, run.error = ImportStatus.FAILED, str(exc)
    except Exception:
        logger.exception("hotline import %s failed", run.pk)
        run.status = ImportStatus.FAILED
        run.error = _("导入过程中发生内部错误，已导入的工单保留，请联系管理员")
    else:
        run.status = ImportStatus.DONE
        run.total, run.created, run.updated = report.total, report.created, report.updated
        run.processed = report.total
        run.unchanged, run.rejected = report.unchanged, len(report.rejects)
        run.rejects = [r.as_dict() for r in report.rejects]
    run.finished_at = timezone.now()
    run.lease_expires_at = None
    run.save()
    if run.created + run.updated >= BULK_ANALYZE_ROWS:
        analyze(Case, CaseEvent, HotlineOrder)
    return run


def _forget_file(run: HotlineImport) -> None:
    if run.storage_name:
        default_storage.delete(run.storage_name)
        HotlineImport.objects.filter(pk=run.pk).update(storage_name="")
        run.storage_name = ""


def imports_reap(*, now: datetime) -> int:
    """Runs whose worker is gone (lease run out): failed, their file deleted."""
    handled = 0
    for run in HotlineImport.objects.filter(expired(now), status=ImportStatus.RUNNING):
        n = HotlineImport.objects.filter(
            pk=run.pk, status=ImportStatus.RUNNING, lease_expires_at=run.lease_expires_at
        ).update(
            status=ImportStatus.FAILED,
            error=_("导入中断（处理进程已退出）：已写入的工单保留，请重新导入该文件补齐"),
            finished_at=now,
            lease_expires_at=None,
            storage_name="",
        )
        if n and run.storage_name:
            default_storage.delete(run.storage_name)
        handled += n
    return handled


# --- results back to the hotline (回单) ----------------------------------------------------

# What the handler did (处置结果); the centre's own closing note is not a result.
HANDLER_RESULT_KINDS = (EventKind.RESOLVE, EventKind.SETTLE_ON_SPOT)
# Outcomes without a handling: not accepted, merged into another order, a reply.
OTHER_RESULT_KINDS = (EventKind.REJECT, EventKind.MERGE, EventKind.REPLY)
RESULT_KINDS = HANDLER_RESULT_KINDS + OTHER_RESULT_KINDS


def order_result(order: HotlineOrder) -> dict[str, Any]:
    """The 回单 of one order: the handler's result, who handled it and in which unit, the time
    and the caller's answer (问题解决了吗？/对处理满意吗？), as far as known."""
    case: Case = order.case
    events = CaseEvent.objects.filter(case=case).exclude(reason="").order_by("-seq")
    last = events.filter(kind__in=HANDLER_RESULT_KINDS).first()
    if last is None:
        last = events.filter(kind__in=OTHER_RESULT_KINDS).first()
    unit = ""
    if case.handling_department is not None:
        unit = case.handling_department.name
    elif case.handling_grid is not None:
        unit = case.handling_grid.name
    handler = last.actor_name if last is not None and last.kind in HANDLER_RESULT_KINDS else ""
    feedback = CaseFeedback.objects.filter(case=case).order_by("-closure").first()
    if feedback is not None:
        satisfaction = f"{feedback.get_solved_display()}，{feedback.get_satisfaction_display()}"
    else:
        rating = CaseRating.objects.filter(case=case).order_by("-created_at").first()
        satisfaction = (
            ("满意" if rating.satisfied else "不满意") + f"（{rating.score}分）" if rating else ""
        )
    return {
        "order_no": order.order_no,
        "tracking_code": case.tracking_code,
        "status": case.public_status,
        "status_label": case.get_state_display(),
        "result": last.reason if last else "",
        "handler": handler,
        "unit": unit,
        "time": (case.closed_at or case.resolved_at or (last.created_at if last else None)),
        "satisfaction": satisfaction,
    }


def results_send(*, limit: int = 500) -> int:
    """Queue a webhook 回单 for every order of a source with a webhook whose case reached a
    final state since the last one sent. Idempotent: the outbox dedupes on (order, event)."""
    final = ("closed", "rejected", "merged")
    orders = (
        HotlineOrder.objects.filter(
            source__webhook__isnull=False,
            source__webhook__active=True,
            case__state__in=final,
        )
        .exclude(result_sent_seq__gte=F("case__event_count"))
        .select_related("case", "source", "case__handling_grid", "case__handling_department")
        .order_by("id")[:limit]
    )
    sent = 0
    for order in orders:
        webhook_id = order.source.webhook_id
        if webhook_id is None:  # excluded by the query; a source loses its webhook meanwhile
            continue
        with transaction.atomic():
            payload = order_result(order)
            seq = order.case.event_count
            outbox_enqueue(
                topic="hotline.result",
                title=_("工单 %(n)s 回单") % {"n": order.order_no},
                body=payload["result"],
                payload={"source": order.source.code, **payload},
                endpoint_ids=[webhook_id],
                dedupe_key=f"hotline:{order.pk}:{seq}",
            )
            HotlineOrder.objects.filter(pk=order.pk).update(result_sent_seq=seq)
            sent += 1
    return sent
