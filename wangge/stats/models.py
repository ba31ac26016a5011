"""Summary tables of the case statistics, filled by `wangge.stats.rollup`, and the assessment
(考核) schemes that rank people and units by weighted indicators.

Dashboards and the statistics API read only these tables, never the cases table: one row of
`CaseDailyStat` counts the cases reported on one day (Asia/Shanghai) that share a located grid,
category, channel, lead department and assignee, so a year of a county is a few hundred
thousand small integer rows that any subtree, period or breakdown sums in one indexed query.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Counters of CaseDailyStat, in the order the roll-up fills them (see rollup.classify).
COUNT_FIELDS: tuple[str, ...] = (
    "registered",
    "accepted",
    "due",
    "closed",
    "closed_on_time",
    "suspended",
    "reworked",
    "extended",
    "responded",
    "responded_on_time",
    "rated",
    "satisfied",
    "solve_answered",
    "solved",
    "followed_up",
    "open_cases",
    "overdue_open",
    "claim_seconds",
    "claim_timed",
    "resolve_seconds",
    "resolve_timed",
)


class UnitKey(models.Model):
    """The dimensions shared by every summary table (abstract): where, what, how, who leads."""

    grid = models.ForeignKey(
        "grids.Grid", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The located grid's path (the district's for an unlocated case): scope and subtree filters
    # are one prefix match, as on the cases table.
    grid_path = models.CharField(max_length=255)
    category = models.ForeignKey(
        "cases.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=10)
    department = models.ForeignKey(
        "grids.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        abstract = True


class StatKey(UnitKey):
    """The fine key (abstract): the day of report and the assignee besides the unit."""

    day = models.DateField(_("反映日期"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        abstract = True


class MonthKey(UnitKey):
    """The coarse key (abstract): the month of report (its first day), no assignee."""

    month = models.DateField(_("反映月份"))

    class Meta:
        abstract = True


def _subsets(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        name=name,
        condition=Q(accepted__lte=models.F("registered"))
        & Q(closed__lte=models.F("due"))
        & Q(closed_on_time__lte=models.F("closed"))
        & Q(satisfied__lte=models.F("rated"))
        & Q(solved__lte=models.F("solve_answered"))
        & Q(solve_answered__lte=models.F("rated"))
        & Q(followed_up__lte=models.F("closed"))
        & Q(overdue_open__lte=models.F("open_cases")),
    )


class Counters(models.Model):
    """The counters of a summary row (abstract); definitions in docs/stats.md."""

    registered = models.PositiveIntegerField(_("反映数"), default=0)
    accepted = models.PositiveIntegerField(_("立案数"), default=0)
    due = models.PositiveIntegerField(_("应结案数"), default=0)
    closed = models.PositiveIntegerField(_("结案数"), default=0)
    closed_on_time = models.PositiveIntegerField(_("按期结案数"), default=0)
    suspended = models.PositiveIntegerField(_("缓办数"), default=0)
    reworked = models.PositiveIntegerField(_("返工数"), default=0)
    extended = models.PositiveIntegerField(_("延期数"), default=0)
    responded = models.PositiveIntegerField(_("响应数"), default=0)
    responded_on_time = models.PositiveIntegerField(_("按时响应数"), default=0)
    rated = models.PositiveIntegerField(_("评价数"), default=0)
    # Satisfied or basically satisfied, in the case's latest answer (or old 1–5 rating ≥ 3).
    satisfied = models.PositiveIntegerField(_("满意数"), default=0)
    # Answers to 问题解决了吗？ (old 1–5 ratings did not ask) and those that said solved.
    solve_answered = models.PositiveIntegerField(_("解决情况答复数"), default=0)
    solved = models.PositiveIntegerField(_("已解决数"), default=0)
    # Closed cases whose current closure has an answer (the reporter's own or a 回访 call).
    followed_up = models.PositiveIntegerField(_("已回访数"), default=0)
    open_cases = models.PositiveIntegerField(_("在办数"), default=0)
    overdue_open = models.PositiveIntegerField(_("超期在办数"), default=0)
    claim_seconds = models.BigIntegerField(_("认领用时合计(秒)"), default=0)
    claim_timed = models.PositiveIntegerField(_("计入认领用时的事件数"), default=0)
    resolve_seconds = models.BigIntegerField(_("处置用时合计(秒)"), default=0)
    resolve_timed = models.PositiveIntegerField(_("计入处置用时的事件数"), default=0)

    class Meta:
        abstract = True


class CaseDailyStat(StatKey, Counters):
    """Counts of the cases reported on `day` with this key; definitions in docs/stats.md."""

    class Meta:
        verbose_name = _("事件日统计")
        verbose_name_plural = _("事件日统计")
        indexes = [
            models.Index(fields=["day"], name="stat_day"),
            models.Index(
                fields=["grid_path", "day"],
                name="stat_path_day",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
            # Current state (open and overdue per grid) reads only the rows that still count
            # open cases: a few recent days, however long the history.
            models.Index(
                fields=["grid_path", "day"],
                name="stat_open_path_day",
                opclasses=["varchar_pattern_ops", "date_ops"],
                condition=Q(open_cases__gt=0),
            ),
        ]
        constraints = [_subsets("stat_subsets")]

    def __str__(self) -> str:
        return f"{self.day} {self.grid_path} {self.registered}"


class DurationMetric(models.TextChoices):
    CLAIM = "claim", _("派遣到认领")
    RESOLVE = "resolve", _("反映到处置")


class CaseDurationStat(StatKey):
    """A log-bucket histogram of durations (see rollup.bucket_of): medians read from the table."""

    metric = models.CharField(max_length=8, choices=DurationMetric.choices)
    bucket = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("用时分布")
        verbose_name_plural = _("用时分布")
        indexes = [
            models.Index(fields=["day"], name="stat_dur_day"),
            models.Index(
                fields=["grid_path", "day"],
                name="stat_dur_path_day",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.metric}[{self.bucket}]={self.count}"


class CaseMonthStat(MonthKey, Counters):
    """The counters of `CaseDailyStat` summed per month of report and unit (no assignee).

    Long periods read whole months here and only their partial edge months from the daily
    table, so a year is about twelve rows per unit instead of one per day, assignee and unit.
    Maintained by the roll-up from the daily rows: the sums are always equal (tested).
    """

    class Meta:
        verbose_name = _("事件月统计")
        verbose_name_plural = _("事件月统计")
        indexes = [
            models.Index(fields=["month"], name="stat_month"),
            models.Index(
                fields=["grid_path", "month"],
                name="stat_month_path",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
            models.Index(
                fields=["grid_path", "month"],
                name="stat_month_open_path",
                opclasses=["varchar_pattern_ops", "date_ops"],
                condition=Q(open_cases__gt=0),
            ),
        ]
        constraints = [_subsets("stat_month_subsets")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.grid_path} {self.registered}"


class CaseMonthDurationStat(MonthKey):
    """`CaseDurationStat` summed per month of report and unit (no assignee)."""

    metric = models.CharField(max_length=8, choices=DurationMetric.choices)
    bucket = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("用时月分布")
        verbose_name_plural = _("用时月分布")
        indexes = [
            models.Index(fields=["month"], name="stat_dur_month"),
            models.Index(
                fields=["grid_path", "month"],
                name="stat_dur_month_path",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.metric}[{self.bucket}]={self.count}"


class CaseStatChange(models.Model):
    """The change log the roll-up reads: one row per summary key a case write touched.

    Written by database triggers on `cases_case` (migration stats.0003), in the writing
    transaction, whatever wrote the row (services, bulk imports, the admin, SQL): an insert logs
    the new case's key, an update that moves a counted field logs the case's key after the
    change and, when the key itself changed (another grid, category, lead department or
    assignee), its key before, a delete logs the old key. The roll-up deletes the rows it reads,
    so the table holds only what is still to be counted. Plain integers, no foreign keys: a log
    row may outlive the grid or user it names.
    """

    id = models.BigAutoField(primary_key=True)
    case_id = models.BigIntegerField()
    created_at = models.DateTimeField()
    grid_id = models.BigIntegerField(null=True)
    grid_path = models.CharField(max_length=255)
    category_id = models.BigIntegerField(null=True)
    channel = models.CharField(max_length=10)
    department_id = models.BigIntegerField(null=True)
    assignee_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("统计变更记录")
        verbose_name_plural = _("统计变更记录")

    def __str__(self) -> str:
        return f"case {self.case_id} @ {self.created_at}"


class RollupState(models.Model):
    """Where the roll-up got to. Its row is locked for the whole run, so runs never overlap."""

    name = models.CharField(_("名称"), max_length=40, unique=True)
    last_run_at = models.DateTimeField(_("上次运行"), null=True, blank=True)
    last_full_at = models.DateTimeField(_("上次全量汇总"), null=True, blank=True)
    last_days = models.PositiveIntegerField(_("上次汇总天数"), default=0)
    # Change-log rows and summary keys the last run read and rewrote.
    last_changes = models.PositiveIntegerField(_("上次读取变更数"), default=0)
    last_keys = models.PositiveIntegerField(_("上次重算汇总数"), default=0)
    runs = models.PositiveIntegerField(_("运行次数"), default=0)

    class Meta:
        verbose_name = _("统计汇总进度")
        verbose_name_plural = _("统计汇总进度")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_run_at}"


class AssessmentSubject(models.TextChoices):
    PERSON = "person", _("人员（认领人）")
    GRID = "grid", _("网格")
    DEPARTMENT = "department", _("部门")


class AssessmentScheme(models.Model):
    """A 考核 scheme: weighted rules over indicators, and how small samples are kept apart."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    subject = models.CharField(
        _("考核对象"),
        max_length=12,
        choices=AssessmentSubject.choices,
        default=AssessmentSubject.PERSON,
    )
    min_cases = models.PositiveIntegerField(
        _("最少事件数"),
        default=10,
        help_text=_("应结案数少于此数的对象列为“样本不足”，不参加排名"),
    )
    use_wilson = models.BooleanField(
        _("按置信下限计分"),
        default=True,
        help_text=_("比率按 95% Wilson 置信区间下限计分，样本越小越保守"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AssessmentIndicator(models.TextChoices):
    COMPLETION_RATE = "completion_rate", _("结案率")
    ON_TIME_RATE = "on_time_rate", _("按期结案率")
    RESPONSE_RATE = "response_rate", _("响应率")
    RESPONSE_ON_TIME_RATE = "response_on_time_rate", _("按时响应率")
    SATISFACTION_RATE = "satisfaction_rate", _("满意率")
    SOLVED_RATE = "solved_rate", _("解决率")
    FOLLOW_UP_RATE = "follow_up_rate", _("回访率")
    REWORK_COUNT = "reworked", _("返工件数")
    EXTENSION_COUNT = "extended", _("延期件数")
    OVERDUE_OPEN_COUNT = "overdue_open", _("超期在办件数")


RATE_INDICATORS = frozenset(
    {
        AssessmentIndicator.COMPLETION_RATE,
        AssessmentIndicator.ON_TIME_RATE,
        AssessmentIndicator.RESPONSE_RATE,
        AssessmentIndicator.RESPONSE_ON_TIME_RATE,
        AssessmentIndicator.SATISFACTION_RATE,
        AssessmentIndicator.SOLVED_RATE,
        AssessmentIndicator.FOLLOW_UP_RATE,
    }
)


class AssessmentRule(models.Model):
    """One line of a scheme.

    A rate rule: `points` when the rate reaches `threshold` (percent); below it, `points` minus
    `deduct_per_point` for each percentage point short (never below zero), or nothing when no
    deduction is given. A count rule: `per_unit` points for each case counted (−0.2 per rework).
    """

    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.CASCADE, related_name="rules")
    indicator = models.CharField(_("指标"), max_length=24, choices=AssessmentIndicator.choices)
    points = models.FloatField(_("满分"), default=0)
    threshold = models.FloatField(_("达标线(%)"), null=True, blank=True)
    deduct_per_point = models.FloatField(_("每低 1 个百分点扣分"), null=True, blank=True)
    per_unit = models.FloatField(_("每件加(减)分"), null=True, blank=True)

    class Meta:
        verbose_name = _("考核规则")
        verbose_name_plural = _("考核规则")
        ordering = ["scheme", "id"]
        constraints = [
            models.CheckConstraint(
                name="assessment_threshold_percent",
                condition=Q(threshold__isnull=True) | Q(threshold__gte=0, threshold__lte=100),
            ),
            models.CheckConstraint(
                name="assessment_rule_complete",
                condition=Q(threshold__isnull=False) | Q(per_unit__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} · {self.get_indicator_display()}"
