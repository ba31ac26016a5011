"""Reads behind the Open311 endpoints: services, definitions, and requests as the spec shows them.

GET requests is public (no key): it shows public fields only, never the reporter's contact.
Lists cover the channels in OPEN311_LIST_CHANNELS; a request looked up by its id (the tracking
code, which its reporter holds) is shown whatever its channel, like the public tracking page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from wangge.attachments.signing import attachment_url
from wangge.cases.models import OPEN311_STATUS, Case, CaseEvent, Category, EventKind
from wangge.core.api import NotFound
from wangge.core.config import config_loader
from wangge.core.pagination import capped_count
from wangge.open311.models import LIST_TYPES, Open311Request, ServiceAttribute
from wangge.open311.params import RequestFilter

# Public events whose text answers the resident (the submission itself is not a note).
NOTE_KINDS = [
    EventKind.REPLY,
    EventKind.RESOLVE,
    EventKind.CLOSE,
    EventKind.REJECT,
    EventKind.SUSPEND,
    EventKind.SETTLE_ON_SPOT,
    EventKind.MERGE,
]


def service_list() -> QuerySet[Category]:
    """Active minor categories are the services; their major class is the group."""
    return (
        Category.objects.filter(is_active=True, code__regex=r"^[AEC][0-9]{4}$")
        .select_related("parent")
        .order_by("code")
    )


def service_get(code: str) -> Category:
    """An active minor category by its code (from the per-process cache), or NotFound."""
    from wangge.cases.reference import categories

    category = categories().usable(code)
    if category is None:
        raise NotFound(_("未知的 service_code：%(c)s") % {"c": code[:20]}, code="service_code")
    return category


def service_definition(code: str) -> list[ServiceAttribute]:
    return list(_definitions().get(code, ()))


@config_loader("open311.definitions")
def _definitions() -> dict[str, list[ServiceAttribute]]:
    """Every service's attributes in order, kept per process (wangge.core.config)."""
    found: dict[str, list[ServiceAttribute]] = {}
    for attribute in ServiceAttribute.objects.order_by("service_code", "order", "id"):
        found.setdefault(attribute.service_code, []).append(attribute)
    return found


def service_codes_with_attributes() -> set[str]:
    return set(ServiceAttribute.objects.values_list("service_code", flat=True).distinct())


def service_row(category: Category, *, has_metadata: bool) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"{category.parent.name if category.parent else ''}·{category.name}",
        "metadata": has_metadata,
        "type": "realtime",
        "keywords": ",".join(category.keyword_list()),
        "group": category.parent.name if category.parent else "",
    }


def definition_row(code: str, attributes: list[ServiceAttribute]) -> dict[str, Any]:
    rows = []
    for a in attributes:
        row: dict[str, Any] = {
            "variable": a.variable,
            "code": a.code,
            "datatype": a.datatype,
            "required": a.required,
            "datatype_description": a.datatype_description,
            "order": a.order,
            "description": a.description,
        }
        if a.datatype in LIST_TYPES:
            row["values"] = [{"key": v["key"], "name": v["name"]} for v in a.values]
        rows.append(row)
    return {"service_code": code, "attributes": rows}


def _requests_qs() -> QuerySet[Case]:
    note = (
        CaseEvent.objects.filter(case=OuterRef("pk"), public=True, kind__in=NOTE_KINDS)
        .exclude(reason="")
        .order_by("-seq")
        .values("reason")[:1]
    )
    return Case.objects.select_related(
        "category", "handling_grid", "handling_department", "open311__media"
    ).annotate(status_notes=Subquery(note))


def _states_for(statuses: list[str]) -> list[str]:
    return [s for s, status in OPEN311_STATUS.items() if status in statuses]


# A public client's total is counted to this many rows at most (`X-Total-Capped` past it): the
# count reads every counted row's channel, so at a city's volume 10,000 rows cost 200 ms, more
# than the page itself; 1,000 is ten default pages.
COUNT_CAP = 1_000


def request_list(f: RequestFilter) -> tuple[list[Case], int, bool]:
    """The page of requests the filter selects, newest first, and their count: exact up to
    `COUNT_CAP` rows (or the end of this page), else that many and True (capped)."""
    qs = _requests_qs()
    if f.ids:
        qs = qs.filter(tracking_code__in=[i.upper() for i in f.ids])
    else:
        qs = qs.filter(
            channel__in=settings.OPEN311_LIST_CHANNELS,
            created_at__gte=f.start,
            created_at__lte=f.end,
        )
        if f.service_codes:
            qs = qs.filter(category__code__in=f.service_codes)
        if f.statuses:
            qs = qs.filter(state__in=_states_for(f.statuses))
    offset = (f.page - 1) * f.page_size
    rows = list(qs.order_by("-created_at", "-id")[offset : offset + f.page_size])
    total, capped = capped_count(qs, cap=max(COUNT_CAP, offset + f.page_size))
    return rows, total, capped


def request_get(request_id: str) -> Case:
    case = _requests_qs().filter(tracking_code=request_id.strip().upper()).first()
    if case is None:
        raise NotFound(
            _("没有这个 service_request_id：%(i)s") % {"i": request_id[:20]}, code="request"
        )
    return case


def request_for_token(token: str) -> Open311Request:
    try:
        found = Open311Request.objects.select_related("case").filter(token=token).first()
    except Exception:  # not a UUID: the same as unknown
        found = None
    if found is None:
        raise NotFound(_("没有这个 token"), code="token")
    return found


def _unit(case: Case) -> str:
    if case.handling_department is not None:
        return case.handling_department.name
    if case.handling_grid is not None:
        return case.handling_grid.name
    return ""


def request_row(case: Case, *, absolute: Any) -> dict[str, Any]:
    """One request with the spec's fields, in the spec's order. `absolute` makes URLs absolute."""
    extra = getattr(case, "open311", None) if hasattr(case, "open311") else None
    media_url = ""
    if extra is not None:
        media_url = (
            absolute(attachment_url(extra.media, signed=True)) if extra.media else extra.media_url
        )
    return {
        "service_request_id": case.tracking_code,
        "status": OPEN311_STATUS[case.state],
        "status_notes": getattr(case, "status_notes", None) or "",
        "service_name": case.category.name if case.category else "",
        "service_code": case.category.code if case.category else "",
        "description": case.description,
        "agency_responsible": _unit(case),
        "service_notice": "",
        "requested_datetime": case.created_at,
        "updated_datetime": case.updated_at,
        "expected_datetime": case.resolve_by,
        "address": case.address,
        "address_id": extra.address_id if extra is not None else "",
        "zipcode": "",
        "lat": case.lat,
        "long": case.lng,
        "media_url": media_url,
    }
