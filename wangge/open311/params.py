"""Parsing and validating Open311 parameters (query strings and POST bodies).

Everything here raises `ServiceError` (400), `Forbidden` (403) or `NotFound` (404) with a Chinese
description; the views turn these into the spec's error bodies. Per the spec an empty optional
parameter is the same as an absent one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from wangge.core.api import NotFound, ServiceError
from wangge.open311.models import AttributeType, ServiceAttribute

DESCRIPTION_MAX = 4000
ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
STATUSES = ("open", "closed")


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def max_range_days() -> int:
    return int(_setting("OPEN311_MAX_RANGE_DAYS", 90))


def max_results() -> int:
    return int(_setting("OPEN311_MAX_RESULTS", 1000))


def default_page_size() -> int:
    return min(int(_setting("OPEN311_PAGE_SIZE", 100)), max_results())


def value(data: Mapping[str, Any], name: str) -> str | None:
    """A single parameter, stripped; empty means absent."""
    raw = data.get(name)
    if raw is None:
        return None
    raw = str(raw).strip()
    if "\x00" in raw:
        # Multipart bodies pass the NUL guard middleware; PostgreSQL text cannot hold NUL.
        raise ServiceError(_("%(n)s 含有不允许的空字符（NUL）") % {"n": name[:30]}, code=name[:30])
    return raw or None


def check_jurisdiction(data: Mapping[str, Any]) -> None:
    """Absent or empty is fine; anything but the configured id is an unknown resource (404)."""
    given = value(data, "jurisdiction_id")
    if given is None:
        return
    if given != (_setting("OPEN311_JURISDICTION_ID", "") or ""):
        raise NotFound(_("未知的 jurisdiction_id：%(j)s") % {"j": given[:50]}, code="jurisdiction")


def parse_w3c(raw: str, *, name: str, end_of_day: bool = False) -> datetime:
    """A W3C datetime with zone (2026-01-01T00:00:00Z, …+08:00) or a plain date (local day).

    A "+" in an offset that a client forgot to escape arrives as a space; it is put back.
    A datetime without a zone is refused: it would be read in an unknown time zone.
    """
    text = raw.strip().replace(" ", "+") if "T" in raw else raw.strip()
    try:
        parsed = parse_datetime(text) if "T" in text else None
        if parsed is None and "T" not in text:
            day = parse_date(text)
            if day is not None:
                moment = datetime.combine(day, time.max if end_of_day else time.min)
                return timezone.make_aware(moment)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ServiceError(
            _("%(n)s 不是有效的 W3C 日期时间（例如 2026-01-01T00:00:00+08:00）：%(v)s")
            % {"n": name, "v": raw[:40]},
            code=name,
        )
    if timezone.is_naive(parsed):
        raise ServiceError(
            _("%(n)s 须带时区（例如 Z 或 +08:00）：%(v)s") % {"n": name, "v": raw[:40]}, code=name
        )
    return parsed


def _comma_list(raw: str | None) -> list[str]:
    return [p.strip() for p in (raw or "").split(",") if p.strip()]


@dataclass
class RequestFilter:
    ids: list[str] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    statuses: list[str] = field(default_factory=list)
    page: int = 1
    page_size: int = 100


def _positive_int(raw: str | None, *, name: str, default: int, maximum: int) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ServiceError(_("%(n)s 须为正整数") % {"n": name}, code=name)
    return min(int(raw), maximum)


def parse_request_filter(data: Mapping[str, Any], *, now: datetime | None = None) -> RequestFilter:
    """GET requests filters. `service_request_id` overrides every other filter (the spec)."""
    now = now or timezone.now()
    cap = max_results()
    page = _positive_int(value(data, "page"), name="page", default=1, maximum=10**6)
    page_size = _positive_int(
        value(data, "page_size"), name="page_size", default=default_page_size(), maximum=cap
    )
    ids = _comma_list(value(data, "service_request_id"))
    if ids:
        if len(ids) > cap:
            raise ServiceError(_("一次最多查询 %(n)d 个请求") % {"n": cap}, code="too_many_ids")
        return RequestFilter(ids=ids, page=page, page_size=page_size)

    statuses = [s.lower() for s in _comma_list(value(data, "status"))]
    for s in statuses:
        if s not in STATUSES:
            raise ServiceError(
                _("status 只能是 open 或 closed：%(s)s") % {"s": s[:20]}, code="status"
            )
    start_raw, end_raw = value(data, "start_date"), value(data, "end_date")
    start = parse_w3c(start_raw, name="start_date") if start_raw else None
    end = parse_w3c(end_raw, name="end_date", end_of_day=True) if end_raw else None
    window = timedelta(days=max_range_days())
    if start and end:
        if end < start:
            raise ServiceError(_("end_date 早于 start_date"), code="date_range")
        if end - start > window:
            raise ServiceError(
                _("查询时间范围不能超过 %(d)d 天") % {"d": window.days}, code="date_range"
            )
    elif start:
        end = start + window
    elif end:
        start = end - window
    else:
        end, start = now, now - window
    return RequestFilter(
        service_codes=_comma_list(value(data, "service_code")),
        start=start,
        end=end,
        statuses=sorted(set(statuses)),
        page=page,
        page_size=page_size,
    )


# --- POST requests ----------------------------------------------------------------------------


@dataclass
class NewRequest:
    service_code: str
    lat: float | None = None
    lng: float | None = None
    address_string: str = ""
    address_id: str = ""
    description: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    media_url: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def contact_name(self) -> str:
        # Chinese order: family name first, no space.
        return f"{self.last_name}{self.first_name}".strip()


def _coordinate(raw: str, *, name: str, low: float, high: float) -> float:
    try:
        number = float(raw)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or not low <= number <= high:
        raise ServiceError(_("%(n)s 不是有效的坐标：%(v)s") % {"n": name, "v": raw[:30]}, code=name)
    return number


def _limited(data: Mapping[str, Any], name: str, limit: int) -> str:
    text = value(data, name) or ""
    if len(text) > limit:
        raise ServiceError(_("%(n)s 不能超过 %(l)d 个字符") % {"n": name, "l": limit}, code=name)
    return text


def parse_new_request(
    data: Any, *, definition: Iterable[ServiceAttribute], service_code: str
) -> NewRequest:
    """Validate a POST requests body (a QueryDict from url-encoded or multipart data).

    The service must already be known (the caller answers 404 otherwise); its definition checks
    the `attribute[code]` / `attribute[code][]` values.
    """
    req = NewRequest(service_code=service_code)
    lat_raw, lng_raw = value(data, "lat"), value(data, "long")
    if (lat_raw is None) != (lng_raw is None):
        raise ServiceError(_("lat 和 long 须同时提供"), code="lat_long")
    if lat_raw is not None:
        req.lat = _coordinate(lat_raw, name="lat", low=-90, high=90)
        req.lng = _coordinate(lng_raw or "", name="long", low=-180, high=180)
    req.address_string = _limited(data, "address_string", 200)
    req.address_id = _limited(data, "address_id", 100)
    if req.lat is None and not req.address_string and not req.address_id:
        raise ServiceError(
            _("须提供位置：lat 和 long、address_string 或 address_id 之一"), code="location"
        )
    req.description = _limited(data, "description", DESCRIPTION_MAX)
    req.email = _limited(data, "email", 254)
    if req.email:
        try:
            EmailValidator()(req.email)
        except ValidationError as exc:
            raise ServiceError(_("email 格式不正确"), code="email") from exc
    req.device_id = _limited(data, "device_id", 100)
    req.account_id = _limited(data, "account_id", 100)
    req.first_name = _limited(data, "first_name", 25)
    req.last_name = _limited(data, "last_name", 25)
    req.phone = _limited(data, "phone", 20)
    req.media_url = _limited(data, "media_url", 500)
    if req.media_url:
        try:
            URLValidator(schemes=["http", "https"])(req.media_url)
        except ValidationError as exc:
            raise ServiceError(_("media_url 不是有效的网址"), code="media_url") from exc
    req.attributes = parse_attributes(data, list(definition))
    return req


def _raw_attributes(data: Any) -> dict[str, list[str]]:
    """`attribute[code]=v` and `attribute[code][]=v` (repeated) → {code: [v, …]}, no empties."""
    found: dict[str, list[str]] = {}
    keys = data.keys() if hasattr(data, "keys") else ()
    for key in keys:
        match = ATTRIBUTE_KEY.match(key)
        if not match:
            continue
        values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
        cleaned = [str(v).strip() for v in values if str(v).strip()]
        if cleaned:
            found.setdefault(match.group(1), []).extend(cleaned)
    return found


def parse_attributes(data: Any, definition: list[ServiceAttribute]) -> dict[str, Any]:
    """Check the attribute values against the service definition; return typed values."""
    raw = _raw_attributes(data)
    by_code = {a.code: a for a in definition if a.variable}
    unknown = sorted(set(raw) - set(by_code))
    if unknown:
        raise ServiceError(
            _("该服务没有属性：%(c)s") % {"c": ", ".join(unknown)[:100]}, code="attribute"
        )
    out: dict[str, Any] = {}
    for code, attr in by_code.items():
        values = raw.get(code, [])
        if not values:
            if attr.required:
                raise ServiceError(
                    _("缺少必填属性 %(c)s（%(d)s）") % {"c": code, "d": attr.description},
                    code="attribute",
                )
            continue
        out[code] = _attribute_value(attr, values)
    return out


def _attribute_value(attr: ServiceAttribute, values: list[str]) -> Any:
    code = attr.code
    if attr.datatype != AttributeType.MULTI and len(values) > 1:
        raise ServiceError(_("属性 %(c)s 只能有一个值") % {"c": code}, code="attribute")
    first = values[0]
    if attr.datatype == AttributeType.NUMBER:
        try:
            number = float(first)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise ServiceError(_("属性 %(c)s 须为数字") % {"c": code}, code="attribute")
        return int(number) if number.is_integer() else number
    if attr.datatype == AttributeType.DATETIME:
        return parse_w3c(first, name=f"attribute[{code}]").isoformat()
    if attr.datatype in (AttributeType.SINGLE, AttributeType.MULTI):
        allowed = attr.value_keys()
        wrong = [v for v in values if v not in allowed]
        if wrong:
            raise ServiceError(
                _("属性 %(c)s 的取值不在选项中：%(v)s") % {"c": code, "v": ", ".join(wrong)[:60]},
                code="attribute",
            )
        return values if attr.datatype == AttributeType.MULTI else first
    limit = 200 if attr.datatype == AttributeType.STRING else DESCRIPTION_MAX
    if len(first) > limit:
        raise ServiceError(
            _("属性 %(c)s 不能超过 %(l)d 个字符") % {"c": code, "l": limit}, code="attribute"
        )
    return first
