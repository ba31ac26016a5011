from __future__ import annotations

import pytest
from django.db import transaction

from wangge.notify.models import InboxItem, OutboxMessage, WebhookEndpoint
from wangge.notify.services import outbox_enqueue

pytestmark = pytest.mark.django_db


def _grid_workers():
    """A compiled reader query: the grid workers of a grid."""
    from wangge.accounts.models import Role, RoleAssignment
    from wangge.core.compiled import CompiledQuery

    return CompiledQuery(
        lambda grid_id: (
            RoleAssignment.objects.filter(grid_id=grid_id, role=Role.GRID_WORKER)
            .order_by()
            .values_list("user_id", flat=True)
            .distinct()
        ),
        int,
    )


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


def test_readers_expanded_by_the_database_from_a_queryset_or_a_bound_compiled_query(
    county, worker_a, worker_b, operator
):
    """The same readers, given as a queryset or as a compiled query bound to its values, give
    the same inbox rows in one INSERT, the actor left out of either."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import GRID_A, make_user
    from wangge.accounts.models import Role, RoleAssignment
    from wangge.notify.services import Notice, outbox_enqueue_many

    grid_a = county[GRID_A]
    second = make_user("worker_a2", Role.GRID_WORKER, grid_a)
    make_user("head_a", Role.BUILDING_HEAD, grid_a)  # another role: filtered out below
    in_grid = _grid_workers()

    def notice(key: str, readers, exclude=None) -> Notice:
        return Notice(
            topic="case.dispatched", title="派遣", body="", payload={"k": key},
            dedupe_key=key, readers=readers, exclude_user_id=exclude,
        )  # fmt: skip

    as_queryset = RoleAssignment.objects.filter(grid=grid_a, role=Role.GRID_WORKER)
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        outbox_enqueue_many(
            [
                notice("qs", as_queryset),
                notice("qs-x", as_queryset, exclude=worker_a.pk),
                notice("bound", in_grid.bind(grid_a.pk)),
                notice("bound-x", in_grid.bind(grid_a.pk), exclude=worker_a.pk),
                notice("bound-none", in_grid.bind(-1)),
            ]
        )
    assert [q["sql"] for q in ctx.captured_queries if "notify_inboxitem" in q["sql"]] == [
        ctx.captured_queries[-1]["sql"]
    ]

    def readers_of(key: str) -> set[int]:
        return set(InboxItem.objects.filter(dedupe_key=key).values_list("user_id", flat=True))

    assert readers_of("qs") == readers_of("bound") == {worker_a.pk, second.pk}
    assert readers_of("qs-x") == readers_of("bound-x") == {second.pk}
    assert readers_of("bound-none") == set()
    assert worker_b.pk not in readers_of("bound") and operator.pk not in readers_of("bound")


def test_the_insert_select_text_is_built_once_per_shape_and_the_values_go_each_time(
    county, worker_a
):
    from tests.conftest import GRID_A, make_user
    from wangge.accounts.models import Role
    from wangge.notify.services import Notice, _inbox_sql, outbox_enqueue_many

    grid_a = county[GRID_A]
    second = make_user("worker_a2", Role.GRID_WORKER, grid_a)
    in_grid = _grid_workers()

    def enqueue(key: str, exclude: int) -> set[int]:
        notice = Notice(
            topic="case.dispatched", title="派遣", body="", payload={"k": key},
            dedupe_key=key, readers=in_grid.bind(grid_a.pk), exclude_user_id=exclude,
        )  # fmt: skip
        with transaction.atomic():
            outbox_enqueue_many([notice])
        return set(InboxItem.objects.filter(dedupe_key=key).values_list("user_id", flat=True))

    assert enqueue("first", exclude=worker_a.pk) == {second.pk}
    before = _inbox_sql.cache_info()
    assert enqueue("second", exclude=second.pk) == {worker_a.pk}
    after = _inbox_sql.cache_info()
    assert (after.hits, after.misses) == (before.hits + 1, before.misses)
