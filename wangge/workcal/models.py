"""The working-time calendar as data: dated entries, working-hours profiles, a version stamp.

China's statutory holidays are published year by year, so the calendar is a table an
administrator can edit, seeded from the `chinesecalendar` package for the years it knows. A year
with no official entry falls back to a computed provisional rule (see `wangge.workcal.rules`).
"""

from __future__ import annotations

import re
from datetime import time

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wangge.core.models import VersionStamp


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("法定节假日（休息）")
    ADJUSTED_WORKDAY = "adjusted_workday", _("调休上班日")
    LOCAL_CLOSURE = "local_closure", _("本地停休（休息）")
    LOCAL_WORKDAY = "local_workday", _("本地加班日（上班）")


# Which kinds make a day a working day; the others make it a rest day.
WORKING_KINDS = frozenset({DayKind.ADJUSTED_WORKDAY, DayKind.LOCAL_WORKDAY})


class EntrySource(models.TextChoices):
    OFFICIAL = "official", _("国务院公布")
    PROVISIONAL = "provisional", _("推算（待公布）")
    LOCAL = "local", _("本地规定")


class CalendarEntry(models.Model):
    """One dated exception to "Monday to Friday are working days".

    Global entries (no grid, no department) come from the State Council schedule (official) or
    the computed rule (provisional). Local entries can be limited to a grid subtree or one
    department; they win over global ones for the calendars built for that scope.
    """

    date = models.DateField(_("日期"), db_index=True)
    kind = models.CharField(_("类型"), max_length=20, choices=DayKind.choices)
    source = models.CharField(
        _("来源"), max_length=12, choices=EntrySource.choices, default=EntrySource.OFFICIAL
    )
    name = models.CharField(_("名称"), max_length=50, blank=True, help_text=_("如：春节、国庆节"))
    grid = models.ForeignKey(
        "grids.Grid",
        verbose_name=_("适用网格（含下级）"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    department = models.ForeignKey(
        "grids.Department",
        verbose_name=_("适用部门"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("日历条目")
        verbose_name_plural = _("日历条目")
        ordering = ["date", "id"]
        constraints = [
            # One global entry per date and source: official and provisional may both exist
            # (the provisional one is ignored once the year has official entries).
            models.UniqueConstraint(
                fields=["date", "source"],
                condition=Q(grid__isnull=True, department__isnull=True),
                name="workcal_entry_global_unique",
            ),
            models.UniqueConstraint(
                fields=["date", "grid"],
                condition=Q(grid__isnull=False, department__isnull=True),
                name="workcal_entry_grid_unique",
            ),
            models.UniqueConstraint(
                fields=["date", "department"],
                condition=Q(department__isnull=False),
                name="workcal_entry_department_unique",
            ),
            # A scoped entry is always a local rule; the national schedule has no scope.
            models.CheckConstraint(
                name="workcal_entry_scope_is_local",
                condition=Q(grid__isnull=True, department__isnull=True) | Q(source="local"),
            ),
            models.CheckConstraint(
                name="workcal_entry_kind_valid",
                condition=Q(kind__in=[k.value for k in DayKind]),
            ),
            models.CheckConstraint(
                name="workcal_entry_source_valid",
                condition=Q(source__in=[s.value for s in EntrySource]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()

    @property
    def is_working(self) -> bool:
        return self.kind in WORKING_KINDS

    def clean(self) -> None:
        if (self.grid_id or self.department_id) and self.source != EntrySource.LOCAL:
            raise ValidationError({"source": _("限定网格或部门的条目只能是“本地规定”。")})


_SESSION_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_MMDD_RE = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


def parse_sessions(value: object) -> tuple[tuple[time, time], ...]:
    """[["08:30", "12:00"], ["14:00", "17:30"]] → ordered, non-overlapping (start, end) pairs."""
    if not isinstance(value, list) or not value:
        raise ValidationError(_('工作时段至少一段，格式如 [["08:30", "12:00"]]。'))
    sessions: list[tuple[time, time]] = []
    for item in value:
        if (
            not isinstance(item, list | tuple)
            or len(item) != 2
            or not all(isinstance(x, str) and _SESSION_RE.match(x) for x in item)
        ):
            raise ValidationError(_('工作时段格式应为 ["HH:MM", "HH:MM"]：%(v)s') % {"v": item})
        start, end = (time.fromisoformat(x) for x in item)
        if start >= end:
            raise ValidationError(_("工作时段开始须早于结束：%(v)s") % {"v": item})
        if sessions and start < sessions[-1][1]:
            raise ValidationError(_("工作时段须按时间先后排列且不重叠。"))
        sessions.append((start, end))
    return tuple(sessions)


class HoursProfile(models.Model):
    """Working hours of a unit: sessions per working day, optionally different in summer.

    `summer_from`/`summer_to` are "MM-DD" bounds (inclusive); when both are set, dates inside
    use `summer_sessions`. The profile marked default is used wherever no other is named.
    """

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    is_default = models.BooleanField(_("默认"), default=False)
    sessions = models.JSONField(
        _("工作时段"), help_text=_('如 [["08:30", "12:00"], ["14:00", "17:30"]]')
    )
    summer_sessions = models.JSONField(_("夏令时段"), default=list, blank=True)
    summer_from = models.CharField(_("夏令开始（MM-DD）"), max_length=5, blank=True)
    summer_to = models.CharField(_("夏令结束（MM-DD）"), max_length=5, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("作息时间")
        verbose_name_plural = _("作息时间")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="workcal_one_default"
            ),
            models.CheckConstraint(
                name="workcal_summer_bounds_together",
                condition=(Q(summer_from="") & Q(summer_to=""))
                | (~Q(summer_from="") & ~Q(summer_to="")),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, object] = {}
        try:
            parse_sessions(self.sessions)
        except ValidationError as exc:
            errors["sessions"] = exc.messages
        if self.summer_from or self.summer_to:
            for field in ("summer_from", "summer_to"):
                if not _MMDD_RE.match(getattr(self, field) or ""):
                    errors[field] = [_("格式应为 MM-DD，如 05-01。")]
            try:
                parse_sessions(self.summer_sessions)
            except ValidationError as exc:
                errors["summer_sessions"] = exc.messages
        if errors:
            raise ValidationError(errors)


class CalendarVersion(VersionStamp):
    """Bumped in the same transaction as any calendar change; processes rebuild when it moves."""

    class Meta:
        verbose_name = _("日历版本")
        verbose_name_plural = _("日历版本")
        constraints = [models.CheckConstraint(name="workcal_version_singleton", condition=Q(id=1))]
