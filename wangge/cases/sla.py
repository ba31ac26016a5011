"""Deadlines: stored columns computed from a category's limits on the working-time calendar."""

from __future__ import annotations

from datetime import datetime

from wangge.workcal.calendar import TimeUnit, deadline_add


def deadline(start: datetime, amount: float, unit: str) -> datetime:
    """`amount` of `unit` (a LimitUnit value, the same values as TimeUnit) after `start`."""
    return deadline_add(start, amount, TimeUnit(unit))
