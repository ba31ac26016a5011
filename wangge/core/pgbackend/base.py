"""Django's PostgreSQL backend with a health check that costs no round trip.

With `CONN_HEALTH_CHECKS` Django checks a connection kept from an earlier request before the
first query of the next one, and its PostgreSQL backend checks by sending `SELECT 1`: one round
trip more on every request, on both sides (a case intake makes seven others). A connection at
rest has nothing to read: a server that ends it (a restart, `pg_terminate_backend`, an idle
timeout, a crash) sends its last message or its FIN, and the socket polls readable. So a
connection is taken as usable when psycopg has not seen it break, it is idle outside a
transaction, and nothing waits on its socket; anything waiting means a new connection (the
server says nothing unasked to a connection that does not LISTEN). Inside a transaction, or
after a failed one, Django's own check runs. A host that vanished without a word is not seen
by either check until a query fails; psycopg then marks the connection broken and Django
replaces it at the end of that request.

JSON values (`JSONField`s without an encoder of their own) are written by orjson: every case
intake writes several (the duplicates offered, the events' payloads, the notices'), and the
standard library's encoder was ~1.5 % of its CPU. A `jsonb` column keeps the value, not the
text, so the spelling does not matter; what orjson refuses (an integer wider than 64 bits, an
object it does not know) goes to `json.dumps` as before, and fails there as it always did. NaN,
which `json.dumps` wrote and PostgreSQL refused, is written as null.
"""

from __future__ import annotations

import json
import select
from typing import Any

import orjson
from django.db.backends.postgresql import base, operations
from psycopg.pq import TransactionStatus
from psycopg.types.json import Jsonb

_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


def json_dumps(value: Any) -> bytes | str:
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except orjson.JSONEncodeError:
        return json.dumps(value)


class DatabaseOperations(operations.DatabaseOperations):
    def adapt_json_value(self, value: Any, encoder: Any) -> Any:
        if encoder is not None:
            return super().adapt_json_value(value, encoder)
        return Jsonb(value, dumps=json_dumps)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def is_usable(self) -> bool:
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        if conn.info.transaction_status != TransactionStatus.IDLE:
            return super().is_usable()
        poll = select.poll()
        poll.register(conn.fileno(), select.POLLIN | select.POLLPRI)
        return not poll.poll(0)
