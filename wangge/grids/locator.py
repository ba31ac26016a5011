"""Point → leaf grid, through an in-process Shapely STRtree.

Every process keeps its own index and rebuilds it when the tree version in the database moves
(checked at most every GRID_INDEX_CHECK_SECONDS, and at once after a change this process made).
A point on an edge shared by two leaves goes to the leaf with the smaller code, so the answer
never depends on the order grids were built. A point outside every leaf is "unlocated": None.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from shapely.geometry import shape

from wangge.core.geo import CRS, check_lat_lng, to_wgs84
from wangge.grids.models import Grid, GridLevel, GridTreeVersion


@dataclass(frozen=True, slots=True)
class GridRef:
    id: int
    code: str
    name: str
    level: int


@dataclass(frozen=True, slots=True)
class Location:
    """The leaf grid containing a point, with its ancestors from the root down."""

    grid: GridRef
    ancestors: tuple[GridRef, ...]
    path: str

    @property
    def chain(self) -> tuple[GridRef, ...]:
        return (*self.ancestors, self.grid)

    def at_level(self, level: int) -> GridRef | None:
        for ref in self.chain:
            if ref.level == level:
                return ref
        return None


class _Index:
    """An immutable snapshot: swapped whole, so readers never see a half-built index."""

    def __init__(self, version: int, leaves: list[Location], geoms: list, specials, sgeoms):
        self.version = version
        self.leaves = leaves
        self.tree = shapely.STRtree(geoms) if geoms else None
        self.specials = specials
        self.special_tree = shapely.STRtree(sgeoms) if sgeoms else None


class GridLocator:
    def __init__(self) -> None:
        self._index: _Index | None = None
        self._checked_at = 0.0
        self._stale = True
        self._lock = threading.Lock()

    # --- index lifecycle ---------------------------------------------------------------
    def invalidate(self) -> None:
        """Force a version check on the next lookup (called after this process commits)."""
        self._stale = True

    def version(self) -> int:
        """The tree version the current index was built from (checked as `locate` checks it)."""
        return self._current().version

    def _db_version(self) -> int:
        row = GridTreeVersion.objects.filter(pk=1).values_list("version", flat=True).first()
        return row or 0

    def _current(self) -> _Index:
        index = self._index
        now = time.monotonic()
        if (
            index is not None
            and not self._stale
            and now - self._checked_at < settings.GRID_INDEX_CHECK_SECONDS
        ):
            return index
        with self._lock:
            version = self._db_version()
            self._stale = False
            self._checked_at = time.monotonic()
            if self._index is None or self._index.version != version:
                self._index = self._build(version)
            return self._index

    def _build(self, version: int) -> _Index:
        rows = list(
            Grid.objects.filter(is_active=True).values(
                "id", "code", "name", "level", "parent_id", "path", "geometry"
            )
        )
        refs = {r["id"]: GridRef(r["id"], r["code"], r["name"], r["level"]) for r in rows}
        by_id = {r["id"]: r for r in rows}
        has_regular_child = {
            r["parent_id"] for r in rows if r["parent_id"] and r["level"] != GridLevel.SPECIAL
        }

        def ancestors(r) -> tuple[GridRef, ...]:
            chain = []
            pid = r["parent_id"]
            while pid is not None and pid in by_id:
                chain.append(refs[pid])
                pid = by_id[pid]["parent_id"]
            return tuple(reversed(chain))

        leaves, geoms, specials, sgeoms = [], [], [], []
        # Sorted by code: the position in the tree is the tie-break rank on shared edges.
        for r in sorted(rows, key=lambda r: r["code"]):
            if not r["geometry"]:
                continue
            loc = Location(refs[r["id"]], ancestors(r), r["path"])
            if r["level"] == GridLevel.SPECIAL:
                specials.append(loc)
                sgeoms.append(shape(r["geometry"]))
            elif r["id"] not in has_regular_child:
                leaves.append(loc)
                geoms.append(shape(r["geometry"]))
        return _Index(version, leaves, geoms, specials, sgeoms)

    # --- lookups -------------------------------------------------------------------------
    def locate(self, lat: float, lng: float, crs: CRS | str = CRS.WGS84) -> Location | None:
        """The leaf grid containing the point (`crs` converted to WGS-84 first), or None."""
        if crs == CRS.WGS84 or crs == "wgs84":
            lat, lng = check_lat_lng(lat, lng)
        else:
            lat, lng = to_wgs84(lat, lng, crs)
        index = self._current()
        if index.tree is None:
            return None
        hits = index.tree.query(shapely.Point(lng, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        return index.leaves[hits.min()]

    def locate_special(self, lat: float, lng: float) -> list[Location]:
        """Special grids (school, market …) covering a WGS-84 point; they overlay the leaves."""
        index = self._current()
        if index.special_tree is None:
            return []
        hits = index.special_tree.query(shapely.Point(lng, lat), predicate="intersects")
        return [index.specials[i] for i in sorted(hits.tolist())]

    def locate_many(
        self, lats: Sequence[float], lngs: Sequence[float], crs: CRS | str = CRS.WGS84
    ) -> list[Location | None]:
        """Bulk lookup (imports, demo data, re-location after a boundary change)."""
        lats_a = np.asarray(lats, dtype=float)
        lngs_a = np.asarray(lngs, dtype=float)
        if lats_a.shape != lngs_a.shape:
            raise ValueError("lats and lngs differ in length")
        if crs not in (CRS.WGS84, "wgs84"):
            pairs = [to_wgs84(a, o, crs) for a, o in zip(lats_a, lngs_a, strict=True)]
            lats_a = np.array([p[0] for p in pairs])
            lngs_a = np.array([p[1] for p in pairs])
        index = self._current()
        n = len(lats_a)
        if index.tree is None or n == 0:
            return [None] * n
        bad = ~((np.abs(lats_a) <= 90) & (np.abs(lngs_a) <= 180))
        pt_idx, leaf_idx = index.tree.query(shapely.points(lngs_a, lats_a), predicate="intersects")
        best = np.full(n, len(index.leaves), dtype=np.int64)
        # Smallest leaf rank wins on shared edges, exactly as in `locate`.
        np.minimum.at(best, pt_idx, leaf_idx)
        best[bad] = len(index.leaves)
        leaves = [*index.leaves, None]
        return [leaves[i] for i in best.tolist()]


locator = GridLocator()
