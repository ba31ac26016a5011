"""Where the national schedule comes from when nobody has entered it.

1. The `chinesecalendar` package (import name `chinese_calendar`) for the years it knows
   (2004–2026 in 1.11): the State Council schedule, holidays and 调休 working days.
2. For any other year, a provisional rule computed here: weekends plus the fixed-date holidays
   and the lunar ones (from `lunardate`). It never predicts 调休 working Saturdays, so it can
   only over-count rest days: a provisional deadline may come out a little later than the
   official one, never earlier, and nobody is marked overdue because of a guess.

Spans chosen for the provisional rule (they follow the schedules of recent years):
- 元旦 Jan 1 (1 day);
- 春节 除夕 to 初七 (8 days, the shape of the 2025 schedule after 除夕 became statutory);
- 清明 the Qingming solar-term day (Apr 4 or 5);
- 劳动节 May 1–5;
- 端午 lunar 5/5; 中秋 lunar 8/15;
- 国庆 Oct 1–7, plus Oct 8 when 中秋 falls inside Oct 1–7 (as in 2020 and 2025).
A one-day festival (元旦, 清明, 端午, 中秋) that falls on a weekend gives the next Monday off
(补休), as the schedule does.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from lunardate import LunarDate

# The package names holidays in English; the calendar shows the Chinese names people use.
PACKAGE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@lru_cache(maxsize=1)
def package_schedule() -> tuple[dict[date, tuple[bool, str]], frozenset[int]]:
    """{date: (is_working, Chinese name)} from the package, and the years it covers."""
    from chinese_calendar import constants

    days: dict[date, tuple[bool, str]] = {}
    for d, name in constants.holidays.items():
        days[d] = (False, PACKAGE_NAMES.get(str(name), str(name)))
    for d, name in constants.workdays.items():
        days[d] = (True, PACKAGE_NAMES.get(str(name), str(name)))
    years = frozenset(range(min(days).year, max(days).year + 1)) if days else frozenset()
    return days, years


def qingming(year: int) -> date:
    """The Qingming solar term (Apr 4 or 5) by the 寿星 formula, exact for 1901–2099."""
    y = year % 100
    c = 4.81 if year >= 2000 else 5.59
    day = int(y * 0.2422 + c) - y // 4
    return date(year, 4, day)


def _lunar(year: int, month: int, day: int) -> date | None:
    try:
        return LunarDate(year, month, day).to_solar_date()
    except (ValueError, IndexError, KeyError):
        # lunardate covers 1900–2099; beyond it only the solar-date holidays are predicted.
        return None


def _with_monday(d: date) -> list[date]:
    if d.weekday() == 5:
        return [d, d + timedelta(days=2)]
    if d.weekday() == 6:
        return [d, d + timedelta(days=1)]
    return [d]


@lru_cache(maxsize=64)
def provisional_holidays(year: int) -> dict[date, str]:
    """Rest days (beyond weekends) predicted for a year without an official schedule."""
    out: dict[date, str] = {}

    def add(days: list[date], name: str) -> None:
        for d in days:
            out.setdefault(d, name)

    add(_with_monday(date(year, 1, 1)), "元旦")
    new_year = _lunar(year, 1, 1)
    if new_year is not None:
        eve = new_year - timedelta(days=1)
        add([eve + timedelta(days=i) for i in range(8)], "春节")
    if 1900 < year < 2100:
        add(_with_monday(qingming(year)), "清明节")
    add([date(year, 5, i) for i in range(1, 6)], "劳动节")
    dragon = _lunar(year, 5, 5)
    if dragon is not None:
        add(_with_monday(dragon), "端午节")
    national = [date(year, 10, i) for i in range(1, 8)]
    mid_autumn = _lunar(year, 8, 15)
    if mid_autumn is not None:
        if mid_autumn in national:
            national.append(date(year, 10, 8))
        else:
            add(_with_monday(mid_autumn), "中秋节")
    add(national, "国庆节")
    # 补休 Mondays can cross into the next year only in theory; keep the year self-contained.
    return {d: name for d, name in out.items() if d.year == year}
