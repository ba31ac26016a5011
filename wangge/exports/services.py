"""Write paths of export jobs: create (checked, audited), run (leased), download, expire, reap.

Flow: `export_job_create` runs the list's spec for the requesting user right away, which checks
their permission and counts the rows. Up to `EXPORT_INLINE_ROWS` rows the job runs in the
request (a small list answers at once); beyond, it is queued for the worker and its page shows
the progress. Either way the file is kept under a random name until `expires_at`
(`EXPORT_KEEP_HOURS`) and handed out only to the same user, through a signed link.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import User
from wangge.core.api import Forbidden, NotFound, ServiceError
from wangge.core.leases import Heartbeat, expired, lease_fields, worker_id
from wangge.core.models import AuditLog
from wangge.core.services import audit_record
from wangge.core.spreadsheets import CSV_TYPE, XLSX_TYPE, csv_bytes, xlsx_bytes
from wangge.exports.models import ExportJob
from wangge.exports.registry import ExportData, ExportSpec, get_spec

log = logging.getLogger(__name__)
Status = ExportJob.Status
# How often (rows) a running export writes its progress.
PROGRESS_EVERY = 500
SIGNING_SALT = "wangge.exports.download"


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def inline_rows() -> int:
    return int(_setting("EXPORT_INLINE_ROWS", 2000))


def max_rows() -> int:
    return int(_setting("EXPORT_MAX_ROWS", 200_000))


def keep_for() -> timedelta:
    return timedelta(hours=_setting("EXPORT_KEEP_HOURS", 24))


def _query_string(query: QueryDict | dict[str, Any] | str) -> str:
    if isinstance(query, str):
        return query[:2000]
    if isinstance(query, QueryDict):
        q = query.copy()
    else:
        q = QueryDict(mutable=True)
        for k, v in query.items():
            q.setlist(k, [str(x) for x in v] if isinstance(v, list | tuple) else [str(v)])
    # Paging and the old export switch are not filters.
    for name in ("page", "export"):
        q.pop(name, None)
    return q.urlencode()[:2000]


def _build(spec: ExportSpec, user: User, job: ExportJob) -> ExportData:
    try:
        return spec.build(user, QueryDict(job.query), dict(job.options))
    except PermissionDenied as exc:
        raise Forbidden(str(exc) or _("您无权导出该列表")) from exc


def export_job_create(
    *,
    actor: User,
    kind: str,
    query: QueryDict | dict[str, Any] | str = "",
    fmt: str = "xlsx",
    options: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> ExportJob:
    """Check and count the export, audit the request, then run it now (small) or queue it."""
    if fmt not in ExportJob.Format.values:
        raise ServiceError(_("导出格式应为 xlsx 或 csv"), code="format")
    spec = get_spec(kind)
    job = ExportJob(
        kind=kind,
        query=_query_string(query),
        options=options or {},
        fmt=fmt,
        created_by=actor,
    )
    data = _build(spec, actor, job)  # permission and filter checks, before anything is kept
    count = data.count()
    if count > max_rows():
        raise ServiceError(
            _("一次最多导出 %(max)s 行（当前筛选结果 %(n)s 行），请缩小筛选范围分批导出")
            % {"max": max_rows(), "n": count},
            code="too_many_rows",
        )
    job.total_rows = count
    job.save()
    reveals = spec.reveals(job.options)
    audit_record(
        action=AuditLog.Action.REVEAL if reveals else AuditLog.Action.EXPORT,
        actor=actor,
        request=request,
        target=job,
        target_type=spec.target_type or "exports.exportjob",
        target_id=f"export:{job.pk}",
        reason=str(job.options.get("reason", ""))[:200],
        detail={
            "kind": kind,
            "filters": job.query,
            "rows": count,
            "format": fmt,
            "job": job.pk,
            **data.audit,
        },
    )
    if count <= inline_rows():
        export_job_run(job_id=job.pk)
        job.refresh_from_db()
    else:
        from wangge.exports.tasks import export_job_task

        transaction.on_commit(lambda: export_job_task.enqueue(job.pk), robust=True)
    return job


def _take(job_id: int, now: datetime) -> bool:
    """QUEUED → RUNNING with a lease, in one guarded UPDATE: 0 rows, someone else has it."""
    return bool(
        ExportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
            status=Status.RUNNING,
            started_at=now,
            attempts=F("attempts") + 1,
            processed_rows=0,
            **lease_fields(now),
        )
    )


def export_job_run(*, job_id: int) -> None:
    """Write the file of a queued job (the worker's task, or the request for small ones)."""
    now = timezone.now()
    if not _take(job_id, now):
        return
    job = ExportJob.objects.select_related("created_by").get(pk=job_id)
    me = worker_id()
    try:
        with Heartbeat(ExportJob, job.pk, running=Status.RUNNING):
            spec = get_spec(job.kind)
            data = _build(spec, job.created_by, job)
            total = data.count()
            ExportJob.objects.filter(pk=job.pk).update(total_rows=total)
            rows = _counted(data.rows(), job.pk, me)
            if job.fmt == ExportJob.Format.CSV:
                content = csv_bytes(list(data.header), _with_footer(rows, data.footer))
            else:
                content = xlsx_bytes(
                    list(data.header), _with_footer(rows, data.footer), sheet=data.sheet
                )
    except (ServiceError, Forbidden, NotFound) as exc:
        _fail(job.pk, me, exc.message)
        return
    except Exception:
        log.exception("export job %s failed", job_id)
        _fail(job.pk, me, _("导出过程中发生内部错误，请稍后重试或联系管理员"))
        return
    stamp = timezone.localtime(now).strftime("%Y%m%d%H%M")
    filename = f"{spec.filename}-{stamp}.{job.fmt}"
    stored = default_storage.save(
        f"exports/{secrets.token_hex(16)}.{job.fmt}", ContentFile(content)
    )
    finished = timezone.now()
    done = ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING, worker=me).update(
        status=Status.DONE,
        stored_file=stored,
        filename=filename,
        size_bytes=len(content),
        total_rows=F("processed_rows"),
        finished_at=finished,
        expires_at=finished + keep_for(),
        lease_expires_at=None,
    )
    if not done:
        # 0 rows: the lease ran out meanwhile and the reaper took the job back; ours is moot.
        default_storage.delete(stored)


def _with_footer(
    rows: Iterator[Sequence[Any]], footer: Sequence[Sequence[Any]]
) -> Iterator[Sequence[Any]]:
    yield from rows
    yield from footer


def _counted(rows: Iterator[Sequence[Any]], job_id: int, me: str) -> Iterator[Sequence[Any]]:
    n = 0
    for row in rows:
        n += 1
        if n % PROGRESS_EVERY == 0:
            _progress(job_id, me, n)
        yield row
    _progress(job_id, me, n)


def _progress(job_id: int, me: str, n: int) -> None:
    ExportJob.objects.filter(pk=job_id, status=Status.RUNNING, worker=me).update(processed_rows=n)


def _fail(job_id: int, me: str, message: str) -> None:
    ExportJob.objects.filter(pk=job_id, status=Status.RUNNING, worker=me).update(
        status=Status.FAILED, error=message, finished_at=timezone.now(), lease_expires_at=None
    )


# --- download ---------------------------------------------------------------------------------


def download_token(job: ExportJob) -> str:
    return signing.dumps({"job": job.pk, "user": job.created_by_id}, salt=SIGNING_SALT)


def download_url(job: ExportJob) -> str:
    """The signed link of a finished job (valid for its requester, until it expires)."""
    return reverse("api-export-download", args=[job.pk]) + "?t=" + download_token(job)


def export_download(
    *,
    actor: User,
    job: ExportJob,
    token: str | None = None,
    request: HttpRequest | None = None,
    once: bool = False,
) -> tuple[bytes, str, str]:
    """(content, filename, content type): the requester only, with a valid link, in time.

    `once`: the file is handed over in the very request that asked for the export (a small
    list over the API); it is deleted at once instead of waiting for its expiry.
    """
    if job.created_by_id != actor.pk:
        raise NotFound(_("未找到该导出任务"))
    if once:
        token = download_token(job)
    try:
        signed = signing.loads(
            token or "", salt=SIGNING_SALT, max_age=keep_for() + timedelta(minutes=1)
        )
    except signing.SignatureExpired as exc:
        raise ServiceError(_("下载链接已过期，请重新导出"), code="expired") from exc
    except signing.BadSignature as exc:
        raise Forbidden(_("下载链接无效")) from exc
    if signed != {"job": job.pk, "user": actor.pk}:
        raise Forbidden(_("下载链接无效"))
    now = timezone.now()
    if job.status == Status.EXPIRED or (job.expires_at and job.expires_at <= now):
        raise ServiceError(_("文件已过期删除，请重新导出"), code="expired")
    if job.status != Status.DONE or not job.stored_file:
        raise ServiceError(_("文件还没有生成好"), code="not_ready")
    with default_storage.open(job.stored_file, "rb") as fh:
        content = fh.read()
    if once:
        default_storage.delete(job.stored_file)
        ExportJob.objects.filter(pk=job.pk, status=Status.DONE).update(
            status=Status.EXPIRED, stored_file="", expires_at=now
        )
    if not once:  # handed over in the request that asked: its audit record says it all
        audit_record(
            action=AuditLog.Action.EXPORT,
            actor=actor,
            request=request,
            target=job,
            target_type="exports.exportjob",
            target_id=f"download:{job.pk}",
            detail={"kind": job.kind, "rows": job.total_rows, "download": True, "job": job.pk},
        )
    ctype = CSV_TYPE if job.fmt == ExportJob.Format.CSV else XLSX_TYPE
    return content, job.filename, ctype


# --- periodic: expiry and leases -------------------------------------------------------------


def exports_prune(*, now: datetime | None = None) -> int:
    """Delete the files of expired jobs (and of failed ones); the rows stay, for the audit."""
    now = now or timezone.now()
    due = ExportJob.objects.filter(
        Q(status=Status.DONE, expires_at__lte=now) | Q(status=Status.FAILED)
    ).exclude(stored_file="")
    handled = 0
    for job in due.only("pk", "stored_file", "status")[:1000]:
        default_storage.delete(job.stored_file)
        new_status = Status.EXPIRED if job.status == Status.DONE else Status.FAILED
        handled += ExportJob.objects.filter(pk=job.pk, status=job.status).update(
            status=new_status, stored_file=""
        )
    return handled


def export_jobs_reap(*, now: datetime) -> int:
    """Running exports whose worker is gone: queued again (an export can simply start over)
    up to `EXPORT_MAX_ATTEMPTS` runs, failed after that."""
    from wangge.exports.tasks import export_job_task

    attempts = int(_setting("EXPORT_MAX_ATTEMPTS", 2))
    handled = 0
    for job in ExportJob.objects.filter(expired(now), status=Status.RUNNING):
        if job.stored_file:
            default_storage.delete(job.stored_file)
        guard = ExportJob.objects.filter(
            pk=job.pk, status=Status.RUNNING, lease_expires_at=job.lease_expires_at
        )
        if job.attempts < attempts:
            with transaction.atomic():
                n = guard.update(
                    status=Status.QUEUED,
                    stored_file="",
                    processed_rows=0,
                    worker="",
                    lease_expires_at=None,
                    error=_("上次执行中断（处理进程已退出），已重新排队"),
                )
                if n:
                    transaction.on_commit(partial(export_job_task.enqueue, job.pk), robust=True)
        else:
            n = guard.update(
                status=Status.FAILED,
                stored_file="",
                lease_expires_at=None,
                finished_at=now,
                error=_("导出中断（处理进程已退出），请重新导出"),
            )
        handled += n
    return handled
