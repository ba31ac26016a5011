"""Reads of the hotline app. Sources, imports and the 回单 export are for the command centre:
operators and administrators (scope `everything` or the operator role)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from wangge.accounts.models import Role
from wangge.accounts.selectors import scope_for_user
from wangge.core.api import NotFound
from wangge.hotline.models import HotlineImport, HotlineOrder, HotlineSource


def may_manage_hotline(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    scope = scope_for_user(user)
    return scope.everything or (Role.OPERATOR in scope.roles and not scope.read_only)


def source_get_for_user(user: Any, code: str) -> HotlineSource:
    source = HotlineSource.objects.filter(code=code).first()
    if source is None or not may_manage_hotline(user):
        raise NotFound(_("热线来源不存在"))
    return source


def import_get_for_user(user: Any, pk: int) -> HotlineImport:
    run = HotlineImport.objects.select_related("source").filter(pk=pk).first()
    if run is None or not may_manage_hotline(user):
        raise NotFound(_("导入记录不存在"))
    return run


def orders_for_export(
    source: HotlineSource, *, since: datetime | None = None, until: datetime | None = None
) -> QuerySet[HotlineOrder]:
    qs = HotlineOrder.objects.filter(source=source).select_related(
        "case", "case__handling_grid", "case__handling_department"
    )
    if since:
        qs = qs.filter(received_at__gte=since)
    if until:
        qs = qs.filter(received_at__lte=until)
    return qs.order_by("received_at", "id")
