"""Exports of the case lists: the console's tabs, my cases, the worker's history, follow-ups.

Each reads the list's own filters (`web.listing.CaseFilterForm`, the tab, the status) through
the same scoped selectors as the page, for the user who asked, when the worker runs the job.
Reporters' phones stay masked, as on the pages.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.accounts.models import User
from wangge.accounts.selectors import scope_for_user
from wangge.cases import selectors as case_selectors
from wangge.cases.models import Case, CaseState, FollowUpStatus
from wangge.exports.registry import ExportData, ExportSpec
from wangge.web import listing, nav

CASE_HEADER = [
    "查询码", "标题", "类别", "网格", "状态", "渠道", "地址", "上报时间", "响应时限",
    "办结时限", "超期", "督办次数",
]  # fmt: skip


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def case_row(c: Case) -> list[Any]:
    return [
        c.tracking_code,
        c.title,
        c.category.name if c.category else "",
        c.grid.name if c.grid else "",
        c.get_state_display(),
        c.get_channel_display(),
        c.address,
        _when(c.created_at),
        _when(c.respond_by),
        _when(c.resolve_by),
        "是" if c.overdue else "",
        c.urge_count,
    ]


def _cases(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.select_related(None).select_related("category", "grid").defer("grid__geometry")


def _filtered(user: User, params: QueryDict, **extra: Any) -> QuerySet[Case]:
    form = listing.CaseFilterForm(params or None, user=user)
    qs = case_selectors.case_list_for_user(user, **extra, **listing.case_filter_kwargs(form))
    return listing.apply_extra(qs, form)


def console_tab(base: QuerySet[Case], tab: str) -> QuerySet[Case]:
    """The console's tabs, in the page's order (web.case_views.console)."""
    open_states = [CaseState.DISPATCHED, CaseState.CLAIMED]
    if tab == "triage":
        return base.filter(state=CaseState.SUBMITTED).order_by("created_at", "id")
    if tab == "supervision":
        supervised = Q(overdue=True) | Q(urge_count__gt=0)
        return base.filter(supervised, state__in=open_states).order_by("resolve_by", "id")
    if tab == "open":
        return base.filter(state__in=open_states).order_by("-overdue", "resolve_by", "id")
    return base.order_by("-created_at", "-id")


def _console_user(user: User) -> None:
    scope = scope_for_user(user)
    if not (nav.is_console(scope, user) or scope.everything):
        raise PermissionDenied(_("指挥台只对中心、街道、社区工作人员开放"))


def _console(user: User, params: QueryDict, options: dict[str, Any]) -> ExportData:
    _console_user(user)
    tab = params.get("tab") or "triage"
    if tab not in ("triage", "supervision", "open", "all"):
        tab = "triage"
    return ExportData(
        header=CASE_HEADER,
        items=console_tab(_cases(_filtered(user, params)), tab),
        row=case_row,
        sheet="案件",
        audit={"tab": tab},
    )


CONSOLE = ExportSpec(
    kind="cases.console",
    label=gettext_lazy("指挥台案件"),
    filename="cases",
    build=_console,
    list_url="web:console",
    target_type="cases.case",
)


def _mine(user: User, params: QueryDict, options: dict[str, Any]) -> ExportData:
    qs = case_selectors.case_list_reported_by(user)
    return ExportData(
        header=CASE_HEADER,
        items=_cases(qs).order_by("-created_at", "-id"),
        row=case_row,
        sheet="我的诉求",
    )


MY_CASES = ExportSpec(
    kind="cases.mine",
    label=gettext_lazy("我的诉求"),
    filename="my-cases",
    build=_mine,
    list_url="web:my-cases",
    target_type="cases.case",
)


def _history(user: User, params: QueryDict, options: dict[str, Any]) -> ExportData:
    scope = scope_for_user(user)
    staff = nav.is_console(scope, user) or nav.is_worker(scope, user)
    if not (staff or scope.everything):
        raise PermissionDenied(_("只对工作人员开放"))
    qs = _cases(_filtered(user, params, assigned_to_me=True)).order_by("-created_at", "-id")
    return ExportData(header=CASE_HEADER, items=qs, row=case_row, sheet="经手案件")


WORKER_HISTORY = ExportSpec(
    kind="cases.history",
    label=gettext_lazy("经手案件"),
    filename="my-history",
    build=_history,
    list_url="web:worker-history",
    target_type="cases.case",
)


FOLLOW_UP_HEADER = [
    "查询码", "事件", "渠道", "联系人", "联系电话", "办结时间", "回访期限", "状态", "拨打次数",
    "备注",
]  # fmt: skip


def _follow_ups(user: User, params: QueryDict, options: dict[str, Any]) -> ExportData:
    from wangge.cases.contact import case_contact_phone_masked
    from wangge.cases.followup import followup_list_for_user

    _console_user(user)
    status = params.get("status") or FollowUpStatus.OPEN
    if status not in FollowUpStatus.values:
        status = FollowUpStatus.OPEN

    def row(t: Any) -> list[Any]:
        c = t.case
        return [
            c.tracking_code,
            c.title,
            c.get_channel_display(),
            c.contact_name,
            case_contact_phone_masked(c),
            _when(c.closed_at),
            _when(t.due_at),
            t.get_status_display(),
            t.attempts,
            t.note,
        ]

    return ExportData(
        header=FOLLOW_UP_HEADER,
        items=followup_list_for_user(user, status=status),
        row=row,
        sheet="回访",
        audit={"status": status},
    )


FOLLOW_UPS = ExportSpec(
    kind="cases.follow_ups",
    label=gettext_lazy("回访"),
    filename="follow-ups",
    build=_follow_ups,
    list_url="web:follow-ups",
    target_type="cases.followup",
)
