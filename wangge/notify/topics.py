"""What each notification topic means, in words: the admin's inbox and outbox lists show these
instead of the machine names ("case.overdue" → 超期督办). A topic not listed shows as is."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

TOPIC_LABELS = {
    "case.created": _("新事件待分拨"),
    "case.dispatched": _("事件派遣"),
    "case.assigned": _("事件指派"),
    "case.prioritized": _("优先级调整"),
    "case.escalated": _("事件上报"),
    "case.replied": _("事件答复"),
    "case.overdue": _("超期督办"),
    "case.resolved": _("事件已处置"),
    "case.closed": _("事件结案"),
    "service.ordered": _("服务点单"),
    "service.open": _("服务建单"),
    "service.taken": _("服务接单"),
    "service.done": _("服务完成"),
    "service.closed": _("服务办结"),
    "service.declined": _("服务不予受理"),
    "service.converted": _("服务转为事件"),
    "service.cancelled": _("服务取消"),
    "service.overdue": _("服务超期"),
    "notice.published": _("通知公告"),
    "notice.chat": _("网格群通知"),
    "council.decision_assigned": _("说事决议交办"),
    "council.decision_overdue": _("说事决议超期"),
    "council.attended": _("说事参会"),
    "council.answered": _("说事答复"),
    "chat.reply": _("网格群回复"),
    "fund.requested": _("资金申请"),
    "fund.approved": _("资金批准"),
    "fund.rejected": _("资金驳回"),
    "hotline.result": _("热线办理结果回传"),
    "sms.send": _("短信"),
}


def topic_label(topic: str) -> str:
    label = TOPIC_LABELS.get(topic)
    return f"{label}（{topic}）" if label is not None else topic
