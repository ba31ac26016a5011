"""Import jobs: accept a file (all file-level checks first), then run it inline or on the worker.

`import_job_create` refuses a bad file before anything is stored; `import_job_run` is what the
task worker calls (and the request itself for small files). A job's progress and its reject
report live on its `ImportJob` row.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.accounts.models import User
from wangge.accounts.selectors import scope_for_user
from wangge.core.api import Conflict, Forbidden, NotFound, ServiceError
from wangge.core.imports import Reject
from wangge.core.leases import Heartbeat, expired, lease_fields
from wangge.grids.models import Grid, GridLevel
from wangge.people import address, importing
from wangge.people.models import Building, ColumnMapping, Compound, ImportJob, ImportKind
from wangge.people.services import building_create, check_writable

log = logging.getLogger(__name__)
# How often (rows) a running job writes its progress for the page's progress bar.
PROGRESS_EVERY = 500
# Uploads between the upload and the mapping step of the import screen.
PENDING_DIR = "imports/pending"


def _check_importer(actor: User) -> None:
    scope = scope_for_user(actor)
    if scope.is_empty or scope.read_only or not (scope.grid_paths or scope.everything):
        raise Forbidden(_("您的角色不能导入基础数据"))


def column_mapping_save(
    *, actor: User, name: str, kind: str, mapping: dict[str, str]
) -> ColumnMapping:
    if kind not in ImportKind.values:
        raise ServiceError(_("导入类别 “%(kind)s” 无效") % {"kind": kind})
    specs = {f.name for f in importing.FIELDS[kind]}
    unknown = [k for k in mapping if k not in specs]
    if unknown:
        raise ServiceError(_("列对应中有未知字段：%(unknown)s") % {"unknown": "、".join(unknown)})
    if not name.strip():
        raise ServiceError(_("请为列对应起一个名称"))
    obj, _created = ColumnMapping.objects.update_or_create(
        created_by=actor, kind=kind, name=name.strip(), defaults={"mapping": mapping}
    )
    return obj


def import_preview(*, actor: User, kind: str, data: IO[bytes], size: int) -> dict:
    """The mapping step: the file's headers, the suggested mapping, what is still missing."""
    _check_importer(actor)
    table = importing.open_table(data, size=size, kind=kind)
    suggested = importing.suggest_mapping(kind, table.headers)
    return {
        "headers": table.headers,
        "header_row": table.header_row,
        "estimated_rows": table.estimated_rows,
        "suggested_mapping": suggested,
        "missing": [
            f.label for f in importing.FIELDS[kind] if f.required and f.name not in suggested
        ],
        "fields": [
            {"name": f.name, "label": f.label, "required": f.required}
            for f in importing.FIELDS[kind]
        ],
    }


def import_job_create(
    *,
    actor: User,
    kind: str,
    data: IO[bytes],
    size: int,
    filename: str,
    mapping: dict[str, str] | None = None,
    mapping_id: int | None = None,
) -> ImportJob:
    """Check the whole file and the mapping, store the file, then run or queue the job."""
    if kind not in ImportKind.values:
        raise ServiceError(
            _("导入类别 “%(kind)s” 无效，应为 %(kinds)s")
            % {"kind": kind, "kinds": "、".join(ImportKind.values)}
        )
    _check_importer(actor)
    if mapping_id:
        saved = ColumnMapping.objects.filter(pk=mapping_id, created_by=actor, kind=kind).first()
        if saved is None:
            raise NotFound(_("未找到该列对应"))
        mapping = saved.mapping | (mapping or {})
    table = importing.open_table(data, size=size, kind=kind)
    columns = importing.resolve_mapping(kind, table.headers, mapping)
    data.seek(0)
    suffix = PurePosixPath(filename).suffix.lower()[:6] or ".bin"
    stored = default_storage.save(f"imports/{uuid.uuid4().hex}{suffix}", ContentFile(data.read()))
    job = ImportJob.objects.create(
        kind=kind,
        status=ImportJob.Status.QUEUED,
        created_by=actor,
        filename=filename[:200],
        stored_file=stored,
        size_bytes=size,
        mapping={k: table.headers[i] for k, i in columns.items()},
        total_rows=table.estimated_rows,
    )
    if table.estimated_rows <= settings.PEOPLE_IMPORT_INLINE_ROWS:
        import_job_run(job_id=job.pk)
        job.refresh_from_db()
    else:
        from wangge.people.tasks import import_job_task

        transaction.on_commit(lambda: import_job_task.enqueue(job.pk))
    return job


def import_job_run(*, job_id: int) -> None:
    """Run a queued job. Idempotent for the worker: a job already taken is left alone.

    The job holds a lease while it runs (`wangge.core.leases`): a worker killed mid-way is
    noticed by `import_jobs_reap`. The upload is deleted as soon as its rows are read, and on
    any failure.
    """
    now = timezone.now()
    # Guarded update: 0 rows means another worker (or the request) took it first.
    taken = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=now, **lease_fields(now)
    )
    if not taken:
        return
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    log.info("import job %s started (%s)", job.pk, job.worker)
    try:
        with Heartbeat(ImportJob, job.pk, running=ImportJob.Status.RUNNING):
            if job.kind == ImportKind.RESIDENTS:
                result = _run_residents(job)
            else:
                rows, columns = _read_rows(job)
                if job.kind == ImportKind.BUILDINGS:
                    result = _run_buildings(job, rows, columns)
                else:
                    result = _run_simple(job, rows, columns)
    except ServiceError as exc:
        _finish(job, error=exc.message)
        return
    except Exception:
        log.exception("import job %s failed", job_id)
        _finish(job, error="导入过程中发生内部错误，未写入任何数据，请联系管理员")
        return
    job.created_count = result.created
    job.updated_count = result.updated
    _finish(job, rejects=result.rejects)


def _forget_upload(job: ImportJob) -> None:
    """The upload holds personal data in clear: it is not kept once read."""
    if job.stored_file:
        default_storage.delete(job.stored_file)
        ImportJob.objects.filter(pk=job.pk).update(stored_file="")
        job.stored_file = ""


def _read_rows(job: ImportJob) -> tuple[list[tuple[int, list[str]]], dict[str, int]]:
    """Every row of the upload (buildings, organisations, assets, places: hundreds of rows);
    the file is deleted as soon as they are read."""
    try:
        with default_storage.open(job.stored_file, "rb") as fh:
            table = importing.open_table(fh, size=job.size_bytes, kind=job.kind)
            columns = importing.resolve_mapping(job.kind, table.headers, job.mapping)
            rows = list(table.rows())
    finally:
        _forget_upload(job)
    return rows, columns


def _finish(job: ImportJob, *, error: str = "", rejects: list[Reject] | None = None) -> None:
    rejects = sorted(rejects or [], key=lambda r: r.row)
    job.status = ImportJob.Status.FAILED if error else ImportJob.Status.DONE
    job.error = error
    job.rejects = [r.as_dict() for r in rejects]
    job.rejected_count = len({r.row for r in rejects})
    job.finished_at = timezone.now()
    job.lease_expires_at = None
    if not error:
        job.processed_rows = max(job.processed_rows, job.total_rows)
    job.save()
    _forget_upload(job)


def import_jobs_reap(*, now: datetime) -> int:
    """Running imports whose worker is gone (lease run out): failed, their upload deleted.

    Each import writes its rows in one transaction, so a killed worker wrote nothing: the job
    says so and asks for the file again (it is not kept, so it cannot be resumed).
    """
    handled = 0
    for job in ImportJob.objects.filter(expired(now), status=ImportJob.Status.RUNNING):
        # Guarded on the lease read: a heartbeat that renewed it meanwhile wins.
        n = ImportJob.objects.filter(
            pk=job.pk, status=ImportJob.Status.RUNNING, lease_expires_at=job.lease_expires_at
        ).update(
            status=ImportJob.Status.FAILED,
            error=_("导入中断（处理进程已退出），未写入任何数据，请重新上传文件导入"),
            finished_at=now,
            lease_expires_at=None,
            stored_file="",
        )
        if n and job.stored_file:
            default_storage.delete(job.stored_file)
        handled += n
    return handled


def pending_uploads_prune(*, now: datetime | None = None) -> int:
    """Delete uploads left at the mapping step (`imports/pending/`) for longer than
    IMPORT_PENDING_KEEP_MINUTES: someone uploaded a file and never started the import."""
    now = now or timezone.now()
    keep = timedelta(minutes=float(getattr(settings, "IMPORT_PENDING_KEEP_MINUTES", 60)))
    try:
        _dirs, files = default_storage.listdir(PENDING_DIR)
    except FileNotFoundError:
        return 0
    deleted = 0
    for name in files:
        path = f"{PENDING_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) <= now - keep:
                default_storage.delete(path)
                deleted += 1
        except FileNotFoundError:  # deleted meanwhile by the import it belonged to
            continue
    return deleted


def _progress(job: ImportJob, done: int) -> None:
    ImportJob.objects.filter(pk=job.pk).update(processed_rows=done)


def _run_residents(job: ImportJob):
    scope = scope_for_user(job.created_by)
    staged: list[importing.StagedResident] = []
    rejects: list[Reject] = []
    total = 0
    try:
        with default_storage.open(job.stored_file, "rb") as fh:
            table = importing.open_table(fh, size=job.size_bytes, kind=job.kind)
            columns = importing.resolve_mapping(job.kind, table.headers, job.mapping)
            validator = importing.ResidentValidator(
                columns=columns, buildings=importing.BuildingIndex.for_scope(scope)
            )
            for row_no, cells in table.rows():
                out = validator.validate(row_no, cells)
                if isinstance(out, list):
                    rejects.extend(out)
                else:
                    staged.append(out)
                total += 1
                if total % PROGRESS_EVERY == 0:
                    _progress(job, total // 2)
    finally:
        # Parsed: the ID numbers in clear leave the disk before anything is written.
        _forget_upload(job)
    ImportJob.objects.filter(pk=job.pk).update(total_rows=total)
    job.total_rows = total
    result = importing.apply_residents(
        staged,
        scope=None if scope.everything else scope,
        progress=lambda n: _progress(job, total // 2 + n // 2),
    )
    result.rejects = rejects + result.rejects
    return result


def _run_buildings(job: ImportJob, rows: list[tuple[int, list[str]]], columns: dict[str, int]):
    """Buildings are few (hundreds per community): one service call per row, one transaction."""
    actor = job.created_by
    scope = scope_for_user(actor)
    # Communities the actor works in or above: a micro-grid worker registers buildings of
    # their community; `building_create` then checks the building's own grid is in scope.
    communities = {
        g.name: g
        for g in Grid.objects.filter(level=GridLevel.COMMUNITY)
        if scope.covers_path(g.path) or any(p.startswith(g.path) for p in scope.grid_paths)
    }
    result = importing.ApplyResult()
    total = 0

    def get(cells: list[str], name: str) -> str:
        i = columns.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    with transaction.atomic():
        for row_no, cells in rows:
            total += 1
            community = communities.get(get(cells, "community"))
            if community is None:
                reason = _("未找到社区“%(community)s”（或不在您的管辖范围内）") % {
                    "community": get(cells, "community")
                }
                result.rejects.append(Reject(row_no, _("社区"), reason))
                continue
            try:
                lat, lng = float(get(cells, "lat")), float(get(cells, "lng"))
            except ValueError:
                result.rejects.append(Reject(row_no, _("经度/纬度"), _("经纬度不是数字")))
                continue
            number = address.building_number(get(cells, "building"))
            compound_name = get(cells, "compound")
            compound = Compound.objects.filter(community=community, name=compound_name).first()
            existing = Building.objects.filter(
                community=community, compound=compound, number=number
            ).first()
            try:
                with transaction.atomic():
                    if existing is not None:
                        check_writable(actor, existing.grid_path)
                        _building_move(
                            existing, lat=lat, lng=lng, address_text=get(cells, "address")
                        )
                        result.updated += 1
                    else:
                        building_create(
                            actor=actor,
                            community=community,
                            number=number,
                            lat=lat,
                            lng=lng,
                            compound_name=compound_name,
                            address_text=get(cells, "address"),
                            units=int(get(cells, "units") or 1),
                            floors=int(get(cells, "floors")) if get(cells, "floors") else None,
                        )
                        result.created += 1
            except (ServiceError, Conflict) as exc:
                result.rejects.append(Reject(row_no, _("楼栋"), exc.message))
            except ValueError:
                result.rejects.append(Reject(row_no, _("单元数/层数"), _("不是整数")))
    job.total_rows = total
    return result


def _run_simple(job: ImportJob, rows: list[tuple[int, list[str]]], columns: dict[str, int]):
    """Organisations, assets and places: one service call per row, all in one transaction;
    a row that matches one already on file (same name in the grid, same asset code, same
    place name and address) updates it."""
    from wangge.people import rows as row_import

    actor = job.created_by
    result = importing.ApplyResult()
    apply_row = row_import.APPLIERS[job.kind](actor)
    total = 0
    with transaction.atomic():
        for row_no, cells in rows:
            total += 1

            def get(name: str, cells: list[str] = cells) -> str:
                i = columns.get(name)
                return cells[i].strip() if i is not None and i < len(cells) else ""

            try:
                with transaction.atomic():
                    created = apply_row(get)
            except row_import.RowError as exc:
                result.rejects.append(Reject(row_no, exc.column, exc.reason))
                continue
            except (ServiceError, Conflict, Forbidden, NotFound) as exc:
                result.rejects.append(Reject(row_no, "", exc.message))
                continue
            if created:
                result.created += 1
            else:
                result.updated += 1
            if total % PROGRESS_EVERY == 0:
                _progress(job, total)
    job.total_rows = total
    return result


def _building_move(b: Building, *, lat: float, lng: float, address_text: str) -> None:
    from wangge.grids.locator import locator

    loc = locator.locate(lat, lng)
    if loc is None or not loc.path.startswith(b.community.path):
        raise ServiceError(
            _("楼栋位置不在%(community)s范围内，请核对经纬度") % {"community": b.community.name}
        )
    b.lat, b.lng = lat, lng
    b.grid_id, b.grid_path = loc.grid.id, loc.path
    if address_text:
        b.address = address_text
    b.save(update_fields=["lat", "lng", "grid", "grid_path", "address", "updated_at"])


def import_job_get_for_user(user: User, pk: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=pk).first()
    if job is None or (job.created_by_id != user.pk and not scope_for_user(user).everything):
        raise NotFound(_("未找到该导入任务"))
    return job
