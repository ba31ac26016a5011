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
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        conn = self.connection
        if conn is None or conn.closed or conn.broken:
            return False
        if conn.info.transaction_status != TransactionStatus.IDLE:
            return super().is_usable()
        poll = select.poll()
        poll.register(conn.fileno(), select.POLLIN | select.POLLPRI)
        return not poll.poll(0)
