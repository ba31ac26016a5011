import pytest

from wangge.workcal.calendar import calendar_cache


@pytest.fixture(autouse=True)
def _fresh_calendar():
    # Each test has its own database contents: never reuse a calendar built for another test.
    calendar_cache.invalidate()
    yield
    calendar_cache.invalidate()
