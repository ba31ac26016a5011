from __future__ import annotations

from django import template
from django.utils import timezone

register = template.Library()

STATE_BADGE = {
    "submitted": "badge-warn",
    "dispatched": "badge-brand",
    "claimed": "badge-brand",
    "resolved": "badge-ok",
    "closed": "badge-ok",
    "suspended": "badge-warn",
}


@register.filter
def state_badge(state: str) -> str:
    """The badge colour of a case state: amber waits on us, blue is being worked, green done."""
    return STATE_BADGE.get(state, "")


PRIORITY_BADGE = {1: "badge-warn", 2: "badge-danger"}


@register.filter
def priority_badge(priority: int) -> str:
    """The badge colour of a priority: 紧急 amber, 特急 red (普通 shows no badge)."""
    return PRIORITY_BADGE.get(priority, "")


@register.filter
def priority_label(priority: int) -> str:
    from wangge.cases.models import Priority

    return str(Priority(priority).label) if priority in Priority.values else ""


@register.filter
def is_past(value) -> bool:
    return bool(value) and value < timezone.now()


@register.filter
def public_status(case) -> str:
    """What the resident is told: 已受理, 处理中, 已办结 …"""
    from wangge.cases.models import PublicStatus

    return str(PublicStatus(case.public_status).label)


@register.filter
def state_label(state: str) -> str:
    from wangge.cases.models import CaseState

    return str(CaseState(state).label) if state in CaseState.values else state
