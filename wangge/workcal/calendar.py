"""Deadlines in working time: pure functions over a `WorkCalendar` snapshot.

All computation happens in Asia/Shanghai wall-clock time (China has no daylight saving since
1991, so a day is always 24 hours). Inputs must be aware datetimes; outputs are aware, in
Asia/Shanghai.

What the units mean (see docs/worker.md):
- working_hours: time counted only inside the working sessions of working days (08:30–12:00
  and 14:00–17:30 by default). A deadline that uses up a session exactly ends at that
  session's close (17:30), not at the next morning's opening.
- working_days: the day the clock starts is not counted (民法典 第二百零一条: 开始的当日不计入);
  the deadline is the close of business (end of the last session) of the Nth working day after
  it (第二百零三条: 有业务时间的，停止业务活动的时间为截止时间). Fractions round up to whole days;
  0 means the close of the start day (or of the next working day when that one is not).
- natural_minutes / natural_hours / natural_days: plain elapsed time, 24×7 (urgent matters).

The national schedule for a year comes from, in order: the official entries in the database;
the `chinesecalendar` package for the years it knows; the provisional rule (wangge.workcal.rules).
So no date, in any year, can make a deadline computation fail.
"""

from __future__ import annotations

import logging
import math
import threading
import time as monotonic_time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.workcal.rules import package_schedule, provisional_holidays

logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# No real deadline spans more than a few years; the bound only stops a runaway loop.
MAX_SCAN_DAYS = 366 * 20
DEFAULT_SESSIONS: tuple[tuple[time, time], ...] = (
    (time(8, 30), time(12, 0)),
    (time(14, 0), time(17, 30)),
)


class TimeUnit(models.TextChoices):
    WORKING_HOURS = "working_hours", _("工作小时")
    WORKING_DAYS = "working_days", _("工作日")
    NATURAL_MINUTES = "natural_minutes", _("自然分钟")
    NATURAL_HOURS = "natural_hours", _("自然小时")
    NATURAL_DAYS = "natural_days", _("自然日")


Sessions = tuple[tuple[time, time], ...]


@dataclass(frozen=True)
class DayInfo:
    date: date
    working: bool
    source: str  # "official", "provisional" or "local"
    name: str


@dataclass(frozen=True)
class HoursSpec:
    """Working sessions of a day; `summer` applies between two (month, day) bounds inclusive."""

    sessions: Sessions = DEFAULT_SESSIONS
    summer_sessions: Sessions = ()
    summer_from: tuple[int, int] | None = None
    summer_to: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if not self.sessions:
            raise ValueError("a working day needs at least one session")

    def sessions_on(self, d: date) -> Sessions:
        if self.summer_sessions and self.summer_from and self.summer_to:
            md = (d.month, d.day)
            lo, hi = self.summer_from, self.summer_to
            inside = lo <= md <= hi if lo <= hi else (md >= lo or md <= hi)
            if inside:
                return self.summer_sessions
        return self.sessions


@dataclass
class WorkCalendar:
    """An immutable-by-convention snapshot of the calendar for one scope and hours profile.

    `official`, `provisional` and `local` map a date to True (working) or False (rest). A year
    present in `official` uses only official entries; otherwise the package's schedule when it
    knows the year; otherwise provisional entries when some exist for that year; otherwise the
    computed rule. `local` entries override all of these.
    """

    official: Mapping[date, bool] = field(default_factory=dict)
    provisional: Mapping[date, bool] = field(default_factory=dict)
    local: Mapping[date, bool] = field(default_factory=dict)
    hours: HoursSpec = field(default_factory=HoursSpec)
    use_package: bool = True
    version: int = 0
    # Display names ("春节", "台风停工") of the database entries, for listings only.
    names: Mapping[date, str] = field(default_factory=dict)
    local_names: Mapping[date, str] = field(default_factory=dict)
    _year_cache: dict[int, tuple[str, Mapping[date, bool]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._official_years = frozenset(d.year for d in self.official)
        self._provisional_years = frozenset(d.year for d in self.provisional)

    def _year(self, year: int) -> tuple[str, Mapping[date, bool]]:
        cached = self._year_cache.get(year)
        if cached is not None:
            return cached
        if year in self._official_years:
            result = ("official", self.official)
        else:
            pkg_days, pkg_years = package_schedule() if self.use_package else ({}, frozenset())
            if year in pkg_years:
                result = ("official", {d: w for d, (w, _n) in pkg_days.items() if d.year == year})
            elif year in self._provisional_years:
                result = ("provisional", self.provisional)
            else:
                result = ("provisional", dict.fromkeys(provisional_holidays(year), False))
        self._year_cache[year] = result
        return result

    def source_of_year(self, year: int) -> str:
        """ "official" or "provisional": whether deadlines in that year rest on a guess."""
        return self._year(year)[0]

    def is_working_day(self, d: date) -> bool:
        if d in self.local:
            return self.local[d]
        days = self._year(d.year)[1]
        if d in days:
            return days[d]
        return d.weekday() < 5

    def sessions_on(self, d: date) -> Sessions:
        return self.hours.sessions_on(d) if self.is_working_day(d) else ()

    def describe(self, d: date) -> DayInfo:
        """Whether `d` is a working day, by which source, under which name."""
        if d in self.local:
            return DayInfo(d, self.local[d], "local", self.local_names.get(d, ""))
        source, days = self._year(d.year)
        if d not in days:
            return DayInfo(d, d.weekday() < 5, source, "")
        name = self.names.get(d, "")
        if not name:
            pkg_days, _years = package_schedule()
            name = pkg_days.get(d, (False, ""))[1] or provisional_holidays(d.year).get(d, "")
        return DayInfo(d, days[d], source, name)

    def close_of(self, d: date) -> datetime:
        """Close of business of a working day (end of its last session)."""
        return datetime.combine(d, self.hours.sessions_on(d)[-1][1], tzinfo=SHANGHAI)

    def next_working_day(self, d: date) -> date:
        for _i in range(MAX_SCAN_DAYS):
            d += timedelta(days=1)
            if self.is_working_day(d):
                return d
        raise ValueError("no working day within the scan bound")


# --- the pure functions ------------------------------------------------------------------------


def _local(dt: datetime, name: str) -> datetime:
    if not isinstance(dt, datetime) or dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return dt.astimezone(SHANGHAI)


def _check_amount(amount: float) -> float:
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        raise TypeError("amount must be a number")
    if not math.isfinite(amount) or amount < 0:
        raise ValueError("amount must be a finite number >= 0")
    return amount


def _add_working_seconds(cal: WorkCalendar, start: datetime, seconds: float) -> datetime:
    if seconds == 0:
        return start
    remaining = seconds
    d = start.date()
    cursor = start
    for _i in range(MAX_SCAN_DAYS):
        for s, e in cal.sessions_on(d):
            s_dt = datetime.combine(d, s, tzinfo=SHANGHAI)
            e_dt = datetime.combine(d, e, tzinfo=SHANGHAI)
            if e_dt <= cursor:
                continue
            begin = max(s_dt, cursor)
            available = (e_dt - begin).total_seconds()
            if remaining <= available:
                return begin + timedelta(seconds=remaining)
            remaining -= available
        d += timedelta(days=1)
        cursor = datetime.combine(d, time(0), tzinfo=SHANGHAI)
    raise ValueError("deadline beyond the scan bound")


def deadline_add(
    start: datetime,
    amount: int | float,
    unit: TimeUnit | str,
    *,
    calendar: WorkCalendar | None = None,
) -> datetime:
    """The moment `amount` `unit`s after `start` (see the module docstring for the rules)."""
    unit = TimeUnit(unit)
    amount = _check_amount(amount)
    start = _local(start, "start")
    natural = {
        TimeUnit.NATURAL_MINUTES: "minutes",
        TimeUnit.NATURAL_HOURS: "hours",
        TimeUnit.NATURAL_DAYS: "days",
    }.get(unit)
    if natural is not None:
        try:
            return start + timedelta(**{natural: amount})
        except OverflowError as exc:
            raise ValueError("deadline beyond the representable range") from exc
    cal = calendar if calendar is not None else get_calendar()
    if unit == TimeUnit.WORKING_HOURS:
        return _add_working_seconds(cal, start, amount * 3600)
    # WORKING_DAYS
    n = math.ceil(amount)
    d = start.date()
    if n == 0:
        if cal.is_working_day(d) and start < cal.close_of(d):
            return cal.close_of(d)
        return cal.close_of(cal.next_working_day(d))
    for _i in range(n):
        d = cal.next_working_day(d)
    return cal.close_of(d)


def working_seconds_between(
    start: datetime, end: datetime, *, calendar: WorkCalendar | None = None
) -> float:
    """Working seconds from `start` to `end` (negative when `end` is earlier)."""
    start = _local(start, "start")
    end = _local(end, "end")
    if end < start:
        return -working_seconds_between(end, start, calendar=calendar)
    cal = calendar if calendar is not None else get_calendar()
    total = 0.0
    d = start.date()
    last = end.date()
    while d <= last:
        for s, e in cal.sessions_on(d):
            s_dt = max(datetime.combine(d, s, tzinfo=SHANGHAI), start)
            e_dt = min(datetime.combine(d, e, tzinfo=SHANGHAI), end)
            if e_dt > s_dt:
                total += (e_dt - s_dt).total_seconds()
        d += timedelta(days=1)
    return total


def is_working_day(d: date | datetime, *, calendar: WorkCalendar | None = None) -> bool:
    """Whether a date (or the Shanghai date of an aware datetime) is a working day."""
    if isinstance(d, datetime):
        d = _local(d, "d").date()
    cal = calendar if calendar is not None else get_calendar()
    return cal.is_working_day(d)


# --- building calendars from the database --------------------------------------------------


def hours_from_profile(
    sessions: object, summer_sessions: object = (), summer_from: str = "", summer_to: str = ""
) -> HoursSpec:
    from wangge.workcal.models import parse_sessions

    def md(value: str) -> tuple[int, int] | None:
        if not value:
            return None
        m, d = value.split("-")
        return int(m), int(d)

    if isinstance(summer_sessions, tuple):
        summer_sessions = list(summer_sessions)
    summer = parse_sessions(summer_sessions) if summer_sessions else ()
    return HoursSpec(
        sessions=parse_sessions(sessions),
        summer_sessions=summer,
        summer_from=md(summer_from) if summer else None,
        summer_to=md(summer_to) if summer else None,
    )


def _settings_hours() -> HoursSpec:
    configured = getattr(settings, "WORKCAL_DEFAULT_SESSIONS", None)
    return hours_from_profile(configured) if configured else HoursSpec()


def build_calendar(
    *, hours: str | None = None, grid_path: str | None = None, department_id: int | None = None
) -> WorkCalendar:
    """Read the entries and hours profile for one scope into a fresh `WorkCalendar`."""
    from wangge.workcal.models import CalendarEntry, CalendarVersion, EntrySource, HoursProfile

    version = CalendarVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0
    official: dict[date, bool] = {}
    provisional: dict[date, bool] = {}
    # (rank, date, working): a higher rank wins — deployment-wide, then deeper grids, then unit.
    local_rows: list[tuple[int, date, bool, str]] = []
    rows = CalendarEntry.objects.filter(grid__isnull=True, department__isnull=True)
    names: dict[date, str] = {}
    for d, kind, source, name in rows.values_list("date", "kind", "source", "name"):
        working = _is_working_kind(kind)
        if source == EntrySource.OFFICIAL:
            official[d] = working
            names[d] = name
        elif source == EntrySource.PROVISIONAL:
            provisional[d] = working
            names.setdefault(d, name)
        else:
            local_rows.append((0, d, working, name))
    if grid_path:
        scoped = CalendarEntry.objects.filter(grid__isnull=False, department__isnull=True)
        for d, kind, name, path in scoped.values_list("date", "kind", "name", "grid__path"):
            if grid_path.startswith(path):
                # A deeper grid's rule wins over its ancestors'.
                local_rows.append((len(path), d, _is_working_kind(kind), name))
    if department_id is not None:
        by_unit = CalendarEntry.objects.filter(department_id=department_id)
        for d, kind, name in by_unit.values_list("date", "kind", "name"):
            local_rows.append((10_000, d, _is_working_kind(kind), name))
    local_rows.sort(key=lambda r: r[0])
    local = {d: working for _rank, d, working, _name in local_rows}
    local_names = {d: name for _rank, d, _working, name in local_rows}

    profiles = HoursProfile.objects.all()
    profile = profiles.filter(code=hours).first() if hours else None
    if hours and profile is None:
        logger.warning("unknown working-hours profile %r: using the default", hours)
    if profile is None:
        profile = profiles.filter(is_default=True).first()
    spec = _settings_hours()
    if profile is not None:
        try:
            spec = hours_from_profile(
                profile.sessions, profile.summer_sessions, profile.summer_from, profile.summer_to
            )
        except (ValidationError, ValueError):
            # A profile broken outside the admin's validation must not stop deadlines.
            logger.error("working-hours profile %r is invalid: using the default", profile.code)
    return WorkCalendar(
        official=official,
        provisional=provisional,
        local=local,
        hours=spec,
        version=version,
        names=names,
        local_names=local_names,
    )


def _is_working_kind(kind: str) -> bool:
    from wangge.workcal.models import WORKING_KINDS

    return kind in WORKING_KINDS


class CalendarCache:
    """Per-process calendars, rebuilt when the database version stamp moves.

    The stamp is read at most every WORKCAL_CHECK_SECONDS (and at once after `invalidate`, which
    the services call after a change this process made), as the grid locator does.
    """

    def __init__(self) -> None:
        self._calendars: dict[tuple, WorkCalendar] = {}
        self._version: int | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        with self._lock:
            self._calendars = {}
            self._version = None

    def get(
        self,
        *,
        hours: str | None = None,
        grid_path: str | None = None,
        department_id: int | None = None,
    ) -> WorkCalendar:
        from wangge.workcal.models import CalendarVersion

        key = (hours, grid_path, department_id)
        now = monotonic_time.monotonic()
        interval = float(getattr(settings, "WORKCAL_CHECK_SECONDS", 2.0))
        with self._lock:
            if self._version is None or now - self._checked_at >= interval:
                version = (
                    CalendarVersion.objects.filter(pk=1).values_list("version", flat=True).first()
                    or 0
                )
                self._checked_at = now
                if version != self._version:
                    self._calendars = {}
                    self._version = version
            cal = self._calendars.get(key)
        if cal is None:
            cal = build_calendar(hours=hours, grid_path=grid_path, department_id=department_id)
            with self._lock:
                self._calendars[key] = cal
        return cal


calendar_cache = CalendarCache()


def get_calendar(
    *, hours: str | None = None, grid_path: str | None = None, department_id: int | None = None
) -> WorkCalendar:
    """The cached calendar for a scope: an hours profile code, a grid path, a department."""
    return calendar_cache.get(hours=hours, grid_path=grid_path, department_id=department_id)


def year_sources(years: Iterable[int], *, calendar: WorkCalendar | None = None) -> dict[int, str]:
    """{year: "official" | "provisional"} — for the admin and for warnings on deadlines."""
    cal = calendar if calendar is not None else get_calendar()
    return {y: cal.source_of_year(y) for y in years}
