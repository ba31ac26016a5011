"""Council day (周二说事日): topics, meetings, attendance, decisions and the topic's history.

A topic walks six steps, forward only (workflow.py holds the table): 问事 asked → 说事 discussed
→ 解事 decided → 息事 answered → 回访宁事 followed up → 归档完事 archived. Every move and
every non-moving act (put on the agenda, sign-in, sweep) writes a `TopicEvent`.
Rows carry the path of their community (`grid_path`) so scope is one prefix match.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TopicStep(models.TextChoices):
    ASKED = "asked", _("问事")
    DISCUSSED = "discussed", _("说事")
    DECIDED = "decided", _("解事")
    ANSWERED = "answered", _("息事")
    FOLLOWED = "followed", _("回访宁事")
    ARCHIVED = "archived", _("归档完事")


# The order of the steps: a topic only ever moves to a later one.
STEP_ORDER: dict[str, int] = {s.value: i for i, s in enumerate(TopicStep)}


class TopicSource(models.TextChoices):
    RESIDENT = "resident", _("居民提出")
    CASE = "case", _("事件转入")
    STAFF = "staff", _("工作人员提出")


class MeetingState(models.TextChoices):
    SCHEDULED = "scheduled", _("已安排")
    HELD = "held", _("已召开")
    ARCHIVED = "archived", _("已归档")


class Meeting(models.Model):
    """One council day of a community (周二说事日 / 红色议事厅)."""

    community = models.ForeignKey(
        "grids.Grid", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    grid_path = models.CharField(_("网格路径"), max_length=255)
    title = models.CharField(_("会议名称"), max_length=100)
    starts_at = models.DateTimeField(_("召开时间"))
    place = models.CharField(_("地点"), max_length=100)
    grids = models.ManyToManyField(
        "grids.Grid", verbose_name=_("覆盖网格"), related_name="council_meetings", blank=True
    )
    invitees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("特邀代表"),
        related_name="council_invitations",
        blank=True,
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=MeetingState.choices, default=MeetingState.SCHEDULED
    )
    summary = models.TextField(_("会议纪要"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    held_at = models.DateTimeField(_("开会时间"), null=True, blank=True)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("议事会")
        verbose_name_plural = _("议事会")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="council_meeting_state_valid",
                condition=Q(state__in=[s.value for s in MeetingState]),
            ),
            models.CheckConstraint(
                name="council_meeting_archived_has_time",
                condition=~Q(state="archived") | Q(archived_at__isnull=False),
            ),
        ]
        indexes = [
            models.Index(
                fields=["grid_path", "starts_at"],
                name="council_meeting_path",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
            models.Index(fields=["starts_at", "id"], name="council_meeting_time"),
        ]

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """One person present at a meeting. A person signs in once (unique per user and per name)."""

    class Method(models.TextChoices):
        SELF = "self", _("本人扫码签到")
        STAFF = "staff", _("工作人员代签")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("议事会"), on_delete=models.CASCADE, related_name="attendance"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("姓名"), max_length=50)
    role_note = models.CharField(_("身份"), max_length=50, blank=True)
    method = models.CharField(_("签到方式"), max_length=8, choices=Method.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("签到时间"))
    # Civility points the points ledger granted for this attendance (rule "council_day").
    points = models.DecimalField(
        _("获得积分"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    points_note = models.CharField(_("积分说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("签到")
        verbose_name_plural = _("签到")
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(user__isnull=False),
                name="council_attendance_user_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "name"], name="council_attendance_name_once"
            ),
        ]

    def __str__(self) -> str:
        return self.name


# Set only inside `workflow.topic_transition`: the one place a topic's step may change.
STEP_WRITE: ContextVar[bool] = ContextVar("council_step_write", default=False)


class TopicQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        if "step" in kwargs and not STEP_WRITE.get():
            raise RuntimeError("Topic.step changes only through council.workflow.topic_transition")
        return super().update(**kwargs)


class Topic(models.Model):
    """A matter brought to the council (议题)."""

    community = models.ForeignKey(
        "grids.Grid", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    grid_path = models.CharField(_("网格路径"), max_length=255)
    title = models.CharField(_("议题"), max_length=100)
    description = models.TextField(_("具体情况"))
    source = models.CharField(_("来源"), max_length=10, choices=TopicSource.choices)
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="council_topics",
    )
    proposer_name = models.CharField(_("提出人姓名"), max_length=50, blank=True)
    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("来源事件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="council_topic",
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("议事会"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="topics",
    )
    agenda_order = models.PositiveSmallIntegerField(_("议程序号"), default=0)
    step = models.CharField(
        _("环节"), max_length=12, choices=TopicStep.choices, default=TopicStep.ASKED
    )
    minutes = models.TextField(_("议事记录"), blank=True)
    answer = models.TextField(_("答复"), blank=True)
    settled = models.BooleanField(_("已解决"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True)
    follow_up_note = models.TextField(_("回访情况"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("提出时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="council_topic_step_valid",
                condition=Q(step__in=[s.value for s in TopicStep]),
            ),
            models.CheckConstraint(
                name="council_topic_source_valid",
                condition=Q(source__in=[s.value for s in TopicSource]),
            ),
            models.CheckConstraint(
                name="council_topic_case_source",
                condition=~Q(source="case") | Q(case__isnull=False),
            ),
            models.CheckConstraint(
                name="council_topic_satisfaction_range",
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
            ),
            # Past 问事 a topic has been discussed at a meeting.
            models.CheckConstraint(
                name="council_topic_discussed_has_meeting",
                condition=Q(step="asked") | Q(meeting__isnull=False),
            ),
        ]
        indexes = [
            models.Index(
                fields=["grid_path", "created_at"],
                name="council_topic_path",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
            models.Index(fields=["meeting", "agenda_order"], name="council_topic_agenda"),
            models.Index(fields=["step", "created_at"], name="council_topic_step"),
        ]

    def __str__(self) -> str:
        return self.title


class Decision(models.Model):
    """What the council decided on a topic (解事): who does it, by when."""

    topic = models.OneToOneField(
        Topic, verbose_name=_("议题"), on_delete=models.CASCADE, related_name="decision"
    )
    grid_path = models.CharField(_("网格路径"), max_length=255)
    text = models.TextField(_("决定事项"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        on_delete=models.PROTECT,
        related_name="council_decisions",
    )
    due_on = models.DateField(_("完成期限"))
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("关联事件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="council_decisions",
    )
    overdue = models.BooleanField(_("已超期"), default=False)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_note = models.TextField(_("落实情况"), blank=True)
    created_at = models.DateTimeField(_("决定时间"))

    class Meta:
        verbose_name = _("议定事项")
        verbose_name_plural = _("议定事项")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["owner", "due_on"], name="council_decision_owner"),
            # The sweep reads only open, not yet flagged decisions.
            models.Index(
                fields=["due_on"],
                condition=Q(done_at__isnull=True, overdue=False),
                name="council_decision_open_due",
            ),
            models.Index(
                fields=["grid_path"],
                name="council_decision_path",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.text[:40]


class TopicEventKind(models.TextChoices):
    PROPOSE = "propose", _("提出议题")
    SCHEDULE = "schedule", _("列入议程")
    UNSCHEDULE = "unschedule", _("移出议程")
    DISCUSS = "discuss", _("说事")
    DECIDE = "decide", _("解事")
    ANSWER = "answer", _("息事答复")
    FOLLOW_UP = "follow_up", _("回访")
    ARCHIVE = "archive", _("归档")
    DECISION_DONE = "decision_done", _("落实完成")
    DECISION_OVERDUE = "decision_overdue", _("议定事项超期")


class TopicEvent(models.Model):
    """The history of a topic, append-only; `seq` numbers a topic's events from 1."""

    topic = models.ForeignKey(
        Topic, verbose_name=_("议题"), on_delete=models.CASCADE, related_name="events"
    )
    seq = models.PositiveIntegerField(_("序号"))
    kind = models.CharField(_("类型"), max_length=20, choices=TopicEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    from_step = models.CharField(_("原环节"), max_length=12, blank=True)
    to_step = models.CharField(_("新环节"), max_length=12, blank=True)
    note = models.TextField(_("说明"), blank=True)
    payload = models.JSONField(_("数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("议题记录")
        verbose_name_plural = _("议题记录")
        ordering = ["topic", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "seq"], name="council_event_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.topic_id}#{self.seq} {self.kind}"
