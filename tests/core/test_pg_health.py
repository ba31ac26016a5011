"""The PostgreSQL health check (wangge.core.pgbackend): no round trip for a connection at rest,
and a connection the server ended is seen as such and replaced before a request uses it."""

from __future__ import annotations

import select
import tempfile

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction

from wangge.accounts.models import User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _backend_pid() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def _terminate(pid: int) -> None:
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, dbname=db["NAME"], user=db["USER"],
        password=db["PASSWORD"] or None, autocommit=True,
    ) as other:  # fmt: skip
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def _wait_readable(fileno: int) -> None:
    """Until the server's goodbye reaches the socket (bounded)."""
    readable, _w, _x = select.select([fileno], [], [], 10)
    assert readable, "the server's end of the connection did not arrive within 10 s"


def _usable_on_the_wire() -> tuple[bool, bytes]:
    """`is_usable()` and what crossed the connection meanwhile (libpq's trace)."""
    with tempfile.TemporaryFile() as wire:
        connection.connection.pgconn.trace(wire.fileno())
        try:
            usable = connection.is_usable()
        finally:
            connection.connection.pgconn.untrace()
        wire.seek(0)
        return usable, wire.read()


def test_a_connection_at_rest_is_usable_without_asking_the_server():
    _backend_pid()
    assert _usable_on_the_wire() == (True, b"")  # not one message sent or received


def test_inside_a_transaction_the_server_is_asked():
    with transaction.atomic():
        User.objects.count()
        usable, wire = _usable_on_the_wire()
    assert usable
    assert b"SELECT 1" in wire


def test_a_connection_the_server_ended_is_replaced_before_the_next_request_uses_it():
    assert connection.health_check_enabled
    pid = _backend_pid()
    _terminate(pid)
    _wait_readable(connection.connection.fileno())
    assert not connection.is_usable()
    # What Django does between requests, then the next request's first query.
    connection.close_if_unusable_or_obsolete()
    User.objects.create(username="after-restart")
    assert User.objects.filter(username="after-restart").exists()
    assert _backend_pid() != pid


def test_a_connection_psycopg_saw_break_is_not_usable():
    pid = _backend_pid()
    _terminate(pid)
    _wait_readable(connection.connection.fileno())
    raw = connection.connection
    with pytest.raises(psycopg.OperationalError):
        raw.execute("SELECT 1")
    assert raw.broken
    assert not connection.is_usable()
    connection.close()
