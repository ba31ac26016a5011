"""Base data pages: residents, buildings and households, organisations, assets and places,
imports with a screen, and the grid worker's field kit (care ledger, visits, 民情日志).

Thin, like wangge.web: every read is a scoped selector from `wangge.people.selectors`, every
write one service call; a refused form is shown again with what was typed and the Chinese
error next to its field (status 400).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.accounts.models import User
from wangge.accounts.requests import AuthedHttpRequest
from wangge.accounts.selectors import Scope, scope_for_user
from wangge.core.api import Conflict, Forbidden, NotFound, ServiceError, TooManyRequests
from wangge.core.pagination import KeysetListPage, keyset_of
from wangge.core.throttling import throttle_wait
from wangge.grids.models import Grid, GridLevel
from wangge.grids.selectors import department_list_for_user, grid_get_for_user
from wangge.people import exports, importing, jobs, selectors, services
from wangge.people.forms import (
    AssetForm,
    BuildingEditForm,
    ExactLookupForm,
    HouseholdEditForm,
    ImportUploadForm,
    JournalForm,
    OrganisationForm,
    PlaceForm,
    ResidentEditForm,
    RevealForm,
    VisitForm,
    attach_error,
)
from wangge.people.idcard import age_on
from wangge.people.models import (
    CareLevel,
    CareRecord,
    CareScheme,
    ColumnMapping,
    ImportJob,
    ImportKind,
    OrganisationKind,
    PlaceKind,
    Resident,
    Room,
)

PER_PAGE = 50


# --- helpers --------------------------------------------------------------------------------
def _staff_or_403(request: AuthedHttpRequest) -> Scope:
    """Base data is for people with grids (or administrators); residents have no page here."""
    return exports.staff_scope(request.user)


def _page(
    request: AuthedHttpRequest, qs: QuerySet | list, per_page: int = PER_PAGE
) -> KeysetListPage:
    """A page by cursor in the list's own order (its selector's `order_by`, then id): no
    OFFSET, so the 500th page of a street's residents costs what the first does."""
    if isinstance(qs, list):  # an exact look-up: a handful of people
        return KeysetListPage(qs[:per_page], len(qs), False, None, None)
    order = [str(term) for term in qs.query.order_by]
    return keyset_of(request, qs, per_page=per_page, order=order)


def _query_without_page(request: AuthedHttpRequest) -> str:
    q = request.GET.copy()
    q.pop("page", None)
    q.pop("cursor", None)
    return q.urlencode()


def _scope_grids(user: User) -> list[Grid]:
    """Community, zone and micro grids in scope, in tree order, for the grid filters."""
    return exports.scope_grids(user)


def _leaf_grids(user: User) -> list[Grid]:
    return [g for g in _scope_grids(user) if g.level >= GridLevel.COMMUNITY]


def _list_context(request: AuthedHttpRequest, page: KeysetListPage, **extra: Any) -> dict[str, Any]:
    return {
        "page": page,
        "total": page.total,
        "qs": _query_without_page(request),
        **extra,
    }


# --- residents --------------------------------------------------------------------------------
@login_required
def resident_list(request: AuthedHttpRequest) -> HttpResponse:
    scope = _staff_or_403(request)
    grids = _scope_grids(request.user)
    form, found = exports.resident_search(request.user, request.GET, grids)
    lookup = ExactLookupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if lookup.is_valid():
            # The same rules as the API: roles that may reveal only, audited, limited per user.
            wait = throttle_wait(request, "people_lookup")
            if wait is not None:
                raise TooManyRequests(
                    _("查找过于频繁，请 %(s)d 秒后再试") % {"s": max(1, int(wait))}
                )
            qs: list[Resident] | QuerySet[Resident] = services.resident_lookup(
                actor=request.user,
                id_number=lookup.cleaned_data["id_number"],
                phone=lookup.cleaned_data["phone"],
                request=request,
            )
        else:
            qs = Resident.objects.none()
            status = 400
    else:
        qs = found
    page = _page(request, qs)
    today = timezone.localdate()
    rows = [
        {
            "r": r,
            "id_masked": selectors.masked_id_for(scope, r),
            "phone_masked": selectors.masked_phone_for(r),
            "age": age_on(r.birth_date, today),
        }
        for r in page.object_list
    ]
    ctx = _list_context(request, page, form=form, lookup=lookup, rows=rows)
    ctx["exact"] = request.method == "POST"
    return render(request, "people/resident_list.html", ctx, status=status)


def _resident_context(
    request: AuthedHttpRequest, resident: Resident, **extra: Any
) -> dict[str, Any]:
    scope = scope_for_user(request.user)
    hh = resident.household
    members = list(hh.members.filter(is_active=True).order_by("id"))
    care = CareRecord.objects.filter(resident=resident).select_related("level").first()
    visits = list(
        selectors.visit_list_for_user(request.user, resident_id=resident.pk).select_related("case")[
            :20
        ]
    )
    cases = [v.case for v in visits if v.case_id]
    today = timezone.localdate()
    return {
        "resident": resident,
        "id_masked": selectors.masked_id_for(scope, resident),
        "phone_masked": selectors.masked_phone_for(resident),
        "age": age_on(resident.birth_date, today),
        "members": members,
        "room": hh.room,
        "building": hh.room.building,
        "care": care,
        "overdue_days": (today - care.next_due_on).days if care else 0,
        "visits": visits,
        "cases": cases,
        "may_reveal": scope.has_role(*services.reveal_roles()),
        "may_edit": not scope.read_only,
        "reveal_form": RevealForm(),
        "reveals": selectors.reveal_log_for_resident(request.user, resident)[:20],
        "edit_form": ResidentEditForm(
            initial={
                "name": resident.name,
                "residence_type": resident.residence_type,
                "tags": resident.tag_list,
            }
        ),
        **extra,
    }


@login_required
def resident_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    _staff_or_403(request)
    resident = selectors.resident_get_for_user(request.user, pk)
    if request.method == "POST":
        form = ResidentEditForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.resident_update(
                    actor=request.user,
                    resident=resident,
                    name=d["name"],
                    phone=d["phone"] if d["phone"] else None,
                    residence_type=d["residence_type"],
                    tags=list(d["tags"]),
                )
            except ServiceError as exc:
                attach_error(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect("people:resident", pk=resident.pk)
        ctx = _resident_context(request, resident, edit_form=form, open_edit=True)
        return render(request, "people/resident_detail.html", ctx, status=400)
    return render(request, "people/resident_detail.html", _resident_context(request, resident))


@login_required
@require_POST
def resident_reveal(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """htmx: the reveal dialog's answer — the full number, or the form again with errors."""
    _staff_or_403(request)
    resident = selectors.resident_get_for_user(request.user, pk)
    form = RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        try:
            revealed = services.resident_reveal(
                actor=request.user,
                resident=resident,
                reason=form.cleaned_data["reason"],
                purpose=form.cleaned_data["purpose"],
                request=request,
            )
        except (ServiceError, Forbidden) as exc:
            attach_error(form, exc, {"reason_too_short": "reason", "reason_required": "reason"})
    ctx = {
        "resident": resident,
        "reveal_form": form,
        "revealed": revealed,
        "reveals": selectors.reveal_log_for_resident(request.user, resident)[:20],
    }
    # A refusal is a 400, except to htmx, which only swaps successful answers into the dialog.
    refused = bool(form.errors) and not revealed
    status = 400 if refused and not getattr(request, "htmx", False) else 200
    resp = render(request, "people/_reveal.html", ctx, status=status)
    resp["Cache-Control"] = "no-store"
    return resp


# --- buildings and households ----------------------------------------------------------------
@login_required
def building_list(request: AuthedHttpRequest) -> HttpResponse:
    _staff_or_403(request)
    grids = _scope_grids(request.user)
    q = (request.GET.get("q") or "").strip()[:60]
    grid = (request.GET.get("grid") or "").strip()[:20]
    qs = exports.building_search(request.user, request.GET)
    page = _page(request, qs)
    ctx = _list_context(request, page, grids=grids, q=q, grid=grid)
    return render(request, "people/building_list.html", ctx)


@login_required
def building_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """A building's rooms, the households in them and who lives there; edit the building."""
    scope = _staff_or_403(request)
    building = selectors.building_get_for_user(request.user, pk)
    form = BuildingEditForm(
        request.POST or None,
        initial={
            "address": building.address,
            "units": building.units,
            "floors": building.floors,
            "lat": building.lat,
            "lng": building.lng,
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.building_update(
                    actor=request.user,
                    building=building,
                    address_text=d["address"],
                    units=d["units"],
                    floors=d["floors"],
                    lat=d["lat"],
                    lng=d["lng"],
                )
            except ServiceError as exc:
                attach_error(form, exc, {"coordinates": "lat"})
            else:
                messages.success(request, _("已保存。"))
                return redirect("people:building", pk=building.pk)
        status = 400
    members = Resident.objects.filter(is_active=True).only(
        "id", "name", "relation", "tags", "birth_date", "household_id", "sex"
    )
    rooms = list(
        Room.objects.filter(building=building)
        .prefetch_related(Prefetch("households__members", queryset=members))
        .order_by("unit", "number")
    )
    today = timezone.localdate()
    return render(
        request,
        "people/building_detail.html",
        {
            "building": building,
            "rooms": rooms,
            "form": form,
            "open_edit": status == 400,
            "may_edit": not scope.read_only,
            "today": today,
        },
        status=status,
    )


@login_required
def household_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    scope = _staff_or_403(request)
    hh = selectors.household_get_for_user(request.user, pk)
    members = list(hh.members.filter(is_active=True).order_by("id"))
    head = next((m.pk for m in members if m.relation == "户主"), None)
    form = HouseholdEditForm(
        request.POST or None, members=members, initial={"number": hh.number, "head": head}
    )
    status = 200
    if request.method == "POST":
        if scope.read_only:
            raise PermissionDenied(_("您的角色只能查看，不能修改基础数据"))
        if form.is_valid():
            try:
                services.household_update(
                    actor=request.user,
                    household=hh,
                    number=form.cleaned_data["number"],
                    relations=form.relations(),
                    head_id=form.cleaned_data["head"],
                )
            except (ServiceError, Conflict) as exc:
                attach_error(form, exc, {"relations": None, "head": "head"})  # type: ignore[dict-item]
            else:
                messages.success(request, _("户信息已保存。"))
                return redirect("people:building", pk=hh.room.building_id)
        status = 400
    return render(
        request,
        "people/household_edit.html",
        {"household": hh, "form": form, "members": members},
        status=status,
    )


# --- organisations, assets, places -------------------------------------------------------------
@login_required
def organisation_list(request: AuthedHttpRequest) -> HttpResponse:
    scope = _staff_or_403(request)
    q = (request.GET.get("q") or "").strip()[:60]
    kind = request.GET.get("kind") or ""
    grid = (request.GET.get("grid") or "").strip()[:20]
    qs = exports.organisation_search(request.user, request.GET)
    page = _page(request, qs)
    ctx = _list_context(
        request,
        page,
        q=q,
        kind=kind,
        grid=grid,
        grids=_scope_grids(request.user),
        kinds=OrganisationKind.choices,
        may_edit=not scope.read_only,
    )
    return render(request, "people/organisation_list.html", ctx)


@login_required
def organisation_form(request: AuthedHttpRequest, pk: int | None = None) -> HttpResponse:
    _staff_or_403(request)
    org = selectors.organisation_get_for_user(request.user, pk) if pk else None
    initial = {}
    if org:
        initial = {
            "kind": org.kind,
            "name": org.name,
            "grid": org.grid.code,
            "credit_code": org.credit_code,
            "contact_name": org.contact_name,
            # The mask: sent back unchanged it keeps the number (organisation_update).
            "contact_phone": services.organisation_contact_phone_masked(org),
            "address": org.address,
            "members": org.members,
        }
    form = OrganisationForm(request.POST or None, grids=_leaf_grids(request.user), initial=initial)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                grid = grid_get_for_user(request.user, d["grid"])
                fields = dict(
                    credit_code=d["credit_code"],
                    contact_name=d["contact_name"],
                    contact_phone=d["contact_phone"],
                    members=d["members"],
                )
                if org:
                    services.organisation_update(
                        actor=request.user,
                        organisation=org,
                        kind=d["kind"],
                        name=d["name"],
                        grid=grid,
                        address_text=d["address"],
                        **fields,
                    )
                else:
                    services.organisation_create(
                        actor=request.user,
                        kind=d["kind"],
                        name=d["name"],
                        grid=grid,
                        address=d["address"],
                        **fields,
                    )
            except (ServiceError, NotFound, Forbidden, Conflict) as exc:
                attach_error(form, exc, {"not_found": "grid", "forbidden": "grid"})
            else:
                messages.success(request, _("已保存。"))
                return redirect("people:organisations")
        return _form_page(request, form, _("组织"), org, "people:organisations", 400)
    return _form_page(request, form, _("组织"), org, "people:organisations")


def _form_page(
    request: AuthedHttpRequest,
    form: Any,
    what: str,
    obj: Any,
    back: str,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "people/object_form.html",
        {"form": form, "what": what, "obj": obj, "back": reverse(back)},
        status=status,
    )


@login_required
def asset_list(request: AuthedHttpRequest) -> HttpResponse:
    scope = _staff_or_403(request)
    q = (request.GET.get("q") or "").strip()[:60]
    category = (request.GET.get("category") or "").strip()[:5]
    grid = (request.GET.get("grid") or "").strip()[:20]
    qs = exports.asset_search(request.user, request.GET)
    page = _page(request, qs)
    ctx = _list_context(
        request,
        page,
        q=q,
        category=category,
        grid=grid,
        grids=_scope_grids(request.user),
        may_edit=not scope.read_only,
    )
    return render(request, "people/asset_list.html", ctx)


@login_required
def asset_form(request: AuthedHttpRequest, pk: int | None = None) -> HttpResponse:
    _staff_or_403(request)
    asset = selectors.asset_get_for_user(request.user, pk) if pk else None
    departments = list(department_list_for_user(request.user).order_by("name"))
    initial: dict[str, Any] = {"is_active": True}
    if asset:
        initial = {
            "code": asset.code,
            "category_code": asset.category_code,
            "name": asset.name,
            "department": asset.department.code,
            "lat": asset.lat,
            "lng": asset.lng,
            "is_active": asset.is_active,
        }
    form = AssetForm(request.POST or None, departments=departments, initial=initial)
    if asset:
        form.fields["code"].disabled = True
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            dept = next(x for x in departments if x.code == d["department"])
            try:
                if asset:
                    services.asset_update(
                        actor=request.user,
                        asset=asset,
                        category_code=d["category_code"],
                        department=dept,
                        lat=d["lat"],
                        lng=d["lng"],
                        name=d["name"],
                        is_active=d["is_active"],
                    )
                else:
                    services.asset_create(
                        actor=request.user,
                        code=d["code"],
                        category_code=d["category_code"],
                        department=dept,
                        lat=d["lat"],
                        lng=d["lng"],
                        name=d["name"],
                    )
            except (ServiceError, NotFound, Forbidden, Conflict) as exc:
                attach_error(form, exc, {"coordinates": "lat", "not_found": "lat"})
            else:
                messages.success(request, _("已保存。"))
                return redirect("people:assets")
        return _form_page(request, form, _("部件"), asset, "people:assets", 400)
    return _form_page(request, form, _("部件"), asset, "people:assets")


@login_required
def place_list(request: AuthedHttpRequest) -> HttpResponse:
    scope = _staff_or_403(request)
    q = (request.GET.get("q") or "").strip()[:60]
    kind = request.GET.get("kind") or ""
    grid = (request.GET.get("grid") or "").strip()[:20]
    qs = exports.place_search(request.user, request.GET)
    page = _page(request, qs)
    ctx = _list_context(
        request,
        page,
        q=q,
        kind=kind,
        grid=grid,
        grids=_scope_grids(request.user),
        kinds=PlaceKind.choices,
        may_edit=not scope.read_only,
    )
    return render(request, "people/place_list.html", ctx)


@login_required
def place_form(request: AuthedHttpRequest, pk: int | None = None) -> HttpResponse:
    _staff_or_403(request)
    place = selectors.place_get_for_user(request.user, pk) if pk else None
    initial: dict[str, Any] = {}
    if place:
        initial = {
            "kind": place.kind,
            "name": place.name,
            "address": place.address,
            "lat": place.lat,
            "lng": place.lng,
            "operator_name": place.operator_name,
            "last_inspected_on": place.last_inspected_on,
        }
    form = PlaceForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                if place:
                    services.place_update(
                        actor=request.user,
                        place=place,
                        kind=d["kind"],
                        name=d["name"],
                        lat=d["lat"],
                        lng=d["lng"],
                        address_text=d["address"],
                        operator_name=d["operator_name"],
                        last_inspected_on=d["last_inspected_on"],
                    )
                else:
                    services.place_create(
                        actor=request.user,
                        kind=d["kind"],
                        name=d["name"],
                        lat=d["lat"],
                        lng=d["lng"],
                        address=d["address"],
                        operator_name=d["operator_name"],
                        last_inspected_on=d["last_inspected_on"],
                    )
            except (ServiceError, NotFound, Forbidden, Conflict) as exc:
                attach_error(form, exc, {"coordinates": "lat", "not_found": "lat"})
            else:
                messages.success(request, _("已保存。"))
                return redirect("people:places")
        return _form_page(request, form, _("场所"), place, "people:places", 400)
    return _form_page(request, form, _("场所"), place, "people:places")


# --- imports -----------------------------------------------------------------------------------
SESSION_PENDING = "people.import.pending"  # {token: {"path", "name", "size", "kind"}}
PREVIEW_ROWS = 10


def _layout_name(headers: list[str]) -> str:
    """A saved mapping's name for a file layout: the same headers find the same mapping."""
    import hashlib

    digest = hashlib.sha1("\x1f".join(headers).encode()).hexdigest()[:12]
    return f"layout-{digest}"


@login_required
def import_index(request: AuthedHttpRequest) -> HttpResponse:
    """Step 1: choose what to import and the file. The upload is kept until the mapping is
    confirmed (then handed to the job, which deletes it once read)."""
    _staff_or_403(request)
    kind = request.GET.get("kind", "")
    form = ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"kind": kind if kind in ImportKind.values else ImportKind.RESIDENTS},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            f = form.cleaned_data["file"]
            kind = form.cleaned_data["kind"]
            try:
                jobs.import_preview(actor=request.user, kind=kind, data=f, size=f.size)
            except (ServiceError, Forbidden) as exc:
                form.add_error("file", exc.message)
            else:
                f.seek(0)
                token = uuid.uuid4().hex
                path = default_storage.save(f"{jobs.PENDING_DIR}/{token}", ContentFile(f.read()))
                pending = request.session.get(SESSION_PENDING, {})
                pending[token] = {"path": path, "name": f.name, "size": f.size, "kind": kind}
                request.session[SESSION_PENDING] = dict(list(pending.items())[-5:])
                return redirect("people:import-map", token=token)
        status = 400
    recent = ImportJob.objects.filter(created_by=request.user).defer("rejects", "mapping")[:20]
    hotline = _hotline_import_url()
    return render(
        request,
        "people/import_index.html",
        {"form": form, "recent": recent, "hotline_url": hotline},
        status=status,
    )


def _hotline_import_url() -> str | None:
    try:
        return reverse("people:hotline-import")
    except Exception:  # pragma: no cover - hotline app not installed
        return None


def _pending(request: AuthedHttpRequest, token: str) -> dict[str, Any]:
    item = request.session.get(SESSION_PENDING, {}).get(token)
    if item is None or not default_storage.exists(item["path"]):
        raise NotFound(_("上传的文件已失效，请重新上传"))
    return item


@login_required
def import_map(request: AuthedHttpRequest, token: str) -> HttpResponse:
    """Step 2: map the columns (suggested, or remembered for this layout), preview the first
    rows with their problems, then start the job."""
    _staff_or_403(request)
    item = _pending(request, token)
    kind = item["kind"]
    with default_storage.open(item["path"], "rb") as fh:
        table = importing.open_table(fh, size=item["size"], kind=kind)
        headers = table.headers
        layout = _layout_name(headers)
        saved = ColumnMapping.objects.filter(
            created_by=request.user, kind=kind, name=layout
        ).first()
        mapping = importing.suggest_mapping(kind, headers) | (saved.mapping if saved else {})
        error = ""
        if request.method == "POST":
            mapping = {
                f.name: request.POST.get(f"map_{f.name}", "")
                for f in importing.FIELDS[kind]
                if request.POST.get(f"map_{f.name}", "")
            }
            if request.POST.get("go") == "1":
                try:
                    with default_storage.open(item["path"], "rb") as data:
                        jobs.column_mapping_save(
                            actor=request.user, name=layout, kind=kind, mapping=mapping
                        )
                        job = jobs.import_job_create(
                            actor=request.user,
                            kind=kind,
                            data=data,
                            size=item["size"],
                            filename=item["name"],
                            mapping=mapping,
                        )
                except (ServiceError, Forbidden, NotFound) as exc:
                    error = exc.message
                else:
                    default_storage.delete(item["path"])
                    pending = request.session.get(SESSION_PENDING, {})
                    pending.pop(token, None)
                    request.session[SESSION_PENDING] = pending
                    return redirect("people:import-job", pk=job.pk)
        preview = _preview_rows(request.user, kind, table, mapping)
    fields = [
        {"name": f.name, "label": f.label, "required": f.required, "column": mapping.get(f.name)}
        for f in importing.FIELDS[kind]
    ]
    missing = [f["label"] for f in fields if f["required"] and not f["column"]]
    return render(
        request,
        "people/import_map.html",
        {
            "item": item,
            "kind_label": ImportKind(kind).label,
            "token": token,
            "headers": headers,
            "fields": fields,
            "missing": missing,
            "preview": preview,
            "estimated": table.estimated_rows,
            "remembered": saved is not None,
            "error": error,
        },
        status=400 if error else 200,
    )


def _preview_rows(
    user: User, kind: str, table: importing.Table, mapping: dict[str, str]
) -> dict[str, Any]:
    """The first rows as the job would read them, each with the problems found (residents:
    the importer's own row checks; other kinds: required cells present)."""
    try:
        columns = importing.resolve_mapping(kind, table.headers, mapping)
    except ServiceError as exc:
        return {"error": exc.message, "rows": []}
    specs = importing.FIELDS[kind]
    validator = None
    if kind == ImportKind.RESIDENTS:
        validator = importing.ResidentValidator(
            columns=columns,
            buildings=importing.BuildingIndex.for_scope(scope_for_user(user)),
        )
    rows = []
    for row_no, cells in table.rows():
        values = [
            cells[columns[f.name]] if f.name in columns and columns[f.name] < len(cells) else ""
            for f in specs
        ]
        problems: list[str] = []
        if validator is not None:
            out = validator.validate(row_no, cells)
            if isinstance(out, list):
                problems = [f"{r.column}：{r.reason}" for r in out]
        else:
            problems = [
                _("%(label)s 为空") % {"label": f.label}
                for f, v in zip(specs, values, strict=True)
                if f.required and not v.strip()
            ]
        if kind == ImportKind.RESIDENTS and "id_number" in columns:
            # The preview never shows a full ID number.
            i = [f.name for f in specs].index("id_number")
            v = values[i]
            values[i] = v[:6] + "*" * max(len(v) - 10, 0) + v[-4:] if len(v) > 10 else v
        rows.append({"row": row_no, "values": values, "problems": problems})
        if len(rows) >= PREVIEW_ROWS:
            break
    return {"labels": [f.label for f in specs], "rows": rows, "error": ""}


@login_required
def import_job(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    _staff_or_403(request)
    job = jobs.import_job_get_for_user(request.user, pk)
    return render(request, "people/import_job.html", {"job": job, **_job_progress(job)})


@login_required
def import_job_progress(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """htmx polls this while the job runs; the fragment stops polling once it is done."""
    _staff_or_403(request)
    job = jobs.import_job_get_for_user(request.user, pk)
    return render(request, "people/_import_progress.html", {"job": job, **_job_progress(job)})


def _job_progress(job: ImportJob) -> dict[str, Any]:
    finished = job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED)
    if job.status == ImportJob.Status.DONE:
        percent = 100
    elif job.total_rows:
        percent = min(int(job.processed_rows * 100 / job.total_rows), 99)
    else:
        percent = 0
    return {"percent": percent, "finished": finished, "rejects": job.rejects[:50]}


@login_required
def import_rejects(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    _staff_or_403(request)
    job = jobs.import_job_get_for_user(request.user, pk)
    resp = HttpResponse(
        importing.reject_report_xlsx(job.rejects),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    resp["Content-Disposition"] = f'attachment; filename="import-{job.pk}-rejects.xlsx"'
    return resp


@login_required
def hotline_import(request: AuthedHttpRequest) -> HttpResponse:
    """Hotline (12345) order files, parsed by the hotline app's own importer."""
    from wangge.hotline import selectors as hotline_selectors
    from wangge.hotline.models import HotlineImport, HotlineSource

    if not hotline_selectors.may_manage_hotline(request.user):
        raise PermissionDenied(_("只有指挥中心可以导入 12345 工单"))
    sources = list(HotlineSource.objects.filter(active=True).order_by("code"))
    error = ""
    if request.method == "POST":
        from wangge.hotline.services import import_start

        source = next((s for s in sources if s.code == request.POST.get("source")), None)
        upload = request.FILES.get("file")
        if source is None:
            error = _("请选择工单来源")
        elif upload is None:
            error = _("请选择要导入的文件")
        else:
            try:
                imp = import_start(
                    actor=request.user,
                    source=source,
                    data=upload,
                    filename=upload.name or "",
                )
            except ServiceError as exc:
                error = exc.message
            else:
                return redirect("people:hotline-import-detail", pk=imp.pk)
    recent = HotlineImport.objects.order_by("-id")[:20]
    return render(
        request,
        "people/hotline_import.html",
        {"sources": sources, "error": error, "recent": recent},
        status=400 if error else 200,
    )


@login_required
def hotline_import_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    from wangge.hotline import selectors as hotline_selectors

    imp = hotline_selectors.import_get_for_user(request.user, pk)
    poll = imp.status not in ("done", "failed")
    if imp.status == "done":
        percent = 100
    else:
        percent = min(99, imp.processed * 100 // imp.total) if imp.total else 0
    return render(
        request,
        "people/hotline_import_detail.html",
        {"imp": imp, "poll": poll, "percent": percent},
    )


@login_required
def hotline_import_rejects(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The rows a hotline import refused, as a workbook (row, column, reason)."""
    from wangge.hotline import selectors as hotline_selectors

    imp = hotline_selectors.import_get_for_user(request.user, pk)
    resp = HttpResponse(
        importing.reject_report_xlsx(imp.rejects),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    resp["Content-Disposition"] = f'attachment; filename="hotline-import-{imp.pk}-rejects.xlsx"'
    return resp


# --- the grid worker's field kit (phone) --------------------------------------------------------
@login_required
def care_due(request: AuthedHttpRequest) -> HttpResponse:
    """Due and overdue visits, most urgent first, one column per ledger (elderly five colours,
    children four colours …)."""
    _staff_or_403(request)
    today = timezone.localdate()
    within = request.GET.get("within", "7")
    within_days = int(within) if within.isdigit() and int(within) <= 90 else 7
    records = list(
        selectors.care_due_list_for_user(request.user, within_days=within_days, today=today)
        .select_related(None)
        .select_related("resident__household__room__building", "level")[:300]
    )
    schemes: dict[str, dict[str, Any]] = {
        value: {"key": value, "label": label, "items": [], "overdue": 0}
        for value, label in CareScheme.choices
    }
    for r in records:
        s = schemes[r.level.scheme]
        overdue = (today - r.next_due_on).days
        s["items"].append({"rec": r, "overdue": overdue, "due_in": -overdue})
        if overdue > 0:
            s["overdue"] += 1
    levels = list(CareLevel.objects.all())
    for s in schemes.values():
        s["levels"] = [lv for lv in levels if lv.scheme == s["key"]]
    return render(
        request,
        "people/care_due.html",
        {
            "schemes": [s for s in schemes.values() if s["items"] or s["levels"]],
            "within": within_days,
            "total": len(records),
        },
    )


@login_required
def visit_new(request: AuthedHttpRequest, resident_pk: int) -> HttpResponse:
    """The visit form: notes, findings, photos, GPS check-in; raise a case in one tap."""
    _staff_or_403(request)
    resident = selectors.resident_get_for_user(request.user, resident_pk)
    from wangge.attachments.services import attachment_store
    from wangge.web.forms import ERROR_FIELDS

    form = VisitForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        kept = form.kept_ids()
        new_photos: list[str] = []
        if form.is_valid():
            d = form.cleaned_data
            checkin = (
                (d["checkin_lat"], d["checkin_lng"])
                if d["checkin_lat"] is not None and d["checkin_lng"] is not None
                else None
            )
            try:
                new_photos = [
                    str(attachment_store(actor=request.user, upload=f, purpose="photo").pk)
                    for f in d["photos"]
                ]
                visit = services.visit_record(
                    actor=request.user,
                    resident=resident,
                    notes=d["notes"],
                    findings=d["findings"],
                    photo_ids=[*kept, *new_photos],
                    raise_case=d["raise_case"],
                    checkin=checkin,
                )
            except ServiceError as exc:
                attach_error(form, exc, {**ERROR_FIELDS, "coordinates": "findings"})
            else:
                if visit.case is not None:
                    messages.success(request, _("走访已记录，问题已上报为事件。"))
                    return redirect("web:case", code=visit.case.tracking_code)
                messages.success(request, _("走访已记录。"))
                return redirect("people:care")
        elif "photos" not in form.errors:
            # Refused for another field: keep the photos chosen, stored once.
            files = request.FILES.getlist("photos")[:9]
            try:
                new_photos = [
                    str(attachment_store(actor=request.user, upload=f, purpose="photo").pk)
                    for f in files
                ]
            except ServiceError as exc:
                form.add_error("photos", exc.message)
        data = request.POST.copy()
        data["kept_photos"] = ",".join([*kept, *new_photos][:9])
        form.data = data
        status = 400
    care = CareRecord.objects.filter(resident=resident).select_related("level").first()
    building = resident.household.room.building
    return render(
        request,
        "people/visit_form.html",
        {"resident": resident, "form": form, "care": care, "building": building},
        status=status,
    )


@login_required
def journal(request: AuthedHttpRequest) -> HttpResponse:
    _staff_or_403(request)
    grids = [g for g in _scope_grids(request.user) if g.level >= GridLevel.ZONE] or _leaf_grids(
        request.user
    )
    initial = {"day": timezone.localdate(), "grid": grids[-1].code if len(grids) == 1 else ""}
    form = JournalForm(request.POST or None, grids=grids, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                grid = grid_get_for_user(request.user, d["grid"])
                services.journal_add(
                    actor=request.user,
                    grid=grid,
                    content=d["content"],
                    kind=d["kind"],
                    day=d["day"],
                )
            except (ServiceError, NotFound, Forbidden) as exc:
                msg = exc.message
                form.add_error("day" if "日期" in msg else "content", msg)
            else:
                messages.success(request, _("日志已保存。"))
                return redirect("people:journal")
        status = 400
    qs = selectors.journal_list_for_user(request.user).defer("grid__geometry")
    mine = request.GET.get("mine") == "1"
    if mine:
        qs = qs.filter(author=request.user)
    page = _page(request, qs, per_page=20)
    return render(
        request,
        "people/journal.html",
        _list_context(request, page, form=form, mine=mine),
        status=status,
    )
