"""The intake's one statement on PostgreSQL (`intake_store_at_once`): outside a transaction, a
report whose notices are inbox rows only is written as the case, its events and the inbox rows
in one statement, the same rows `intake_store` writes; anything else takes `intake_store`."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.conftest import GRID_A, grid_centre
from wangge.cases.chain import chain_verify
from wangge.cases.models import Case, CaseEvent, CaseState
from wangge.cases.services import (
    Report,
    case_submit,
    intake_prepare,
    intake_renew,
    intake_store,
    intake_store_at_once,
)
from wangge.notify.models import InboxItem, OutboxMessage, WebhookEndpoint

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def report(county, categories, resident, worker_a, operator):
    lat, lng = grid_centre(county[GRID_A])

    def _report(text: str = "小区16号楼楼下掉了一地的碎玻璃渣", **extra) -> Report:
        return Report(
            actor=resident, channel="h5", description=text, lat=lat, lng=lng,
            category_code="E0104", **extra,
        )  # fmt: skip

    return _report


def _written(case: Case) -> tuple:
    """What a stored case amounts to, without its id, code and clock."""
    row = Case.objects.filter(pk=case.pk).values(
        "state", "grid_id", "grid_path", "category_id", "reporter_id", "handling_grid_id",
        "event_count", "respond_by", "resolve_by", "duplicate_candidates", "description_words",
    ).get()  # fmt: skip
    events = list(
        CaseEvent.objects.filter(case=case)
        .order_by("seq")
        .values_list("seq", "kind", "from_state", "to_state", "actor_id", "public")
    )
    readers = sorted(
        InboxItem.objects.filter(dedupe_key__startswith=f"case:{case.pk}:").values_list(
            "user_id", "topic"
        )
    )
    return row, events, readers


def test_one_statement_writes_what_the_transaction_writes(report):
    case_submit(report("路面有大片油污"))  # the per-process caches (webhook endpoints …) read
    intake = intake_prepare(report())
    with CaptureQueriesContext(connection) as ctx:
        assert intake_store_at_once(intake)
    assert [q["sql"][:6] for q in ctx.captured_queries] == ["WITH c"]
    at_once = intake.case
    assert at_once.state == CaseState.DISPATCHED and not at_once._state.adding
    assert all(e.pk is not None and not e._state.adding for e in intake.events)

    in_transaction = intake_prepare(report("小区16号楼楼下掉了一地的碎玻璃渣 又一处"))
    with transaction.atomic():
        assert not intake_store_at_once(in_transaction)  # inside a transaction: not taken
        intake_store(in_transaction)
    first, second = _written(at_once), _written(in_transaction.case)
    assert first[1:] == second[1:]  # the same events and the same readers
    # The two texts differ, and the second report finds the first as a duplicate.
    differ = ("duplicate_candidates", "description_words")
    assert {k: v for k, v in first[0].items() if k not in differ} == {
        k: v for k, v in second[0].items() if k not in differ
    }
    assert len(first[2]) == 2  # the grid's worker and the district's operator
    assert chain_verify(case_ids=[at_once.pk, in_transaction.case.pk]) == []


def test_case_submit_takes_two_statements_and_replays_a_retry(report):
    case_submit(report(idempotency_key="warm"))
    with CaptureQueriesContext(connection) as ctx:
        first = case_submit(report(idempotency_key="k-1"))
    assert len(ctx.captured_queries) == 2  # the duplicate search, the write; no BEGIN/COMMIT
    again = case_submit(report(idempotency_key="k-1"))
    assert again.replayed and again.case.pk == first.case.pk
    assert Case.objects.filter(idempotency_key="k-1").count() == 1


def test_a_taken_tracking_code_writes_nothing_and_the_renewed_report_goes_in(report):
    taken = case_submit(report()).case
    intake = intake_prepare(report("另一处碎玻璃"))
    intake.case.tracking_code = taken.tracking_code
    with pytest.raises(IntegrityError):
        intake_store_at_once(intake)
    assert not Case.objects.filter(pk=intake.case.pk).exists()
    assert not CaseEvent.objects.filter(case_id=intake.case.pk).exists()
    assert not InboxItem.objects.filter(dedupe_key__startswith=f"case:{intake.case.pk}:").exists()
    intake_renew(intake)
    assert intake_store_at_once(intake)
    assert chain_verify(case_ids=[intake.case.pk]) == []


def test_a_report_with_webhook_deliveries_is_written_by_the_transaction(report):
    WebhookEndpoint.objects.create(
        name="短信网关", url="http://127.0.0.1:9/hook", secret="s", topics=["case.*"]
    )
    submitted = case_submit(report())
    assert OutboxMessage.objects.filter(
        dedupe_key__startswith=f"case:{submitted.case.pk}:"
    ).exists()
    assert len(_written(submitted.case)[2]) == 2
