"""The inbox (REST API): as many queries for 3N messages as for N."""

from __future__ import annotations

from itertools import count

import pytest
from django.db import transaction

from wangge.notify.services import outbox_enqueue

pytestmark = pytest.mark.django_db


def test_inbox_is_flat(api, flat, worker_a):
    api.as_user(worker_a)
    serial = count(1)

    def notify(n: int) -> None:
        for _ in range(n):
            i = next(serial)
            with transaction.atomic():
                outbox_enqueue(
                    topic="case.dispatched", title=f"新事件{i}", body="请认领",
                    link=f"/cases/C{i:05d}/", payload={"n": i}, user_ids=[worker_a.pk],
                    dedupe_key=f"test:{i}",
                )  # fmt: skip

    notify(2)

    def rows(response) -> int:
        assert response.status_code == 200, response.content[:300]
        return len(response.json()["results"])

    flat(lambda: api.get("/api/v1/inbox/"), lambda: notify(4), budget=5, rows=rows)
