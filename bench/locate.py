"""Point → leaf grid throughput: the project's locator beside a bare Shapely STRtree.

    .venv/bin/python bench/locate.py [--single 20000] [--bulk 200000] [--rounds 3]

Builds a generated county of 12,544 micro-grids (through the real import, with all its checks),
then times the same random points through `wangge.grids.locator.locator` and through a bare
STRtree over the same leaf polygons, round after round so machine noise hits both alike.
Prints each rate and the ratio project / bare (1.0 = no overhead).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import _django

_django.setup()

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from shapely.geometry import shape  # noqa: E402

from wangge.grids.locator import locator  # noqa: E402
from wangge.grids.models import Grid, GridLevel  # noqa: E402
from wangge.grids.services import grid_tree_import  # noqa: E402
from wangge.grids.synth import BENCH_SHAPE, generate_county  # noqa: E402


def build_tree() -> float:
    if Grid.objects.filter(level=GridLevel.MICRO).count() >= 12_000:
        return 0.0
    t = time.perf_counter()
    result = grid_tree_import(actor=None, collection=generate_county(shape=BENCH_SHAPE))
    assert result.ok, result.rejects[:3]
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--single", type=int, default=20_000)
    ap.add_argument("--bulk", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    import_s = build_tree()
    leaves = Grid.objects.filter(level=GridLevel.MICRO).order_by("code")
    geoms = [shape(g) for g in leaves.values_list("geometry", flat=True)]
    print(f"leaf grids: {len(geoms)}  (tree import with validation: {import_s:.1f} s)")
    bare = shapely.STRtree(geoms)
    district = shape(Grid.objects.get(level=GridLevel.DISTRICT).geometry)
    minx, miny, maxx, maxy = district.bounds
    rng = random.Random(7)

    # 90% inside the county's box, 10% outside (unlocated), as real intake sees.
    def point():
        if rng.random() < 0.9:
            return miny + rng.random() * (maxy - miny), minx + rng.random() * (maxx - minx)
        return 30 + rng.random(), 120 + rng.random()

    single = [point() for _ in range(args.single)]
    bulk = [point() for _ in range(args.bulk)]
    lats = np.array([p[0] for p in bulk])
    lngs = np.array([p[1] for p in bulk])
    locator.locate(*single[0])  # build the index outside the timing

    def run_project_single():
        for lat, lng in single:
            locator.locate(lat, lng)

    def run_bare_single():
        for lat, lng in single:
            hits = bare.query(shapely.Point(lng, lat), predicate="intersects")
            if len(hits):
                hits.min()

    def run_project_bulk():
        locator.locate_many(lats, lngs)

    def run_bare_bulk():
        pt, leaf = bare.query(shapely.points(lngs, lats), predicate="intersects")
        best = np.full(len(lats), len(geoms), dtype=np.int64)
        np.minimum.at(best, pt, leaf)

    # Same answers, or the comparison means nothing.
    sample = single[:2000]
    for lat, lng in sample:
        loc = locator.locate(lat, lng)
        hits = bare.query(shapely.Point(lng, lat), predicate="intersects")
        expect = leaves[int(hits.min())].code if len(hits) else None
        assert (loc.grid.code if loc else None) == expect

    rates: dict[str, list[float]] = {k: [] for k in ("ps", "bs", "pb", "bb")}
    for _ in range(args.rounds):
        for key, fn, n in (
            ("bs", run_bare_single, len(single)),
            ("ps", run_project_single, len(single)),
            ("bb", run_bare_bulk, len(bulk)),
            ("pb", run_project_bulk, len(bulk)),
        ):
            t = time.perf_counter()
            fn()
            rates[key].append(n / (time.perf_counter() - t))
    med = {k: statistics.median(v) for k, v in rates.items()}
    print(f"single lookups/s: project {med['ps']:,.0f}  bare STRtree {med['bs']:,.0f}  "
          f"ratio {med['ps'] / med['bs']:.2f}")  # fmt: skip
    print(f"bulk lookups/s:   project {med['pb']:,.0f}  bare STRtree {med['bb']:,.0f}  "
          f"ratio {med['pb'] / med['bb']:.2f}")  # fmt: skip
    print(f"(median of {args.rounds} rounds; {len(single):,} single, {len(bulk):,} bulk points)")


if __name__ == "__main__":
    main()
