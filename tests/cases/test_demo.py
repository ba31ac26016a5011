"""The demo history: deterministic, idempotent, chained, spread over states."""

from __future__ import annotations

import io

import pytest
import time_machine

from wangge.cases import demo
from wangge.cases.chain import chain_verify
from wangge.cases.models import Case, CaseEvent
from wangge.cases.workflow import Replay
from wangge.demo.county import load_users


# The history ends "now", and which cases are still open depends on the moment it ends at: pin
# it to a Saturday morning, when Friday evening's reports wait for Monday's claim.
@time_machine.travel("2026-11-21T09:40:00+08:00", tick=False)
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
    fresh = case_submit(actor=None, channel="h5", description="路灯不亮", lat=lat, lng=lng).case
    assert fresh.pk > max(Case.objects.exclude(pk=fresh.pk).values_list("pk", flat=True))


def test_replay_follows_the_table(db):
    from django.utils import timezone

    replay = Replay(Case(pk=1))
    now = timezone.now()
    replay.submit(actor=None, at=now, payload={})
    with pytest.raises(ValueError):
        replay.step("resolve", actor=None, at=now, reason="x")
    with pytest.raises(ValueError):
        replay.submit(actor=None, at=now, payload={})


@time_machine.travel("2026-11-21T09:40:00+08:00", tick=False)
def test_demo_events_read_like_live_ones(county, departments, categories, monkeypatch):
    """The demo replays the live effects: its events carry the same payloads and render the
    same resident timeline as the same moves made live through the services."""
    from wangge.accounts.models import User
    from wangge.cases.services import case_submit
    from wangge.cases.workflow import case_transition
    from wangge.grids.models import GridLevel
    from wangge.web.selectors import plain_timeline

    load_users(stdout=io.StringIO())
    monkeypatch.setattr(demo, "CASES_PER_DAY", 2)
    demo.load(stdout=io.StringIO())
    demo_cases = list(Case.objects.filter(idempotency_key__startswith=demo.KEY_PREFIX))
    # Every unit a resident is told about is named, as a live dispatch names it.
    for case in demo_cases:
        assert not [e.text for e in plain_timeline(case) if "相关单位" in e.text], case
    moves = CaseEvent.objects.filter(
        case__in=demo_cases, kind__in=["accept", "transfer", "escalate"]
    )
    assert moves.exists()
    assert all(e.payload.get("to_unit_name") for e in moves)
    # A suspension keeps the assignee, as a live one does.
    assert not Case.objects.filter(state="suspended", assignee__isnull=True).exists()

    def kinds(case: Case) -> list[str]:
        return list(case.events.values_list("kind", flat=True))

    done = next(
        c
        for c in demo_cases
        if c.channel == "h5"
        and kinds(c) == ["submit", "accept", "claim", "resolve", "close"]
        and c.handling_grid_id
        and c.handling_grid.level == GridLevel.MICRO  # claimed by the grid's own worker
    )
    worker = User.objects.get(pk=done.assignee_id)
    resolution = done.events.get(kind="resolve").reason
    live = case_submit(
        actor=None, channel="h5", description=done.description, lat=done.lat, lng=done.lng,
        category_code=done.category.code,
    ).case  # fmt: skip
    case_transition(case=live, actor=worker, action="claim")
    case_transition(case=live, actor=worker, action="resolve", reason=resolution)
    case_transition(case=live, actor=None, action="close")
    assert kinds(live) == kinds(done)
    assert [e.text for e in plain_timeline(live)] == [e.text for e in plain_timeline(done)]
    assert [e.detail for e in plain_timeline(live)] == [e.detail for e in plain_timeline(done)]
    for mine, theirs in zip(live.events.all(), done.events.all(), strict=True):
        assert set(mine.payload) == set(theirs.payload), mine.kind
        assert (mine.from_state, mine.to_state, mine.public) == (
            theirs.from_state,
            theirs.to_state,
            theirs.public,
        )
    live.refresh_from_db()
    for field in ("state", "handling_grid_id", "assignee_id", "unit_path", "event_count"):
        assert getattr(live, field) == getattr(done, field), field
    assert chain_verify() == []
