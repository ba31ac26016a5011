"""Roll-ups started at the same moment queue on the state row and leave the same tables."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tests.stats.conftest import at
from tests.stats.test_rollup import snapshot
from wangge.cases.models import Case
from wangge.stats.rollup import stats_rollup

THREADS = 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_rollups_agree_with_a_full_one(report, act, worker_a):
    for day in range(2, 12):
        c = report(at(day, 10))
        if day % 2:
            act(c, worker_a, "claim", at(day, 11))
    stats_rollup(full=True)
    expected = snapshot()
    # Touch some days again, then let several runs race to count them.
    for c in Case.objects.filter(state="dispatched").order_by("pk")[:3]:
        act(c, worker_a, "claim", at(20, 9))
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def run(full: bool) -> None:
        try:
            barrier.wait()
            stats_rollup(full=full)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i == 0,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    after = snapshot()
    stats_rollup(full=True)
    assert snapshot() == after
    assert after != expected  # the claims were counted
