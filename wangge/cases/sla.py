"""Deadlines: stored columns computed from a category's limits on the working-time calendar."""

from __future__ import annotations

from datetime import datetime, timedelta

try:
    from wangge.workcal.calendar import TimeUnit, deadline_add
except ImportError:  # the working-time calendar app is not installed in this tree yet
    TimeUnit = None
    deadline_add = None

# Used only while `wangge.workcal` is absent: working time approximated by natural time.
_NATURAL = {
    "working_hours": timedelta(hours=1),
    "working_days": timedelta(days=1),
    "natural_minutes": timedelta(minutes=1),
    "natural_hours": timedelta(hours=1),
    "natural_days": timedelta(days=1),
}


def deadline(start: datetime, amount: float, unit: str) -> datetime:
    """`amount` of `unit` (a LimitUnit value) after `start`, on the statutory calendar."""
    if deadline_add is None:
        return start + _NATURAL[unit] * amount
    return deadline_add(start, amount, TimeUnit(unit))
