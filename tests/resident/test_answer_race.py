"""On real PostgreSQL: the reporter's browser, their phone (SMS code) and the chat all answering
the same closure at once — exactly one answer is stored and one close applied."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tests.resident.conftest import handle
from wangge.cases.access import ReporterPass
from wangge.cases.feedback import case_feedback_give
from wangge.cases.models import Case, CaseEvent, CaseFeedback
from wangge.core.api import Conflict

THREADS = 6
CASES = 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_answers_store_one(submit, worker_a):
    ids = [handle(submit(None, contact_phone="13800001111"), worker_a).pk for _ in range(CASES)]
    outcomes: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)
    sources = ["link", "sms", "chat"]

    def run(i: int) -> None:
        try:
            barrier.wait()
            for pk in ids:
                try:
                    case_feedback_give(
                        actor=ReporterPass(case_id=pk, source=sources[i % 3]),
                        case=Case(pk=pk),
                        solved="solved",
                        satisfaction="satisfied",
                    )
                    outcomes.append("ok")
                except Conflict as exc:
                    assert exc.code in ("already_answered", "not_answerable", "stale"), exc
                    outcomes.append("refused")
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert outcomes.count("ok") == CASES
    assert outcomes.count("refused") == CASES * (THREADS - 1)
    assert CaseFeedback.objects.count() == CASES
    closes = CaseEvent.objects.filter(kind="close").values_list("case_id", flat=True)
    assert sorted(closes) == sorted(ids)
    assert set(Case.objects.filter(pk__in=ids).values_list("state", flat=True)) == {"closed"}
