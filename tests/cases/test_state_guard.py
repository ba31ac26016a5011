"""The state invariant at run time: `Case.state` changes only through `case_transition`.

The source walk in test_chain.py finds the plain spellings; these are the bypasses it cannot
see, tried for real: the model refuses them, and the database refuses what goes around the
model (raw SQL).
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from wangge.cases.models import Case, StateWriteError, workflow_writes
from wangge.cases.sweep import cases_sweep
from wangge.cases.workflow import case_transition


@pytest.fixture
def case(submit, resident):
    return submit(resident)


def _unchanged(case: Case) -> None:
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.state, fresh.event_count) == ("dispatched", 2)
    assert list(fresh.events.values_list("kind", flat=True)) == ["submit", "accept"]


def test_save_of_a_changed_state_raises(case):
    case.state = "closed"
    with pytest.raises(StateWriteError):
        case.save()
    with pytest.raises(StateWriteError):
        case.save(update_fields=["state"])
    _unchanged(case)


def test_setattr_then_save_raises(case):
    setattr(case, "state", "closed")  # noqa: B010 - the bypass under test
    with pytest.raises(StateWriteError):
        case.save()
    _unchanged(case)


def test_update_with_a_state_keyword_raises_however_spelled(case):
    qs = Case.objects.filter(pk=case.pk)
    field = "sta" + "te"
    for attempt in (
        lambda: qs.update(**{"state": "closed"}),
        lambda: qs.update(**{field: "closed"}),
        lambda: Case.objects.all().update(state="closed"),
        lambda: qs.update(event_count=9),
        lambda: qs.update(version=99),
    ):
        with pytest.raises(StateWriteError):
            attempt()
    _unchanged(case)


def test_bulk_writes_of_states_raise(case):
    case.state = "closed"
    with pytest.raises(StateWriteError):
        Case.objects.bulk_update([case], ["state"])
    copy = Case.objects.get(pk=case.pk)
    copy.pk, copy.tracking_code, copy.idempotency_key = None, "ZZZZZZZZ", None
    copy._state.adding = True
    with pytest.raises(StateWriteError):
        Case.objects.bulk_create([copy])
    with pytest.raises(StateWriteError):
        copy.save()
    # The intake's own INSERT (compiled once) is a state write too: refused outside the
    # workflow, and never a second time for a stored case.
    copy.pk = 9_000_001
    with pytest.raises(StateWriteError):
        copy.insert()
    with workflow_writes(), pytest.raises(ValueError, match="already stored"):
        Case.objects.get(pk=case.pk).insert()
    assert not Case.objects.filter(pk=copy.pk).exists()
    _unchanged(case)


def test_a_stale_copy_cannot_undo_a_transition(case, worker_a):
    stale = Case.objects.get(pk=case.pk)
    case_transition(case=case, actor=worker_a, action="claim")
    stale.title = "新标题"
    stale.save()  # same state as it read: allowed, but only its own fields are written
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.state == "claimed" and fresh.assignee_id == worker_a.pk
    assert fresh.title == "新标题" and fresh.event_count == 3


def test_raw_sql_is_refused_by_the_database(case):
    table = Case._meta.db_table
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"UPDATE {table} SET state = 'closed' WHERE id = %s", [case.pk])
    # Other columns are not the trigger's business.
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"UPDATE {table} SET title = 'x' WHERE id = %s", [case.pk])
    _unchanged(case)


def test_a_new_case_must_start_submitted(case):
    with pytest.raises(StateWriteError):
        Case.objects.create(state="closed")
    with pytest.raises(StateWriteError):
        Case(state="dispatched").save()
    # Even on the sanctioned path the database wants events behind a state past `submitted`.
    copy = Case.objects.get(pk=case.pk)
    copy.pk, copy.tracking_code, copy.idempotency_key = None, "ZZZZZZZZ", None
    copy._state.adding = True
    copy.event_count = 0
    with pytest.raises(IntegrityError), transaction.atomic(), workflow_writes():
        copy.save()


def test_the_sanctioned_paths_still_write(case, worker_a):
    case_transition(case=case, actor=worker_a, action="claim")
    case.refresh_from_db()
    assert case.state == "claimed"
    # The sweep acts through case_transition too.
    from datetime import timedelta

    result = cases_sweep(now=case.resolve_by + timedelta(minutes=1))
    assert result.flagged == 1
    case.refresh_from_db()
    assert case.overdue and case.events.last().kind == "overdue"
