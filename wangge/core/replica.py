"""Reads a streaming replica may serve, and the router that sends them there.

`DATABASE_REPLICA_URL` adds a database alias `replica`: a PostgreSQL hot standby fed by the
primary's own streaming replication. Nothing reads from it unless it was declared read-only:

- GET/HEAD requests under `WANGGE_REPLICA_READ_PATHS` (the cockpit, the statistics API, Open311
  lists, public tracking), through `ReplicaMiddleware`;
- code that wraps a read-only selector in `replica_reads()` (exports and reports run by jobs).

Every write, and every read outside those, goes to the primary. Sessions, the cache table,
login throttles and tokens are always read on the primary: a stale copy of them would let a
revoked session or an exhausted throttle through.

Read-your-writes: a request that wrote answers with the primary's WAL position in a cookie.
While the replica has not replayed up to that position, the same browser's replica reads go to
the primary, so nobody sees an older version of what they just did. A replica that does not
answer is skipped the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
LSN_COOKIE = "wangge_lsn"
_LSN = re.compile(r"^[0-9A-F]{1,8}/[0-9A-F]{1,8}$")
# Models whose freshness is a security matter (sessions, throttles, lockouts, tokens, users and
# their roles): never read from a copy that may lag.
PRIMARY_ONLY_APPS = frozenset({"sessions", "django_cache", "axes", "authtoken", "accounts"})

_allowed: ContextVar[bool] = ContextVar("wangge_replica_allowed", default=False)
# The WAL position this request's reads must see, or None; and the answer once asked.
_min_lsn: ContextVar[str | None] = ContextVar("wangge_replica_min_lsn", default=None)
_caught_up: ContextVar[bool | None] = ContextVar("wangge_replica_caught_up", default=None)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside may be served by the replica (usable as a decorator too)."""
    token = _allowed.set(True)
    try:
        yield
    finally:
        _allowed.reset(token)


@contextmanager
def replica_must_see(lsn: str | None) -> Iterator[None]:
    """Replica reads inside go to the primary until the replica has replayed `lsn`."""
    tokens = (_min_lsn.set(lsn if lsn and _LSN.match(lsn) else None), _caught_up.set(None))
    try:
        yield
    finally:
        _caught_up.reset(tokens[1])
        _min_lsn.reset(tokens[0])


def replica_has_replayed(lsn: str) -> bool:
    """Whether the replica has replayed the primary's WAL up to `lsn` (False if it is down)."""
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            row = cursor.fetchone()
    except DatabaseError:
        return False
    return bool(row and row[0])


def primary_wal_position() -> str | None:
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        row = cursor.fetchone()
    return row[0] if row else None


def _replica_usable() -> bool:
    if not (_allowed.get() and replica_configured()):
        return False
    lsn = _min_lsn.get()
    if lsn is None:
        return True
    known = _caught_up.get()
    if known is None:
        known = replica_has_replayed(lsn)
        _caught_up.set(known)
    return known


class ReplicaRouter:
    """Reads declared read-only go to the replica when it is usable; the rest to the primary."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        return REPLICA if _replica_usable() else DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # The replica is a copy of the primary: objects from either relate freely.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA


class ReplicaMiddleware:
    """Routes GET/HEAD under the configured paths to the replica, and keeps read-your-writes."""

    SAFE = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.paths: tuple[str, ...] = tuple(getattr(settings, "WANGGE_REPLICA_READ_PATHS", ()))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_configured():
            return self.get_response(request)
        with replica_must_see(request.COOKIES.get(LSN_COOKIE)):
            if request.method in self.SAFE and request.path.startswith(self.paths):
                with replica_reads():
                    response = self.get_response(request)
            else:
                response = self.get_response(request)
        if request.method not in self.SAFE and response.status_code < 400:
            lsn = primary_wal_position()
            if lsn:
                response.set_cookie(
                    LSN_COOKIE,
                    lsn,
                    max_age=settings.WANGGE_REPLICA_STICKY_SECONDS,
                    httponly=True,
                    samesite="Lax",
                    secure=request.is_secure(),
                )
        return response
