"""Write paths for the calendar: seeding and the version stamp every change must bump."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from wangge.workcal.calendar import calendar_cache
from wangge.workcal.models import CalendarEntry, CalendarVersion, DayKind, EntrySource
from wangge.workcal.rules import package_schedule, provisional_holidays


def calendar_changed() -> None:
    """Bump the version stamp (inside the caller's transaction) so every process rebuilds."""
    CalendarVersion.move()
    # This process sees the change at once; the others within WORKCAL_CHECK_SECONDS.
    calendar_cache.invalidate()
    transaction.on_commit(calendar_cache.invalidate)


@dataclass(frozen=True)
class SeedResult:
    created: int
    years: tuple[int, ...]


@transaction.atomic
def calendar_seed_official(*, years: set[int] | None = None) -> SeedResult:
    """Copy the package's schedule into official entries. Idempotent: existing dates are kept
    as they are (an administrator's correction is never overwritten)."""
    days, known = package_schedule()
    wanted = known if years is None else known & set(years)
    existing = set(
        CalendarEntry.objects.filter(
            source=EntrySource.OFFICIAL, grid__isnull=True, department__isnull=True
        ).values_list("date", flat=True)
    )
    rows = [
        CalendarEntry(
            date=d,
            kind=DayKind.ADJUSTED_WORKDAY if working else DayKind.HOLIDAY,
            source=EntrySource.OFFICIAL,
            name=name,
        )
        for d, (working, name) in sorted(days.items())
        if d.year in wanted and d not in existing
    ]
    CalendarEntry.objects.bulk_create(rows, batch_size=500)
    if rows:
        calendar_changed()
    return SeedResult(created=len(rows), years=tuple(sorted(wanted)))


@transaction.atomic
def calendar_seed_provisional(*, years: set[int]) -> SeedResult:
    """Write the provisional rule's rest days for years that have no official entries, so the
    administrator sees (and can correct) the guess. Years with official data are skipped."""
    _days, known = package_schedule()
    official_years = {
        d.year
        for d in CalendarEntry.objects.filter(
            source=EntrySource.OFFICIAL, grid__isnull=True, department__isnull=True
        ).values_list("date", flat=True)
    }
    todo = sorted(y for y in years if y not in known and y not in official_years)
    existing = set(
        CalendarEntry.objects.filter(
            source=EntrySource.PROVISIONAL, date__year__in=todo
        ).values_list("date", flat=True)
    )
    rows = [
        CalendarEntry(date=d, kind=DayKind.HOLIDAY, source=EntrySource.PROVISIONAL, name=name)
        for y in todo
        for d, name in sorted(provisional_holidays(y).items())
        if d not in existing
    ]
    CalendarEntry.objects.bulk_create(rows, batch_size=500)
    if rows:
        calendar_changed()
    return SeedResult(created=len(rows), years=tuple(todo))
