"""Who a token is, without a query while nothing that decides it has moved.

Every API request presents a token, and reading it (its row, its user's, the user's role
assignments with their grids' and departments' paths: `tokens._live_token`) was a round trip
of every request, a fifth of a report's. Each process keeps the rows of the tokens it read,
each with the stamps it was read under, which come back in the same statement as the rows:

- `AuthVersion`, moved in the same transaction as any change to a user, a role assignment or a
  token other than its last use (saves and deletes through the receivers below, bulk writes
  through `AuthQuerySet`): a revoked or refreshed token, a new password, a deactivated user, a
  granted or removed role;
- `GridTreeVersion` and `ConfigVersion`: the grids' paths and the departments' service areas,
  which the data scope is made of.

A kept token is served while the newest stamps this process has read are the ones it was read
under and were read less than `API_TOKEN_CHECK_SECONDS` ago (every miss reads them again; a
busy process reads one token per interval). So a change made in another process takes effect
everywhere within that interval, as a stopped Open311 client's key does (wangge.core.config),
and in the process that made it at once. A kept token is also served only while its last use
is less than `tokens.TOUCH_EVERY` old: the idle limit is judged on the database's time, and
the touch that moves it is written as before.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

# Tokens kept per process, at most: a county's staff and active residents; past it the process
# starts again from none (each is read again on its next use).
MAX_KEPT = 20_000


class TokenCache:
    def __init__(self) -> None:
        self._kept: dict[str, tuple[tuple[Any, ...], list[tuple[Any, ...]]]] = {}
        self._stamps: tuple[Any, ...] | None = None
        self._read_at = 0.0  # when the statement that returned `_stamps` was sent (monotonic)
        self._lock = threading.Lock()

    def get(self, digest: str) -> list[tuple[Any, ...]] | None:
        """The kept rows of a token, or None when they must be read."""
        kept = self._kept.get(digest)
        if kept is None:
            return None
        stamps, rows = kept
        if (
            stamps != self._stamps
            or time.monotonic() - self._read_at >= settings.API_TOKEN_CHECK_SECONDS
        ):
            return None
        return rows

    def put(
        self, digest: str, stamps: tuple[Any, ...], rows: list[tuple[Any, ...]], read_at: float
    ) -> None:
        """Keep `rows`, read with `stamps` by a statement sent at `read_at`."""
        with self._lock:
            if stamps != self._stamps:
                if read_at < self._read_at:
                    return  # a read sent before the newest one: its stamps may be older
                self._kept.clear()
                self._stamps = stamps
            self._read_at = max(self._read_at, read_at)
            if len(self._kept) >= MAX_KEPT:
                self._kept.clear()
            self._kept[digest] = (stamps, rows)

    def touched(self, digest: str, rows: list[tuple[Any, ...]]) -> None:
        """The token's rows after this process wrote its new last use."""
        with self._lock:
            kept = self._kept.get(digest)
            if kept is not None:
                self._kept[digest] = (kept[0], rows)

    def invalidate(self) -> None:
        with self._lock:
            self._kept.clear()
            self._stamps = None
            self._read_at = 0.0


token_cache = TokenCache()


def auth_changed() -> None:
    """Move `AuthVersion` in the caller's transaction and drop this process's tokens (now and
    again after the commit, so a token read in between cannot stay)."""
    from wangge.accounts.models import AuthVersion

    AuthVersion.move()
    token_cache.invalidate()
    transaction.on_commit(token_cache.invalidate)


def _receiver(volatile: frozenset[str], *, new_moves: bool) -> Any:
    """A post_save receiver: a save moves the stamp unless it wrote only `volatile` columns (a
    last login, a last use), or it made a row no process holds yet (`new_moves` False)."""

    def saved(
        sender: Any, created: bool = False, update_fields: Any = None, raw: bool = False, **_: Any
    ) -> None:
        if raw or (created and not new_moves):
            return  # fixtures loading, or a new user or token
        if update_fields is not None and not set(update_fields) - volatile:
            return
        auth_changed()

    return saved


def _deleted(sender: Any, **kwargs: Any) -> None:
    auth_changed()


def watch() -> None:
    """Connect the receivers (from the accounts app's `ready()`)."""
    from wangge.accounts.models import ApiToken, RoleAssignment, User

    # A new role assignment changes a scope some process may hold; a new user or token does not.
    for model, new_moves in ((User, False), (RoleAssignment, True), (ApiToken, False)):
        saved = _receiver(model.objects.all().volatile, new_moves=new_moves)
        uid = f"wangge.accounts.tokencache:{model._meta.label}"
        post_save.connect(saved, sender=model, dispatch_uid=uid + ":save", weak=False)
        post_delete.connect(_deleted, sender=model, dispatch_uid=uid + ":delete", weak=False)
