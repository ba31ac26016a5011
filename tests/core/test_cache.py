"""The database cache (wangge.core.cache): Django's behaviour, each write one statement."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache, caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wangge.core import cache as db_cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _counted_now_and_then(monkeypatch):
    monkeypatch.setattr(db_cache, "_checked_at", {})


def test_the_default_cache_is_this_backend():
    assert isinstance(caches["default"], db_cache.DatabaseCache)


def test_set_get_add_touch_incr_delete_as_django_does():
    cache.set("k", {"n": 1}, 60)
    assert cache.get("k") == {"n": 1}
    cache.set("k", [1, 2], 60)  # overwrite
    assert cache.get("k") == [1, 2]
    assert cache.add("k", "other", 60) is False  # live: left alone
    assert cache.get("k") == [1, 2]
    assert cache.add("new", "v", 60) is True
    assert cache.touch("new", 120) is True
    assert cache.touch("absent", 120) is False
    cache.set("n", 5, 60)
    assert cache.incr("n", 2) == 7
    cache.delete("k")
    assert cache.get("k", "gone") == "gone"
    cache.set("forever", "x", None)
    assert cache.get("forever") == "x"


def test_an_expired_key_is_missing_and_can_be_added_again():
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        cache.set("k", "old", 10)
        clock.shift(timedelta(seconds=11))
        assert cache.get("k") is None
        assert cache.touch("k", 60) is False
        assert cache.add("k", "new", 60) is True
        assert cache.get("k") == "new"


def test_a_write_is_one_statement_between_two_counts(transactional_db):
    cache.set("warm", 1, 60)  # the first write of the process counts the table
    with CaptureQueriesContext(connection) as ctx:
        cache.set("k", "v", 60)
        cache.add("k", "v2", 60)
    sql = [q["sql"] for q in ctx.captured_queries]
    assert len(sql) == 2, sql
    assert all(s.startswith("INSERT") and "ON CONFLICT" in s for s in sql)
    assert not any("COUNT" in s for s in sql)


def test_inside_a_transaction_a_write_keeps_to_a_savepoint():
    with transaction.atomic():
        assert cache.add("k", "v", 60) is True
        assert cache.add("k", "v", 60) is False
        cache.set("j", "w", 60)
    assert cache.get_many(["k", "j"]) == {"k": "v", "j": "w"}


def test_the_table_is_culled_when_counted_over_its_limit(monkeypatch):
    backend = caches["default"]  # not the proxy: monkeypatch restores attributes it holds
    monkeypatch.setattr(backend, "_max_entries", 10)
    monkeypatch.setattr(backend, "_cull_frequency", 2)
    monkeypatch.setattr(db_cache, "CULL_CHECK_SECONDS", 3600.0)
    for i in range(30):  # counted at the first write only: the table passes its limit
        cache.set(f"k{i}", i, 60)
    assert _rows() == 30
    db_cache._checked_at.clear()  # the next check is due
    cache.set("one-more", 1, 60)
    assert _rows() <= 16  # half the table culled, as Django culls (then the new row)
    assert cache.get("one-more") == 1


def _rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM wangge_cache")
        return cursor.fetchone()[0]
