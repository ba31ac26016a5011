"""Notice pages: the list (staff: what reached me, what I wrote, with read counts; residents:
my grid's notices and the subscription), the editor, and the notice (opening it counts as read).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from wangge.accounts.selectors import scope_for_user
from wangge.attachments.models import Attachment
from wangge.core.api import ServiceError
from wangge.council.access import STAFF_ROLES, is_staff_for, role_grid_paths
from wangge.council.webutil import page_of, run
from wangge.council.xlsx import fmt_date
from wangge.exports.registry import ExportData, ExportSpec
from wangge.grids.models import Grid, GridLevel
from wangge.notices import selectors, services
from wangge.notices.models import Notice, NoticeState

HEADERS = ["编号", "标题", "紧急", "发布人", "发布时间", "有效期至", "状态", "接收人数", "已读人数"]


def _writer(user: Any) -> bool:
    return bool(role_grid_paths(user, STAFF_ROLES)) or scope_for_user(user).everything


def _notices(user: Any, p: QueryDict, options: dict[str, Any]) -> ExportData:
    """The notices the user sees, with the list's filters: the page and its export job."""
    qs = selectors.notice_list_for_user(
        user,
        state=p.get("state") if p.get("state") in NoticeState.values else None,
        urgent=True if p.get("urgent") == "1" else None,
        q=(p.get("q") or "").strip() or None,
    )
    return ExportData(
        header=HEADERS,
        items=qs,
        sheet="通知公告",
        row=lambda n: [
            n.pk,
            n.title,
            "是" if n.urgent else "",
            str(n.author),
            fmt_date(n.published_at),
            fmt_date(n.expires_at),
            n.get_state_display(),
            n.recipient_count,
            n.read_count,
        ],
    )


NOTICES = ExportSpec(
    kind="notices.list",
    label=_lazy("通知公告"),
    filename="notices",
    build=_notices,
    list_url="notices:list",
)


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    p = request.GET
    status = 200
    if request.method == "POST":
        grid = Grid.objects.filter(code=request.POST.get("grid", "")).first()
        if request.POST.get("what") == "unsubscribe" and grid is not None:
            services.notice_unsubscribe(actor=request.user, grid=grid)
            return redirect(request.path)

        def call() -> Any:
            if grid is None:
                raise ServiceError(_("请选择所住的社区或网格"))
            return services.notice_subscribe(actor=request.user, grid=grid)

        _s, error = run(request, call, _("已订阅，该网格的通知会显示在首页和消息中"))
        if error is None:
            return redirect(request.path)
        status = error.status_code
    qs = _notices(request.user, p, {}).items
    subs = selectors.subscriptions_for(request.user)
    return render(
        request,
        "notices/list.html",
        {
            "page": page_of(request, qs),
            "writer": _writer(request.user),
            "subscriptions": subs,
            "subscribable": (
                Grid.objects.filter(
                    level__in=[GridLevel.COMMUNITY, GridLevel.ZONE, GridLevel.MICRO], is_active=True
                ).order_by("path")
                if not _writer(request.user)
                else []
            ),
            "filters": {k: p.get(k, "") for k in ("state", "urgent", "q")},
            "states": NoticeState.choices,
            "now": timezone.now(),
        },
        status=status,
    )


def _target_choices(user: Any) -> list[Grid]:
    """Grids the author may address: their subtrees down to the zone level."""
    scope = scope_for_user(user)
    qs = Grid.objects.filter(
        level__in=[GridLevel.STREET, GridLevel.COMMUNITY, GridLevel.ZONE, GridLevel.MICRO],
        is_active=True,
    )
    paths = role_grid_paths(user, STAFF_ROLES)
    if not scope.everything:
        from functools import reduce
        from operator import or_

        from django.db.models import Q

        if not paths:
            return []
        qs = qs.filter(reduce(or_, (Q(path__startswith=p) for p in paths)))
    return list(qs.order_by("path")[:400])


@login_required
def notice_new(request: HttpRequest) -> HttpResponse:
    if not _writer(request.user):
        raise PermissionDenied(_("只有社区及以上工作人员可以发布通知"))
    status = 200
    if request.method == "POST":
        p = request.POST
        codes = p.getlist("grids")

        def call() -> Notice:
            grids = list(Grid.objects.filter(code__in=codes, is_active=True))
            if len(grids) != len(set(codes)):
                raise ServiceError(_("所选网格不存在"))
            expires = _parse_local(p.get("expires_at", ""))
            with transaction.atomic():
                photos = [_store(request, f) for f in request.FILES.getlist("photos")[:9]]
                return services.notice_publish(
                    actor=request.user,
                    title=p.get("title", ""),
                    body=p.get("body", ""),
                    grids=grids,
                    urgent=p.get("urgent") == "1",
                    expires_at=expires,
                    attachments=[a.pk for a in photos],
                )

        notice, error = run(request, call, _("通知已发布"))
        if error is None:
            return redirect("notices:detail", pk=notice.pk)
        status = error.status_code
    return render(
        request,
        "notices/edit.html",
        {
            "grids": _target_choices(request.user),
            "form": request.POST if request.method == "POST" else {},
            "picked": request.POST.getlist("grids") if request.method == "POST" else [],
        },
        status=status,
    )


def _store(request: HttpRequest, upload: Any) -> Attachment:
    from wangge.attachments.services import attachment_store

    return attachment_store(actor=request.user, upload=upload)


def _parse_local(value: str) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise ServiceError(_("有效期格式不正确")) from None
    return timezone.make_aware(dt) if timezone.is_naive(dt) else dt


@login_required
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_get_for_user(request.user, pk)
    status = 200
    if request.method == "POST":
        _n, error = run(
            request,
            lambda: services.notice_withdraw(
                actor=request.user, notice=notice, reason=request.POST.get("reason", "")
            ),
            _("通知已撤回"),
        )
        if error is None:
            return redirect(request.path)
        status = error.status_code
    elif notice.state == NoticeState.PUBLISHED:
        services.notice_mark_read(actor=request.user, notice=notice)
    manager = notice.author_id == request.user.pk or is_staff_for(request.user, notice.unit_path)
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(Notice)
    photos = list(Attachment.objects.filter(owner_type=ct, owner_id=str(notice.pk)))
    return render(
        request,
        "notices/detail.html",
        {
            "notice": notice,
            "targets": selectors.notice_targets(notice),
            "reads": selectors.notice_read_counts(notice) if manager else None,
            "manager": manager,
            "photos": photos,
        },
        status=status,
    )
