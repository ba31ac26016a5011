"""Point → leaf grid: coordinate systems, unlocated points, edges, and index rebuilds."""

from __future__ import annotations

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import shape

from tests.conftest import COMMUNITY_A, DISTRICT, GRID_A, GRID_A2, ZONE_A, grid_centre
from wangge.core.geo import CRS, CoordinateError, from_wgs84, to_wgs84
from wangge.grids.locator import GridLocator, locator
from wangge.grids.models import Grid, GridLevel, GridTreeVersion


def test_point_in_micro_grid_with_ancestors(county):
    lat, lng = grid_centre(county[GRID_A])
    loc = locator.locate(lat, lng)
    assert loc.grid.code == GRID_A
    assert [a.code for a in loc.ancestors] == [DISTRICT, "350427001", COMMUNITY_A, ZONE_A]
    assert loc.at_level(GridLevel.COMMUNITY).name == "怡园社区"


def test_point_outside_every_grid_is_unlocated(county):
    assert locator.locate(39.9, 116.4) is None  # Beijing, far from the county
    assert locator.locate(0, 0) is None


@pytest.mark.parametrize("crs", [CRS.GCJ02, CRS.BD09])
def test_chinese_map_coordinates_are_converted(county, crs):
    lat, lng = grid_centre(county[GRID_A])
    mlat, mlng = from_wgs84(lat, lng, crs)
    # The offset is hundreds of metres: taken raw, the point would fall elsewhere or nowhere.
    assert abs(mlat - lat) + abs(mlng - lng) > 0.002
    back = to_wgs84(mlat, mlng, crs)
    assert back == pytest.approx((lat, lng), abs=2e-6)  # well under a metre
    assert locator.locate(mlat, mlng, crs).grid.code == GRID_A


@pytest.mark.parametrize(
    ("lat", "lng", "message"),
    [(95, 117, "纬度"), (26, 190, "经度"), ("abc", 117, "数字"), (float("nan"), 117, "数字")],
)
def test_bad_coordinates_raise_clear_errors(county, lat, lng, message):
    with pytest.raises(CoordinateError, match=message):
        locator.locate(lat, lng)


def test_unknown_crs_is_refused():
    from wangge.core.geo import parse_crs

    with pytest.raises(CoordinateError, match="不支持的坐标系"):
        parse_crs("utm50n")


def test_shared_edge_resolves_to_smaller_code(county):
    a, b = shape(county[GRID_A].geometry), shape(county[GRID_A2].geometry)
    edge = a.intersection(b)
    assert edge.length > 0
    p = edge.interpolate(0.5, normalized=True)
    for _ in range(3):
        assert locator.locate(p.y, p.x).grid.code == min(GRID_A, GRID_A2)
    assert locator.locate_many([p.y], [p.x])[0].grid.code == min(GRID_A, GRID_A2)


def test_special_grids_overlay_without_stealing_the_leaf(county):
    special = Grid.objects.get(level=GridLevel.SPECIAL, parent__code=COMMUNITY_A)
    lat, lng = grid_centre(special)
    assert locator.locate(lat, lng).grid.level == GridLevel.MICRO
    assert [s.grid.code for s in locator.locate_special(lat, lng)] == [special.code]


def test_locate_many_matches_locate(county):
    points = [grid_centre(g) for g in county.values() if g.level == GridLevel.MICRO]
    points += [(39.9, 116.4), (95.0, 10.0)]
    lats, lngs = zip(*points, strict=True)
    many = locator.locate_many(lats, lngs)
    assert many[-2:] == [None, None]
    for (lat, lng), loc in zip(points[:-2], many[:-2], strict=True):
        assert loc == locator.locate(lat, lng)


def test_index_rebuilds_when_another_process_changes_the_tree(county, settings):
    settings.GRID_INDEX_CHECK_SECONDS = 0
    other = GridLocator()  # stands for another worker process
    lat, lng = grid_centre(county[GRID_A])
    assert other.locate(lat, lng).grid.code == GRID_A
    # Deactivate the grid behind the other process's back, as a change elsewhere would.
    Grid.objects.filter(code=GRID_A).update(is_active=False)
    assert other.locate(lat, lng).grid.code == GRID_A  # stamp unchanged: old index kept
    GridTreeVersion.objects.update(version=GridTreeVersion.objects.get().version + 1)
    assert other.locate(lat, lng) is None


def test_stale_index_is_rechecked_after_the_interval(county, settings):
    settings.GRID_INDEX_CHECK_SECONDS = 3600
    other = GridLocator()
    lat, lng = grid_centre(county[GRID_A])
    other.locate(lat, lng)
    Grid.objects.filter(code=GRID_A).update(is_active=False)
    GridTreeVersion.objects.update(version=GridTreeVersion.objects.get().version + 1)
    assert other.locate(lat, lng).grid.code == GRID_A  # within the interval: no query
    other.invalidate()
    assert other.locate(lat, lng) is None


@pytest.fixture
def coverage(county):
    leaves = [g for g in county.values() if g.level == GridLevel.MICRO]
    return shape(county[DISTRICT].geometry), {g.code: shape(g.geometry) for g in leaves}


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(u=st.floats(0, 1), v=st.floats(0, 1))
def test_any_point_in_coverage_lands_in_exactly_one_leaf(coverage, u, v):
    district, leaves = coverage
    minx, miny, maxx, maxy = district.bounds
    lng, lat = minx + u * (maxx - minx), miny + v * (maxy - miny)
    point = shapely.Point(lng, lat)
    loc = locator.locate(lat, lng)
    if not district.covers(point):
        assert loc is None
        return
    covering = sorted(code for code, g in leaves.items() if g.covers(point))
    assert covering, "the leaves tile the district"
    assert loc is not None and loc.grid.code == covering[0]


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_points_on_leaf_boundaries_resolve_deterministically(coverage, data):
    _, leaves = coverage
    code = data.draw(st.sampled_from(sorted(leaves)))
    t = data.draw(st.floats(0, 1))
    p = leaves[code].exterior.interpolate(t, normalized=True)
    covering = sorted(c for c, g in leaves.items() if g.covers(p))
    results = {locator.locate(p.y, p.x).grid.code for _ in range(2)}
    results.add(locator.locate_many([p.y], [p.x])[0].grid.code)
    assert results == {covering[0]}
