"""Open311 GeoReport v2 output: exact XML element names, JSON always as arrays.

The spec's XML is flat: a root (`services`, `service_requests`, …) holding repeated items
(`service`, `request`, …) whose children are scalars, except `keywords`/`groups`-like lists that
the spec keeps as comma-separated text and the service definition's nested `attributes`/`values`.
Values are rendered here once, so XML and JSON always agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

XML_CONTENT_TYPE = "text/xml; charset=utf-8"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
FORMATS = ("xml", "json")


def w3c(value: datetime | None) -> str | None:
    """A W3C datetime with its zone, in the server's time zone (2026-11-23T09:15:00+08:00)."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return w3c(value) or ""
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return w3c(value)
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


# Nested lists inside an item and the element name of their entries in XML.
_XML_LIST_ITEMS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def _append(parent: ET.Element, tag: str, value: Any) -> None:
    el = ET.SubElement(parent, tag)
    if isinstance(value, Mapping):
        for k, v in value.items():
            _append(el, k, v)
    elif isinstance(value, list | tuple) and tag in _XML_LIST_ITEMS:
        for entry in value:
            _append(el, _XML_LIST_ITEMS[tag], entry)
    elif isinstance(value, list | tuple):
        el.text = ",".join(_text(v) for v in value)
    else:
        el.text = _text(value)


def to_xml(root: str, item: str | None, rows: Iterable[Mapping[str, Any]] | Mapping) -> bytes:
    """`<root><item>…</item>…</root>`, or `<root>…</root>` for a single object (item=None)."""
    top = ET.Element(root)
    if item is None:
        assert isinstance(rows, Mapping)
        for k, v in rows.items():
            _append(top, k, v)
    else:
        for row in rows:
            _append(top, item, row)
    return ET.tostring(top, encoding="utf-8", xml_declaration=True)


def respond(
    fmt: str,
    *,
    root: str,
    item: str | None,
    data: Sequence[Mapping[str, Any]] | Mapping[str, Any],
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    """Render `data` in `fmt`. JSON of a list is an array; a single object (service definition,
    discovery) is a JSON object, as in the spec's examples."""
    if fmt == "json":
        body = json.dumps(_jsonable(data), ensure_ascii=False).encode()
        response = HttpResponse(body, status=status, content_type=JSON_CONTENT_TYPE)
    else:
        response = HttpResponse(
            to_xml(root, item, data), status=status, content_type=XML_CONTENT_TYPE
        )
    for k, v in (headers or {}).items():
        response[k] = v
    return response


def error_response(fmt: str, status: int, errors: list[tuple[str | int, str]]) -> HttpResponse:
    """The spec's error body: `<errors><error><code/><description/></error></errors>` or
    `[{"code": …, "description": …}]`; the code is the HTTP status, as in the spec's examples."""
    rows = [{"code": code, "description": description} for code, description in errors]
    return respond(fmt if fmt in FORMATS else "xml", root="errors", item="error", data=rows,
                   status=status)  # fmt: skip
