"""The demo history: deterministic, idempotent, chained, spread over states."""

from __future__ import annotations

import io

import pytest
import time_machine

from wangge.cases import demo
from wangge.cases.chain import chain_verify
from wangge.cases.models import Case, CaseEvent
from wangge.cases.workflow import history_build
from wangge.demo.county import load_users


# The history ends "now", and which cases are still open depends on the hour it ends at: pin
# it to a Thursday morning, when the newest reports are dispatched but not yet claimed.
@time_machine.travel("2026-11-19T09:40:00+08:00", tick=False)
def test_demo_history_loads_once_and_verifies(county, departments, categories, monkeypatch):
    load_users(stdout=io.StringIO())
    monkeypatch.setattr(demo, "CASES_PER_DAY", 3)
    out = io.StringIO()
    demo.load(stdout=out)
    n = Case.objects.count()
    assert n == 3 * demo.DAYS
    events = CaseEvent.objects.count()
    demo.load(stdout=out)
    assert (Case.objects.count(), CaseEvent.objects.count()) == (n, events)
    assert chain_verify() == []
    states = set(Case.objects.values_list("state", flat=True))
    assert {"closed", "claimed", "dispatched"} <= states
    assert Case.objects.filter(escalation_count__gt=0).exists()
    assert Case.objects.filter(overdue=True).exists()
    # Ids were chosen by the loader: new cases still get fresh ones.
    from tests.conftest import GRID_A, grid_centre
    from wangge.cases.services import case_submit

    lat, lng = grid_centre(county[GRID_A])
    fresh = case_submit(actor=None, channel="h5", description="路灯不亮", lat=lat, lng=lng)
    assert fresh.pk > max(Case.objects.exclude(pk=fresh.pk).values_list("pk", flat=True))


def test_history_build_follows_the_table(db):
    from django.utils import timezone

    case = Case(pk=1)
    now = timezone.now()
    with pytest.raises(ValueError):
        history_build(case, [("submit", None, now, "", {}), ("resolve", None, now, "x", {})])
