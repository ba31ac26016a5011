"""The calendar as data: seeding, local overrides, hours profiles, the version stamp."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from wangge.workcal.calendar import (
    SHANGHAI,
    TimeUnit,
    build_calendar,
    calendar_cache,
    deadline_add,
    get_calendar,
    is_working_day,
)
from wangge.workcal.models import CalendarEntry, DayKind, EntrySource, HoursProfile
from wangge.workcal.rules import package_schedule, provisional_holidays, qingming
from wangge.workcal.services import (
    calendar_changed,
    calendar_seed_official,
    calendar_seed_provisional,
)

pytestmark = pytest.mark.django_db


def at(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def test_official_schedule_is_seeded_for_every_known_year():
    days, years = package_schedule()
    assert min(years) == 2004 and max(years) >= 2026
    official = CalendarEntry.objects.filter(source=EntrySource.OFFICIAL)
    assert official.count() == len(days)
    assert {d.year for d in official.values_list("date", flat=True)} == set(years)
    sat = official.get(date=date(2026, 2, 14))
    assert (sat.kind, sat.name) == (DayKind.ADJUSTED_WORKDAY, "春节")
    # Idempotent: seeding again adds nothing.
    assert calendar_seed_official().created == 0
    call_command("workcal_seed", verbosity=0)
    assert CalendarEntry.objects.filter(source=EntrySource.OFFICIAL).count() == len(days)


def test_provisional_seed_then_official_entries_replace_it():
    result = calendar_seed_provisional(years={2026, 2027})
    assert result.years == (2027,)  # 2026 is official already
    assert CalendarEntry.objects.filter(source=EntrySource.PROVISIONAL).count() == len(
        provisional_holidays(2027)
    )
    assert calendar_seed_provisional(years={2027}).created == 0
    assert not is_working_day(date(2027, 2, 12))  # predicted 初七
    assert get_calendar().source_of_year(2027) == "provisional"
    # The State Council publishes 2027: say 初七 is a working day, and Saturday Feb 20 too.
    CalendarEntry.objects.create(date=date(2027, 2, 6), kind=DayKind.HOLIDAY, name="春节")
    CalendarEntry.objects.create(date=date(2027, 2, 20), kind=DayKind.ADJUSTED_WORKDAY, name="春节")
    calendar_changed()
    cal = get_calendar()
    assert cal.source_of_year(2027) == "official"
    assert cal.is_working_day(date(2027, 2, 12))  # the guess no longer counts
    assert cal.is_working_day(date(2027, 2, 20))
    assert not cal.is_working_day(date(2027, 2, 6))


def test_provisional_rule_shapes():
    days = provisional_holidays(2030)
    assert date(2030, 1, 1) in days
    assert all(date(2030, 5, d) in days for d in range(1, 6))
    assert all(date(2030, 10, d) in days for d in range(1, 8))
    assert next(d for d, n in days.items() if n == "春节").month in (1, 2)
    # 2025: Mid-Autumn fell on Oct 6, inside the National Day week, which grew to Oct 8.
    assert date(2025, 10, 8) in provisional_holidays(2025)
    assert [qingming(y).day for y in (2024, 2025, 2026, 2027, 2028)] == [4, 4, 5, 5, 4]
    # Outside lunardate's range the solar holidays still work.
    assert date(2150, 10, 1) in provisional_holidays(2150)


def test_local_entries_by_grid_subtree_and_department(county, departments):
    community_a = county["350427001001"]
    grid_a = county["350427001001001001"]
    grid_b = county["350427001002001001"]
    dept = departments["chengguan"]
    # 怡园社区 closes for a typhoon on Tuesday 2026-03-10; 城管 works Saturday 2026-03-14.
    CalendarEntry.objects.create(
        date=date(2026, 3, 10),
        kind=DayKind.LOCAL_CLOSURE,
        source=EntrySource.LOCAL,
        grid=community_a,
        name="台风停工",
    )
    CalendarEntry.objects.create(
        date=date(2026, 3, 14),
        kind=DayKind.LOCAL_WORKDAY,
        source=EntrySource.LOCAL,
        department=dept,
        name="集中整治",
    )
    calendar_changed()
    in_a = get_calendar(grid_path=grid_a.path)
    in_b = get_calendar(grid_path=grid_b.path)
    assert not in_a.is_working_day(date(2026, 3, 10))
    assert in_b.is_working_day(date(2026, 3, 10))
    assert get_calendar().is_working_day(date(2026, 3, 10))
    start = at(2026, 3, 9, 17, 0)
    assert deadline_add(start, 1, TimeUnit.WORKING_HOURS, calendar=in_a) == at(2026, 3, 11, 9, 0)
    assert deadline_add(start, 1, TimeUnit.WORKING_HOURS, calendar=in_b) == at(2026, 3, 10, 9, 0)
    unit = get_calendar(department_id=dept.id)
    assert unit.is_working_day(date(2026, 3, 14))
    assert not get_calendar().is_working_day(date(2026, 3, 14))


def test_scoped_entries_must_be_local(county):
    entry = CalendarEntry(
        date=date(2026, 3, 10),
        kind=DayKind.LOCAL_CLOSURE,
        source=EntrySource.OFFICIAL,
        grid=county["350427001001"],
    )
    with pytest.raises(ValidationError):
        entry.full_clean()


def test_hours_profiles_default_other_and_summer():
    assert get_calendar().hours.sessions == ((time(8, 30), time(12)), (time(14), time(17, 30)))
    nine = get_calendar(hours="nine-to-five")
    assert deadline_add(at(2026, 3, 10, 16), 2, "working_hours", calendar=nine) == at(
        2026, 3, 11, 10
    )
    seasonal = get_calendar(hours="seasonal")
    # Summer afternoon runs 14:30–18:00; winter 14:00–17:30.
    assert seasonal.close_of(date(2026, 7, 1)).time() == time(18)
    assert seasonal.close_of(date(2026, 11, 2)).time() == time(17, 30)
    assert deadline_add(at(2026, 7, 1, 12, 0), 1, "working_hours", calendar=seasonal) == at(
        2026, 7, 1, 15, 30
    )
    # An unknown profile falls back to the default instead of failing a deadline.
    assert get_calendar(hours="no-such").hours == get_calendar().hours


def test_hours_profile_validation():
    bad = [
        [],
        [["8:30", "12:00"]],
        [["12:00", "08:30"]],
        [["08:30", "12:00"], ["11:00", "17:30"]],
        "08:30-12:00",
    ]
    for sessions in bad:
        profile = HoursProfile(code="x", name="x", sessions=sessions)
        with pytest.raises(ValidationError):
            profile.full_clean()
    profile = HoursProfile(
        code="x",
        name="x",
        sessions=[["09:00", "17:00"]],
        summer_sessions=[["08:00", "16:00"]],
        summer_from="13-01",
        summer_to="09-30",
    )
    with pytest.raises(ValidationError):
        profile.full_clean()


def test_version_stamp_rebuilds_other_processes(settings):
    settings.WORKCAL_CHECK_SECONDS = 0
    before = get_calendar()
    assert before.is_working_day(date(2026, 3, 10))
    # Another process writes an entry and bumps the version (without touching our cache).
    CalendarEntry.objects.create(
        date=date(2026, 3, 10), kind=DayKind.LOCAL_CLOSURE, source=EntrySource.LOCAL
    )
    from django.db.models import F

    from wangge.workcal.models import CalendarVersion

    CalendarVersion.objects.update(version=F("version") + 1)
    after = get_calendar()
    assert after is not before and after.version == before.version + 1
    assert not after.is_working_day(date(2026, 3, 10))
    assert get_calendar() is after  # cached until the stamp moves again


def test_cache_is_checked_only_every_interval(settings):
    settings.WORKCAL_CHECK_SECONDS = 3600
    first = get_calendar()
    CalendarEntry.objects.create(
        date=date(2026, 3, 10), kind=DayKind.LOCAL_CLOSURE, source=EntrySource.LOCAL
    )
    assert get_calendar() is first  # no query until the interval passes
    calendar_changed()  # a change made by this process is seen at once
    assert not get_calendar().is_working_day(date(2026, 3, 10))
    assert calendar_cache.get() is get_calendar()


def test_empty_database_still_knows_the_schedule():
    # After a test database flush the seeded rows are gone: the package still answers.
    CalendarEntry.objects.all().delete()
    HoursProfile.objects.all().delete()
    cal = build_calendar()
    assert not cal.is_working_day(date(2026, 2, 16))
    assert cal.is_working_day(date(2026, 2, 14))
    assert cal.close_of(date(2026, 3, 10)).time() == time(17, 30)
