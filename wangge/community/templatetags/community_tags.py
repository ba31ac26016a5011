from __future__ import annotations

from django import template

register = template.Library()

ORDER_BADGE = {
    "ordered": "badge-warn",
    "open": "badge-warn",
    "taken": "badge-brand",
    "done": "badge-brand",
    "closed": "badge-ok",
    "declined": "",
    "cancelled": "",
    "converted": "badge-brand",
}


@register.filter
def order_badge(state: str) -> str:
    return ORDER_BADGE.get(state, "")


@register.filter
def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"
