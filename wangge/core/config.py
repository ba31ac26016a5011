"""Per-process copies of the settings every intake reads, rebuilt when `ConfigVersion` moves.

Categories, routing rules, departments, webhook endpoints, Open311 clients and service
attributes, hotline sources and chat groups change a few times a month and are read by every
report. Each process keeps a `Snapshot` of them (built by the loaders registered with
`config_loader`) and serves it without a query. Whether it is still current is decided like the
grid locator and the working calendar decide theirs:

- any save, delete or many-to-many change of a watched model (admin, services, imports, the
  shell) bumps the one-row `ConfigVersion` in the same transaction and drops this process's
  copy at once, so the process that made a change sees it on its next read;
- every other process reads the stamp (one primary-key read) at most every
  `CONFIG_CHECK_SECONDS` and rebuilds when it moved: a change reaches all gunicorn workers within
  that interval. A check per request would cost one round trip on every intake for a table that
  changes a few times a month; a stale window of two seconds for a new routing rule costs
  nothing anyone could notice, and credentials revoked in the admin stop working within it.

Writes that send no model signal (`QuerySet.update`, `delete`, `bulk_create`, `bulk_update`)
go through `ConfigQuerySet`, the watched models' manager, which moves the stamp itself. Only
invalidation lives in the signal receivers, never business logic (as `django.contrib.sites`
clears its cache).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Model, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")

_loaders: dict[str, Callable[[], Any]] = {}
# Versions of other per-process caches whose objects a snapshot holds (the grid locator's:
# routing targets are grids). Registered by their apps, so core imports none of them.
_followed: list[Callable[[], Any]] = []


def config_follows(version: Callable[[], Any]) -> None:
    """Rebuild the snapshot whenever `version()` changes as well."""
    if version not in _followed:
        _followed.append(version)


class Snapshot:
    """The loaded values of one version: `snapshot.get("cases.categories")`."""

    def __init__(self, version: int, grid_version: tuple[Any, ...]) -> None:
        self.version = version
        self.grid_version = grid_version
        self._values: dict[str, Any] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            pass
        # Loaded on first use: a process that never takes an Open311 post never loads its
        # clients. Two threads may load the same part at once; both results are equal.
        value = _loaders[name]()
        with self._lock:
            return self._values.setdefault(name, value)


class ConfigCache:
    def __init__(self) -> None:
        self._snapshot: Snapshot | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Drop this process's copy; the next read rebuilds it from the database."""
        with self._lock:
            self._snapshot = None

    def current(self) -> Snapshot:
        # Grid objects are part of the snapshot (routing targets): follow the locator's version.
        grid_version = tuple(version() for version in _followed)
        snap = self._snapshot
        now = time.monotonic()
        if (
            snap is not None
            and snap.grid_version == grid_version
            and now - self._checked_at < settings.CONFIG_CHECK_SECONDS
        ):
            return snap
        version = _db_version()
        with self._lock:
            self._checked_at = now
            snap = self._snapshot
            if snap is None or snap.version != version or snap.grid_version != grid_version:
                snap = self._snapshot = Snapshot(version, grid_version)
            return snap


def _db_version() -> int:
    from wangge.core.models import ConfigVersion

    return ConfigVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0


config_cache = ConfigCache()


def config_loader(name: str) -> Callable[[Callable[[], T]], Callable[[], T]]:
    """Register a loader; the decorated name then returns the cached value for the current
    version (`categories()` instead of a query)."""

    def register(load: Callable[[], T]) -> Callable[[], T]:
        if name in _loaders:
            raise ValueError(f"config part {name!r} registered twice")
        _loaders[name] = load

        def cached() -> T:
            return config_cache.current().get(name)

        cached.__doc__ = load.__doc__
        cached.load = load  # type: ignore[attr-defined]
        return cached

    return register


def config_changed(**_ignored: Any) -> None:
    """Move the stamp in the caller's transaction and drop this process's copy (now and again
    after the commit, so a rebuild that ran in between cannot keep the old rows)."""
    from wangge.core.models import ConfigVersion

    ConfigVersion.move()
    config_cache.invalidate()
    transaction.on_commit(config_cache.invalidate)


def _on_change(sender: Any, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return  # fixtures loading: the stamp is moved by whoever loads them
    if kwargs.get("action", "post_").startswith("pre_"):
        return
    config_changed()


def watch(*models: type[Model]) -> None:
    """Move the stamp whenever a row of these models (or their many-to-many links) changes.
    Called from the apps' `ready()`."""
    for model in models:
        uid = f"wangge.core.config:{model._meta.label}"
        post_save.connect(_on_change, sender=model, dispatch_uid=uid + ":save", weak=False)
        post_delete.connect(_on_change, sender=model, dispatch_uid=uid + ":delete", weak=False)
        for m2m in model._meta.many_to_many:
            through = m2m.remote_field.through
            m2m_changed.connect(
                _on_change, sender=through, dispatch_uid=f"{uid}:{m2m.name}", weak=False
            )


class StampQuerySet(QuerySet):
    """The manager of a model some per-process copy depends on: bulk writes (which send no
    signal) call `moved` too, as the model's save and delete receivers do. `volatile` names
    columns no copy holds (a last-used time): writing only those moves nothing."""

    volatile: frozenset[str] = frozenset()

    @staticmethod
    def moved() -> None:
        raise NotImplementedError

    def update(self, **kwargs: Any) -> int:
        count = super().update(**kwargs)
        if count and set(kwargs) - self.volatile:
            self.moved()
        return count

    def delete(self) -> tuple[int, dict[str, int]]:
        result = super().delete()
        if result[0]:
            self.moved()
        return result

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        created = super().bulk_create(objs, *args, **kwargs)
        if created:
            self.moved()
        return created

    def bulk_update(self, objs: Any, fields: Any, *args: Any, **kwargs: Any) -> int:
        count = super().bulk_update(objs, fields, *args, **kwargs)
        if count and set(fields) - self.volatile:
            self.moved()
        return count


class ConfigQuerySet(StampQuerySet):
    """The manager of a watched model: bulk writes move the stamp too (they send no signal)."""

    moved = staticmethod(config_changed)
