from __future__ import annotations

from typing import Any

from django import template

from wangge.council.models import STEP_ORDER, TopicStep

register = template.Library()


@register.inclusion_tag("council/_steps.html")
def topic_steps(topic: Any) -> dict[str, Any]:
    return {"steps": TopicStep.choices, "step_index": STEP_ORDER[topic.step]}


@register.filter
def step_badge(step: str) -> str:
    return {
        "asked": "badge-warn",
        "discussed": "badge-brand",
        "decided": "badge-brand",
        "answered": "badge-brand",
        "followed": "badge-ok",
        "archived": "badge-ok",
    }.get(step, "")


@register.inclusion_tag("council/_case_button.html", takes_context=True)
def council_case_button(context: dict[str, Any], case: Any) -> dict[str, Any]:
    """ "列入议事" on a case page, for the community staff over the case's place."""
    from wangge.council.access import is_staff_for
    from wangge.council.models import Topic

    user = context["request"].user
    if not case.grid_path or not is_staff_for(user, case.grid_path):
        return {"show": False}
    topic = Topic.objects.filter(case=case).only("pk", "step").first()
    return {"show": True, "case": case, "topic": topic}


@register.inclusion_tag("council/_cockpit_panel.html", takes_context=True)
def council_cockpit_panel(context: dict[str, Any]) -> dict[str, Any]:
    """Council-day statistics for the cockpit's period, in the viewer's scope."""
    from wangge.council.selectors import council_stats

    query = context.get("query")
    if query is None:
        return {"stats": None}
    stats = council_stats(context["request"].user, start=query.start, end=query.end)
    by_step = [(label, stats["topics_by_step"][key]) for key, label in TopicStep.choices]
    return {"stats": stats, "by_step": by_step}
