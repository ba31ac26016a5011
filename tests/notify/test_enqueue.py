from __future__ import annotations

import pytest
from django.db import transaction

from wangge.notify.models import InboxItem, OutboxMessage, WebhookEndpoint
from wangge.notify.services import outbox_enqueue

pytestmark = pytest.mark.django_db


def _enqueue(**kw):
    args = dict(
        topic="case.created",
        title="新案件：16号楼下有碎玻璃",
        body="请尽快处理",
        link="/cases/1/",
        payload={"case_id": 1},
        dedupe_key="case:1:created",
    )
    args.update(kw)
    outbox_enqueue(**args)


def test_inbox_and_outbox_rows_idempotent(county, worker_a, worker_b):
    grid_a = county["350427001001001001"]
    everything = WebhookEndpoint.objects.create(
        name="短信网关", url="http://127.0.0.1:9/", secret="s", topics=["case.*"]
    )
    in_a = WebhookEndpoint.objects.create(
        name="怡园社区企业微信",
        url="http://127.0.0.1:9/",
        secret="s",
        topics=["*"],
        grid=county["350427001001"],
    )
    other_topic = WebhookEndpoint.objects.create(
        name="统计", url="http://127.0.0.1:9/", secret="s", topics=["stats.daily"]
    )
    WebhookEndpoint.objects.create(
        name="停用", url="http://127.0.0.1:9/", secret="s", topics=["*"], active=False
    )
    with transaction.atomic():
        _enqueue(
            user_ids=[worker_a.id, worker_b.id],
            grid_path=grid_a.path,
            endpoint_ids=[other_topic.id],
        )
        _enqueue(user_ids=[worker_a.id], grid_path=grid_a.path)  # replay: nothing new
    assert InboxItem.objects.count() == 2
    assert set(OutboxMessage.objects.values_list("endpoint_id", flat=True)) == {
        everything.id,
        in_a.id,
        other_topic.id,
    }
    # Outside the community: the grid-limited endpoint does not hear it.
    _enqueue(dedupe_key="case:2:created", grid_path=county["350427001002001001"].path)
    assert set(
        OutboxMessage.objects.filter(dedupe_key="case:2:created").values_list(
            "endpoint_id", flat=True
        )
    ) == {everything.id}


def test_rolled_back_transaction_leaves_nothing(worker_a):
    WebhookEndpoint.objects.create(name="x", url="http://127.0.0.1:9/", secret="s", topics=["*"])
    with pytest.raises(RuntimeError), transaction.atomic():
        _enqueue(user_ids=[worker_a.id])
        raise RuntimeError("the case write failed")
    assert not InboxItem.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_bad_arguments(worker_a):
    with pytest.raises(ValueError):
        _enqueue(dedupe_key="")
    with pytest.raises(ValueError):
        _enqueue(topic="")
    with pytest.raises(ValueError):
        _enqueue(link="/" + "x" * 500)
    with pytest.raises(TypeError):
        _enqueue(payload={"x": object()})
    with pytest.raises(TypeError):
        _enqueue(payload=["not", "a", "dict"])
    with pytest.raises(TypeError):
        outbox_enqueue(topic="t", title="t", body="", payload={}, dedupe_key="k", extra=1)


def test_long_title_is_shortened_and_payload_normalised(worker_a):
    import datetime as dt

    _enqueue(
        title="高" * 300,
        user_ids=[worker_a.id],
        payload={"at": dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), "n": 1},
    )
    item = InboxItem.objects.get()
    assert len(item.title) == 200 and item.title.endswith("…")
    assert item.payload == {"at": "2026-03-10T09:00:00Z", "n": 1}
