"""`{% export_button "people.residents" %}`: a list's export button.

A POST form (an export is a write: a job, an audit record) carrying the list's kind and its
current filters (the query string without the page). Small lists download at once; large ones
open the job's progress page.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.inclusion_tag("exports/_button.html", takes_context=True)
def export_button(context: dict[str, Any], kind: str, label: str = "", query: str | None = None):
    request = context.get("request")
    if query is None:
        params = request.GET.copy() if request is not None else None
        if params is not None:
            params.pop("page", None)
            params.pop("export", None)
        query = params.urlencode() if params is not None else ""
    return {
        "kind": kind,
        "label": label or _("导出 Excel"),
        "query": query,
        "csrf_token": context.get("csrf_token"),
    }
