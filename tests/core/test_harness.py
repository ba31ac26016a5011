"""The test harness itself: what the browser tests rely on."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_live_server_threads_get_their_own_sqlite_connection():
    """An in-memory SQLite database would make the live server share the test's connection."""
    if connection.vendor != "sqlite":
        pytest.skip("only SQLite can be in memory")
    assert not connection.is_in_memory_db()
