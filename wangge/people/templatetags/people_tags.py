"""Template filters of the base data pages."""

from __future__ import annotations

from django import template

from wangge.people.services import REVEAL_PURPOSES

register = template.Library()


@register.filter
def purpose_label(code: str) -> str:
    return REVEAL_PURPOSES.get(code, code)


@register.filter
def indent(level: int) -> str:
    """Full-width spaces to show a grid's depth below the community in a <select>."""
    return "\u3000" * max(int(level) - 3, 0)


@register.filter
def org_phone_masked(organisation) -> str:
    """An organisation's contact phone as the lists show it: 3+4 masked."""
    from wangge.people.services import organisation_contact_phone_masked

    return organisation_contact_phone_masked(organisation)
