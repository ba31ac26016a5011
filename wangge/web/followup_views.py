"""回访: the centre's list of follow-up calls owed, and the call's answers.

The list is scoped like the console (operators and district/street/community staff see the
tasks in their subtrees), filtered by status, paged by cursor with the total, exportable to
Excel. The call is recorded on the row: the two questions and a note, through
`followup_record` (the one feedback service), or "未接通" which counts the try and, after the
last one, gives up.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wangge.cases.contact import case_contact_phone_masked
from wangge.cases.followup import (
    followup_get_for_user,
    followup_list_for_user,
    followup_record,
    followup_unreachable,
)
from wangge.cases.models import FeedbackSatisfaction, FeedbackSolved, FollowUpStatus
from wangge.core.api import ServiceError
from wangge.core.pagination import list_order
from wangge.web import listing
from wangge.web.case_views import console_or_403

PAGE_SIZE = 50


@login_required
def follow_ups(request: HttpRequest) -> HttpResponse:
    console_or_403(request)
    return _list_page(request)


def _list_page(
    request: HttpRequest, *, code: int = 200, error: str = "", failed: int | None = None
) -> HttpResponse:
    status = request.GET.get("status") or FollowUpStatus.OPEN
    if status not in FollowUpStatus.values:
        status = FollowUpStatus.OPEN
    tasks = followup_list_for_user(request.user, status=status)
    # By cursor in the list's own order: the answered calls grow by one per closed case.
    page = listing.keyset_of(request, tasks, order=list_order(tasks), per_page=PAGE_SIZE)
    for task in page.object_list:
        # The list shows the mask; the full number is revealed on the case page, with a reason
        # and an audit row, like every reporter's phone.
        setattr(task.case, "phone_masked", case_contact_phone_masked(task.case))  # noqa: B010
    return render(
        request,
        "web/follow_ups.html",
        {
            "page": page,
            "total": page.total,
            "status": status,
            "statuses": FollowUpStatus.choices,
            "now": timezone.now(),
            "error": error,
            "failed": failed,
            "solved_choices": FeedbackSolved.choices,
            "satisfaction_choices": FeedbackSatisfaction.choices,
        },
        status=code,
    )


@login_required
@require_POST
def follow_up_record(request: HttpRequest, task_id: int) -> HttpResponse:
    console_or_403(request)
    task = followup_get_for_user(request.user, task_id)
    note = (request.POST.get("comment") or "").strip()
    try:
        if request.POST.get("outcome") == "unreachable":
            followup_unreachable(
                actor=request.user, task=task, note=note, give_up=request.POST.get("give_up") == "1"
            )
            messages.success(request, _("已记录：未接通。"))
        else:
            followup_record(
                actor=request.user,
                task=task,
                solved=request.POST.get("solved", ""),
                satisfaction=request.POST.get("satisfaction", ""),
                comment=note,
                reopen=request.POST.get("reopen") == "1",
            )
            messages.success(
                request, _("已记录 %(c)s 的回访结果。") % {"c": task.case.tracking_code}
            )
    except ServiceError as exc:
        return _list_page(request, code=exc.status_code, error=exc.message, failed=task.pk)
    return redirect("web:follow-ups")
