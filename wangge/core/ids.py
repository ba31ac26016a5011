"""Primary keys taken before the INSERT, in blocks per process.

A case event's hash covers its case's id, so the intake must know the id before it writes the
case (otherwise: INSERT, then UPDATE the chain head). Asking the sequence for every case would
cost one round trip each; instead each process takes a block of ids from the table's own
sequence at once and hands them out — what PostgreSQL's `CACHE` option does inside a session.

Consequence, as with `CACHE`: ids are unique but not in creation order across processes (a
case created later by another worker may have a smaller id). Nothing orders cases by id alone:
lists order by (created_at, id), and anything reading "what changed since" must use its own
watermark, never the case id.

PostgreSQL: `nextval` of the column's sequence (never rolled back, never reused). SQLite: the
AUTOINCREMENT counter in `sqlite_sequence`, moved past the block inside SQLite's write lock, so
rows inserted without an id never get one of the block's.
"""

from __future__ import annotations

import threading
from collections import deque

from django.db import connections
from django.db.models import Model


class IdBlocks:
    def __init__(self, model: type[Model], *, size: int = 20, using: str = "default") -> None:
        self.model = model
        self.size = size
        self.using = using
        self._free: deque[int] = deque()
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            if not self._free:
                self._free.extend(self._take())
            return self._free.popleft()

    def discard(self) -> None:
        """Forget the ids in hand (after an id turned out to be taken: a bulk load with ids of
        its own, a restored database, a test that flushed the tables)."""
        with self._lock:
            self._free.clear()

    def _take(self) -> list[int]:
        conn = connections[self.using]
        table = self.model._meta.db_table
        pk = self.model._meta.pk.column
        assert pk is not None
        with conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, pk, self.size],
                )
                return sorted(row[0] for row in cursor.fetchall())
            if conn.vendor == "sqlite":
                cursor.execute(
                    "UPDATE sqlite_sequence SET seq = max(seq, "
                    f"(SELECT coalesce(max({conn.ops.quote_name(pk)}), 0) "
                    f"FROM {conn.ops.quote_name(table)})) + %s WHERE name = %s RETURNING seq",
                    [self.size, table],
                )
                row = cursor.fetchone()
                if row is None:
                    # No row was ever inserted: SQLite has no counter for the table yet.
                    cursor.execute(
                        "INSERT INTO sqlite_sequence (name, seq) SELECT %s, "
                        f"coalesce(max({conn.ops.quote_name(pk)}), 0) + %s "
                        f"FROM {conn.ops.quote_name(table)} RETURNING seq",
                        [table, self.size],
                    )
                    row = cursor.fetchone()
                top = int(row[0])
                return list(range(top - self.size + 1, top + 1))
        raise NotImplementedError(f"id blocks on {conn.vendor}")
