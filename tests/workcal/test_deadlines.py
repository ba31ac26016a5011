"""Deadlines across the Spring Festival week, National Day, the year end and the lunch gap.

2026 official schedule (State Council): Spring Festival off Feb 15 (Sun) – Feb 23 (Mon), with
Saturday Feb 14 and Saturday Feb 28 as 调休 working days; National Day off Oct 1–7, with
Sunday Sep 20 and Saturday Oct 10 as working days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from wangge.workcal.calendar import (
    SHANGHAI,
    HoursSpec,
    TimeUnit,
    WorkCalendar,
    deadline_add,
    get_calendar,
    is_working_day,
    working_seconds_between,
)

pytestmark = pytest.mark.django_db


def at(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def test_spring_festival_days_and_adjusted_saturdays():
    assert is_working_day(date(2026, 2, 13))  # Friday before
    assert is_working_day(date(2026, 2, 14))  # 调休 Saturday
    for day in range(15, 24):
        assert not is_working_day(date(2026, 2, day)), day
    assert is_working_day(date(2026, 2, 24))
    assert is_working_day(date(2026, 2, 28))  # 调休 Saturday
    assert not is_working_day(date(2026, 3, 1))  # ordinary Sunday


def test_working_days_jump_the_spring_festival():
    # Received Thursday Feb 12: day 1 = Fri 13, day 2 = Sat 14 (调休), day 3 = Tue 24.
    start = at(2026, 2, 12, 10, 15)
    assert deadline_add(start, 1, TimeUnit.WORKING_DAYS) == at(2026, 2, 13, 17, 30)
    assert deadline_add(start, 2, TimeUnit.WORKING_DAYS) == at(2026, 2, 14, 17, 30)
    assert deadline_add(start, 3, "working_days") == at(2026, 2, 24, 17, 30)
    # Five working days from a report made on the holiday's first day.
    assert deadline_add(at(2026, 2, 15, 9), 5, TimeUnit.WORKING_DAYS) == at(2026, 2, 28, 17, 30)


def test_working_hours_use_the_adjusted_saturday_and_skip_the_holiday():
    start = at(2026, 2, 13, 16, 0)  # 1.5 h left on Friday
    assert deadline_add(start, 3, TimeUnit.WORKING_HOURS) == at(2026, 2, 14, 10, 0)
    # Saturday has 7 h; 1.5 + 7 = 8.5 used, the remaining 1.5 h fall on Tuesday Feb 24.
    assert deadline_add(start, 10, TimeUnit.WORKING_HOURS) == at(2026, 2, 24, 10, 0)
    assert working_seconds_between(start, at(2026, 2, 24, 10, 0)) == 10 * 3600


def test_national_day_week():
    start = at(2026, 9, 30, 15, 0)  # Wednesday, 2.5 h left
    assert deadline_add(start, 4, TimeUnit.WORKING_HOURS) == at(2026, 10, 8, 10, 0)
    assert deadline_add(start, 1, TimeUnit.WORKING_DAYS) == at(2026, 10, 8, 17, 30)
    assert deadline_add(start, 3, TimeUnit.WORKING_DAYS) == at(2026, 10, 10, 17, 30)  # 调休 Sat
    assert is_working_day(date(2026, 9, 20))  # 调休 Sunday


def test_deadline_from_late_december_reaches_into_2027_on_the_provisional_rule():
    cal = get_calendar()
    assert cal.source_of_year(2026) == "official"
    assert cal.source_of_year(2027) == "provisional"
    start = at(2026, 12, 30, 10, 0)  # Wednesday
    # Day 1 = Thu Dec 31; Jan 1 2027 (Fri) is 元旦; the weekend; day 2 = Mon Jan 4.
    assert deadline_add(start, 2, TimeUnit.WORKING_DAYS) == at(2027, 1, 4, 17, 30)
    # 2027 Spring Festival: 除夕 Feb 5 to 初七 Feb 12 are predicted rest days.
    assert not is_working_day(date(2027, 2, 5))
    assert not is_working_day(date(2027, 2, 12))
    assert deadline_add(at(2027, 2, 4, 17, 0), 1, TimeUnit.WORKING_HOURS) == at(2027, 2, 15, 9, 0)


@pytest.mark.parametrize("year", [2027, 2035, 2099, 2100, 2150])
def test_any_year_computes(year):
    start = at(year, 12, 28, 9, 0)
    result = deadline_add(start, 15, TimeUnit.WORKING_DAYS)
    assert result > start
    assert result.tzinfo is not None


def test_lunch_gap_is_not_working_time():
    start = at(2026, 3, 10, 11, 0)  # Tuesday
    assert deadline_add(start, 2, TimeUnit.WORKING_HOURS) == at(2026, 3, 10, 15, 0)
    # Exactly using up the morning ends at 12:00, not at 14:00.
    assert deadline_add(start, 1, TimeUnit.WORKING_HOURS) == at(2026, 3, 10, 12, 0)
    # Started during lunch: the clock starts at 14:00.
    assert deadline_add(at(2026, 3, 10, 12, 30), 0.5, "working_hours") == at(2026, 3, 10, 14, 30)
    assert working_seconds_between(at(2026, 3, 10, 11, 30), at(2026, 3, 10, 14, 30)) == 3600
    # Used up at 17:30 exactly: the deadline is 17:30 that day, not the next morning.
    assert deadline_add(at(2026, 3, 10, 16, 0), 1.5, "working_hours") == at(2026, 3, 10, 17, 30)


def test_urgent_natural_minutes_at_night():
    start = at(2026, 2, 16, 23, 50)  # a holiday night
    assert deadline_add(start, 30, TimeUnit.NATURAL_MINUTES) == at(2026, 2, 17, 0, 20)
    assert deadline_add(start, 2, TimeUnit.NATURAL_HOURS) == at(2026, 2, 17, 1, 50)
    assert deadline_add(start, 1, TimeUnit.NATURAL_DAYS) == at(2026, 2, 17, 23, 50)


def test_aware_in_aware_out_in_shanghai():
    utc_start = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    result = deadline_add(utc_start, 1, TimeUnit.WORKING_HOURS)
    assert result == at(2026, 3, 10, 10, 0)
    assert result.tzinfo == SHANGHAI


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        deadline_add(datetime(2026, 3, 10, 9, 0), 1, TimeUnit.WORKING_HOURS)  # naive
    with pytest.raises(ValueError):
        deadline_add(at(2026, 3, 10), -1, TimeUnit.WORKING_HOURS)
    with pytest.raises(ValueError):
        deadline_add(at(2026, 3, 10), 1, "fortnights")
    with pytest.raises(ValueError):
        deadline_add(at(2026, 3, 10), float("nan"), TimeUnit.NATURAL_DAYS)
    with pytest.raises(ValueError):
        deadline_add(at(2026, 3, 10), 1e12, TimeUnit.NATURAL_DAYS)
    with pytest.raises(TypeError):
        deadline_add(at(2026, 3, 10), "3", TimeUnit.NATURAL_DAYS)


def test_working_days_edge_cases():
    # Zero days: the close of the start day, or of the next working day when it is not one.
    assert deadline_add(at(2026, 3, 10, 9), 0, "working_days") == at(2026, 3, 10, 17, 30)
    assert deadline_add(at(2026, 3, 10, 18), 0, "working_days") == at(2026, 3, 11, 17, 30)
    assert deadline_add(at(2026, 3, 14, 9), 0, "working_days") == at(2026, 3, 16, 17, 30)
    # A fraction rounds up.
    assert deadline_add(at(2026, 3, 10, 9), 1.5, "working_days") == at(2026, 3, 12, 17, 30)


def test_pure_calendar_with_frozen_time_and_custom_hours():
    cal = WorkCalendar(
        hours=HoursSpec(sessions=((time(9), time(17)),)),
        use_package=False,
    )
    with time_machine.travel(at(2026, 3, 10, 16, 0), tick=False):
        from django.utils import timezone

        now = timezone.now()
        assert deadline_add(now, 2, TimeUnit.WORKING_HOURS, calendar=cal) == at(2026, 3, 11, 10)
        assert deadline_add(now, 8, TimeUnit.WORKING_HOURS, calendar=cal) == at(2026, 3, 11, 16)


def test_negative_interval_is_negative():
    a, b = at(2026, 3, 10, 9), at(2026, 3, 10, 10)
    assert working_seconds_between(b, a) == -3600
    assert working_seconds_between(a, a + timedelta(days=7)) == 5 * 7 * 3600
