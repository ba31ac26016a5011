"""Demo step: the provisional calendar for the coming years, visible in the admin."""

from __future__ import annotations

from django.utils import timezone

from wangge.workcal.services import calendar_seed_provisional


def load(*, stdout) -> None:
    year = timezone.localdate().year
    result = calendar_seed_provisional(years={year, year + 1, year + 2})
    stdout.write(f"工作日历：推算节假日 {result.created} 条（{list(result.years)}）\n")
