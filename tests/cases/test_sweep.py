"""The SLA sweep escalates unclaimed cases and flags overdue ones, each once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import GRID_A, ZONE_A
from wangge.cases.models import Case
from wangge.cases.sweep import cases_sweep
from wangge.cases.workflow import case_transition
from wangge.core.api import Conflict
from wangge.core.periodic import PERIODIC_TASKS, _load
from wangge.notify.models import InboxItem


def test_unclaimed_case_is_escalated_once_per_missed_deadline(submit, resident):
    case = submit(resident)
    assert case.handling_grid.code == GRID_A
    early = cases_sweep(now=case.respond_by - timedelta(minutes=1))
    assert early.escalated == 0
    late = case.respond_by + timedelta(minutes=1)
    assert cases_sweep(now=late).escalated == 1
    case.refresh_from_db()
    assert case.handling_grid.code == ZONE_A and case.escalation_count == 1
    assert case.respond_by > late
    assert cases_sweep(now=late).escalated == 0  # once
    event = case.events.order_by("-seq").first()
    assert event.kind == "escalate" and event.actor is None and "响应时限" in event.reason


def test_overdue_case_is_flagged_once_and_the_unit_told(submit, resident, worker_a):
    case = submit(resident)
    case_transition(case=case, actor=worker_a, action="claim")
    late = case.resolve_by + timedelta(minutes=1)
    first = cases_sweep(now=late)
    assert first.flagged == 1 and first.escalated == 0
    assert cases_sweep(now=late).flagged == 0
    case.refresh_from_db()
    assert case.overdue and case.state == "claimed"
    assert InboxItem.objects.filter(user=worker_a, topic="case.overdue").count() == 1


def test_closed_and_claimed_cases_are_not_escalated(submit, resident, worker_a):
    claimed = submit(resident)
    case_transition(case=claimed, actor=worker_a, action="claim")
    assert cases_sweep(now=claimed.respond_by + timedelta(hours=1)).escalated == 0


def test_the_sweep_does_not_act_on_a_case_changed_since_it_read_it(submit, resident, worker_a):
    case = submit(resident)
    seen = case.version
    case_transition(case=case, actor=worker_a, action="claim")
    with pytest.raises(Conflict):
        case_transition(
            case=Case(pk=case.pk),
            actor=None,
            action="escalate",
            reason="超时",
            expected_version=seen,
        )
    case.refresh_from_db()
    assert case.state == "claimed" and case.escalation_count == 0


def test_sweep_is_a_registered_periodic_task(db):
    paths = [p for p, _ in PERIODIC_TASKS]
    assert "wangge.cases.tasks.sweep_cases" in paths
    task = _load("wangge.cases.tasks.sweep_cases")
    assert task.call() == {"escalated": 0, "flagged": 0, "skipped": 0}


def test_sweep_query_uses_the_partial_index_on_postgres(submit, resident):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("index use is a PostgreSQL plan question")
    submit(resident)
    with connection.cursor() as cur:
        cur.execute("SET enable_seqscan = off")
        cur.execute(
            "EXPLAIN SELECT id FROM cases_case WHERE state = 'dispatched' AND respond_by < now()"
        )
        plan = "\n".join(r[0] for r in cur.fetchall())
        cur.execute("SET enable_seqscan = on")
        # On a table this small the planner may pick any partial index over dispatched cases
        # (case_open_respond_by, or the claimable one that also holds respond_by): what matters
        # is that the sweep reads a partial index with the deadline as its condition.
        used = re.search(r"Index (?:Only )?Scan using (\w+)", plan)
        assert used, plan
        cur.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [used[1]])
        (indexdef,) = cur.fetchone()
    assert " WHERE " in indexdef and "respond_by" in plan, (plan, indexdef)
