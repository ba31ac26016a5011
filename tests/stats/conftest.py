"""Fixtures for statistics tests: cases built and moved through the real services at set times."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.conftest import GRID_A, grid_centre
from wangge.cases.categories import category_seed
from wangge.cases.services import case_submit
from wangge.cases.workflow import case_transition

SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A time in November 2026, Asia/Shanghai (the 2nd is a Monday, an ordinary working week)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


@pytest.fixture
def categories(db):
    category_seed()
    from wangge.cases.models import Category

    return {c.code: c for c in Category.objects.all()}


@pytest.fixture
def report(county, categories, resident):
    """report(when, grid_code=GRID_A, **kw) → a case reported by the resident at `when`."""

    def _report(when: datetime, grid_code: str = GRID_A, **kwargs):
        lat, lng = grid_centre(county[grid_code])
        kwargs.setdefault("lat", lat)
        kwargs.setdefault("lng", lng)
        kwargs.setdefault("channel", "h5")
        kwargs.setdefault("description", "小区16号楼楼下掉了一地的碎玻璃渣，大家小心")
        kwargs.setdefault("category_code", "E0104")
        kwargs.setdefault("actor", resident)
        with time_machine.travel(when, tick=False):
            return case_submit(**kwargs).case

    return _report


@pytest.fixture
def act():
    """act(case, actor, action, when, **kw): one workflow move at `when`; returns the case."""

    def _act(case, actor, action: str, when: datetime, **kwargs):
        if action in ("resolve", "reject", "suspend", "reopen", "extend_request", "escalate"):
            kwargs.setdefault("reason", "已处理" if action == "resolve" else "说明")
        with time_machine.travel(when, tick=False):
            case.refresh_from_db()
            case_transition(case=case, actor=actor, action=action, **kwargs)
        case.refresh_from_db()
        return case

    return _act


HOUR = timedelta(hours=1)
