"""The periodic SLA sweep: escalate what nobody claimed in time, flag what is overdue.

Both queries read only open cases through partial indexes (`case_open_respond_by`,
`case_open_resolve_by`), so the cost follows the number of open cases, never the closed
history. Each case is moved through `case_transition` with the version the sweep read
(compare-and-swap): if a person acted in between, the sweep leaves the case alone. Each missed
deadline acts once: escalation sets a new response deadline at the next level up, flagging sets
`overdue`, and neither query matches the case again until a new deadline passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.cases.models import Case, CaseState, EventKind
from wangge.cases.workflow import case_transition
from wangge.core.api import Conflict


@dataclass
class SweepResult:
    escalated: int = 0
    flagged: int = 0
    skipped: int = 0


def cases_sweep(*, now: datetime | None = None, batch: int = 1000) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    unclaimed = (
        Case.objects.filter(state=CaseState.DISPATCHED, respond_by__lt=now)
        # The district centre has nowhere higher to send it; it is flagged when overdue.
        .filter(Q(handling_department__isnull=False) | Q(handling_grid__parent__isnull=False))
        .order_by("respond_by")
        .values_list("pk", "version")[:batch]
    )
    for pk, version in list(unclaimed):
        try:
            case_transition(
                case=Case(pk=pk),
                actor=None,
                action=EventKind.ESCALATE,
                reason=_("超过响应时限未认领，系统自动上报上级"),
                expected_version=version,
                now=now,
            )
            result.escalated += 1
        except Conflict:
            result.skipped += 1  # someone acted on it since we read it
    overdue = (
        Case.objects.filter(
            state__in=[CaseState.DISPATCHED, CaseState.CLAIMED], overdue=False, resolve_by__lt=now
        )
        .order_by("resolve_by")
        .values_list("pk", "version")[:batch]
    )
    for pk, version in list(overdue):
        try:
            case_transition(
                case=Case(pk=pk),
                actor=None,
                action=EventKind.OVERDUE,
                reason=_("超过处置时限，列入督办"),
                expected_version=version,
                now=now,
            )
            result.flagged += 1
        except Conflict:
            result.skipped += 1
    return result
