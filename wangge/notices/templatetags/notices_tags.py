"""{% resident_notices %}: the live notices of the grids a resident subscribed to, for the
home page (an inclusion tag, so the home view itself does not change)."""

from __future__ import annotations

from typing import Any

from django import template

from wangge.notices.selectors import notices_for_resident

register = template.Library()


@register.inclusion_tag("notices/_home.html", takes_context=True)
def resident_notices(context: dict[str, Any]) -> dict[str, Any]:
    user = context["request"].user
    if not getattr(user, "is_authenticated", False):
        return {"notices": [], "show": False}
    from wangge.accounts.selectors import scope_for_user

    show = not scope_for_user(user).roles
    return {"notices": notices_for_resident(user) if show else [], "show": show}
