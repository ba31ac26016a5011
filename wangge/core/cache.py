"""Django's database cache with each write one statement.

The database cache is the default home of the rate-limit counters (every anonymous API call,
every Open311 post and login counts one) and of the cockpit's payload. Django's backend counts
the whole table before every write, to cull it when full, then reads the key and updates or
inserts it inside a transaction: five statements and a scan of the table for each throttled
request, the scan growing with the number of client addresses seen in the last hour. Here a
write is one `INSERT … ON CONFLICT DO UPDATE` (PostgreSQL and SQLite both have it), and the
table is counted and culled, as Django does it, at most once per `CULL_CHECK_SECONDS` in a
process: between two checks it may pass MAX_ENTRIES by the writes of those seconds. `touch`
of a key that has expired answers False (Django's backend extended it and answered True,
though `get` already treated it as missing).
"""

from __future__ import annotations

import base64
import pickle
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import DatabaseError, connections, router, transaction
from django.utils.timezone import now as tz_now

CULL_CHECK_SECONDS = 30.0


# When each table was last counted in this process (Django makes a cache handle per thread).
_checked_at: dict[str, float] = {}
_check_lock = threading.Lock()


class DatabaseCache(DjangoDatabaseCache):
    # Django's backend has these; its type stubs do not.
    _table: str
    _cull: Callable[[str, Any, datetime, int], None]

    def _base_set(self, mode: str, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT) -> bool:
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        if connection.vendor not in ("postgresql", "sqlite"):
            return super()._base_set(mode, key, value, timeout)  # type: ignore[misc]
        timeout = self.get_backend_timeout(timeout)
        now = tz_now().replace(microsecond=0)
        if timeout is None:
            expires = datetime.max
        else:
            expires = datetime.fromtimestamp(timeout, tz=UTC if settings.USE_TZ else None)
        ops = connection.ops
        expires_db = ops.adapt_datetimefield_value(expires.replace(microsecond=0))
        now_db = ops.adapt_datetimefield_value(now)
        qn = ops.quote_name
        table, key_col, value_col, expires_col = (
            qn(self._table),
            qn("cache_key"),
            qn("value"),
            qn("expires"),
        )
        self._cull_now_and_then(db, now)
        if mode == "touch":
            sql = (
                f"UPDATE {table} SET {expires_col} = %s "
                f"WHERE {key_col} = %s AND {expires_col} >= %s"
            )
            params: list[Any] = [expires_db, key, now_db]
        else:
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            sql = (
                f"INSERT INTO {table} ({key_col}, {value_col}, {expires_col}) VALUES (%s, %s, %s) "
                f"ON CONFLICT ({key_col}) DO UPDATE SET {value_col} = excluded.{value_col}, "
                f"{expires_col} = excluded.{expires_col}"
            )
            params = [key, encoded, expires_db]
            if mode == "add":  # only over a key that has expired
                sql += f" WHERE {table}.{expires_col} < %s"
                params.append(now_db)
        try:
            # Alone, the statement is its own transaction; inside the caller's, a savepoint
            # keeps a failed write from spoiling it (Django's backend fails writes silently).
            if connection.in_atomic_block:
                with transaction.atomic(using=db), connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    return cursor.rowcount > 0
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.rowcount > 0
        except DatabaseError:
            return False

    def _cull_now_and_then(self, db: str, now: datetime) -> None:
        """Django's count-and-cull, at most once per CULL_CHECK_SECONDS in this process."""
        with _check_lock:
            if time.monotonic() - _checked_at.get(self._table, float("-inf")) < CULL_CHECK_SECONDS:
                return
            _checked_at[self._table] = time.monotonic()
        connection = connections[db]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(self._table)}")
            count = cursor.fetchone()[0]
            if count > self._max_entries:
                self._cull(db, cursor, now, count)
