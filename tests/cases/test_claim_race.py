"""秒认领 on real PostgreSQL: of many simultaneous claimers exactly one wins each case."""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from tests.conftest import GRID_A, grid_centre, make_user
from wangge.accounts.models import Role
from wangge.cases.models import Case, CaseEvent
from wangge.cases.services import case_submit
from wangge.cases.workflow import case_transition
from wangge.core.api import Conflict

THREADS = 8
CASES = 1000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_workers_racing_never_double_claim(county, categories):
    workers = [make_user(f"racer{i}", Role.GRID_WORKER, county[GRID_A]) for i in range(THREADS)]
    lat, lng = grid_centre(county[GRID_A])
    reporter = make_user("reporter")
    with transaction.atomic():  # one commit for the setup; the race itself commits per claim
        ids = [
            case_submit(
                actor=reporter,
                channel="h5",
                description=f"第{i}处路面碎玻璃",
                lat=lat,
                lng=lng,
                category_code="E0104",
            ).case.pk
            for i in range(CASES)
        ]
    wins: Counter[int] = Counter()
    losses: Counter[int] = Counter()
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def run(worker, seed):
        order = ids[:]
        random.Random(seed).shuffle(order)
        try:
            barrier.wait()
            for pk in order:
                try:
                    case_transition(case=Case(pk=pk), actor=worker, action="claim")
                    wins[worker.pk] += 1
                except Conflict as exc:
                    assert "已被" in exc.message or exc.code == "stale"
                    losses[worker.pk] += 1
        except BaseException as exc:  # surfaced below, not swallowed
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(w, i)) for i, w in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(wins.values()) == CASES
    assert sum(losses.values()) == CASES * (THREADS - 1)
    claims = Counter(CaseEvent.objects.filter(kind="claim").values_list("case_id", flat=True))
    assert len(claims) == CASES and set(claims.values()) == {1}
    assert Case.objects.filter(state="claimed", assignee__isnull=False).count() == CASES
    assert len([w for w in wins.values() if w]) > 1  # a real race, not one thread doing it all
