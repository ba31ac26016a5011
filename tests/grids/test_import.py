"""Importing a grid tree: good trees go in whole, bad ones are refused whole with reasons."""

from __future__ import annotations

import copy

import pytest

from tests.conftest import COMMUNITY_A, DISTRICT, GRID_A, TEST_SHAPE, ZONE_A
from wangge.grids.models import Grid, GridLevel, GridTreeVersion
from wangge.grids.services import grid_tree_export, grid_tree_import
from wangge.grids.synth import generate_county


def fc(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def square(lng, lat, size):
    return {
        "type": "Polygon",
        "coordinates": [
            [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
        ],
    }


def feature(code, name, level, parent, geometry, **extra):
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "level": level, "parent_code": parent, **extra},
        "geometry": geometry,
    }


def test_import_whole_county_creates_every_level(db):
    result = grid_tree_import(actor=None, collection=generate_county(shape=TEST_SHAPE))
    assert result.ok
    assert result.created == Grid.objects.count() == 1 + 2 + 4 + 8 + 16 + 2
    micro = Grid.objects.get(code=GRID_A)
    assert micro.level == GridLevel.MICRO
    assert micro.path == f"{DISTRICT}/350427001/{COMMUNITY_A}/{ZONE_A}/{GRID_A}/"
    assert micro.root.code == DISTRICT
    assert micro.ancestor_codes() == [DISTRICT, "350427001", COMMUNITY_A, ZONE_A]
    assert GridTreeVersion.objects.get().version >= 1


def test_reimport_same_tree_changes_nothing(county):
    version = GridTreeVersion.objects.get().version
    result = grid_tree_import(actor=None, collection=generate_county(shape=TEST_SHAPE))
    assert result.ok
    assert (result.created, result.updated) == (0, 0)
    assert result.unchanged == len(county)
    assert GridTreeVersion.objects.get().version == version  # nothing changed


def test_export_round_trips(county):
    exported = grid_tree_export(grids=Grid.objects.all())
    assert len(exported["features"]) == len(county)
    Grid.objects.update(name="x")  # the re-import puts the names back
    result = grid_tree_import(actor=None, collection=exported)
    assert result.ok and result.updated == len(county)
    assert Grid.objects.get(code=COMMUNITY_A).name == "怡园社区"


def test_geometry_change_bumps_grid_version(county):
    exported = grid_tree_export(grids=Grid.objects.filter(code=DISTRICT))
    ring = exported["features"][0]["geometry"]["coordinates"][0]
    ring[1] = [ring[1][0] + 0.001, ring[1][1]]  # move a corner outwards
    result = grid_tree_import(actor=None, collection=exported)
    assert result.ok and result.updated == 1
    assert Grid.objects.get(code=DISTRICT).version == 2


def snapshot():
    return sorted(Grid.objects.values_list("code", "name", "version", "geometry"))


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        (lambda f: f["properties"].update(code="35042700100100100X"), "code", "数字"),
        (lambda f: f["properties"].update(code="3504270010010010019"), "code", "位"),
        (lambda f: f["properties"].update(code="350428001001001009"), "code", "开头"),
        (
            lambda f: f["properties"].update(
                code="350427001001009001", parent_code="350427001001009"
            ),
            "parent_code",
            "不存在",
        ),
        (lambda f: f["properties"].update(level="kingdom"), "level", "无法识别"),
        (lambda f: f["properties"].update(name=""), "name", "名称"),
        (lambda f: f.update(geometry=None), "geometry", "边界"),
        (
            lambda f: f.update(geometry={"type": "Point", "coordinates": [117, 26]}),
            "geometry",
            "Point",
        ),
        (
            lambda f: f["geometry"]["coordinates"][0].__setitem__(1, [117.78, 95.0]),
            "geometry",
            "纬度 95.0 超出范围",
        ),
        (
            lambda f: f["geometry"]["coordinates"][0].__setitem__(1, ["a", 26.0]),
            "geometry",
            "不是有效数字",
        ),
        (lambda f: f["geometry"].update(coordinates=[]), "geometry", "为空"),
    ],
)
def test_bad_feature_is_refused_and_tree_untouched(county, mutate, field, words):
    before = snapshot()
    collection = grid_tree_export(grids=Grid.objects.filter(code__startswith=ZONE_A))
    target = next(f for f in collection["features"] if f["properties"]["code"] == GRID_A)
    target["properties"]["code"] = "350427001001001009"  # a new micro-grid …
    target["geometry"] = copy.deepcopy(target["geometry"])
    mutate(target)
    result = grid_tree_import(actor=None, collection=collection)
    assert not result.ok
    reject = result.rejects[0]
    assert reject.column == field
    assert words in reject.reason
    assert snapshot() == before


def test_self_intersecting_polygon_is_named(county):
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[117.771, 26.386], [117.772, 26.387], [117.772, 26.386],
                         [117.771, 26.387], [117.771, 26.386]]],
    }  # fmt: skip
    result = grid_tree_import(actor=None, collection=fc(feature(GRID_A, "怡园", 5, ZONE_A, bowtie)))
    assert "自相交" in result.rejects[0].reason


def test_child_outside_parent_is_refused(county):
    far = square(118.5, 27.0, 0.001)
    result = grid_tree_import(
        actor=None, collection=fc(feature("350427001001001009", "新网格", "micro", ZONE_A, far))
    )
    assert result.rejects[0].column == "geometry"
    assert "超出上级网格" in result.rejects[0].reason
    assert not Grid.objects.filter(code="350427001001001009").exists()


def test_overlapping_siblings_are_refused(county):
    # A new micro-grid drawn over micro-grid A.
    existing = Grid.objects.get(code=GRID_A)
    result = grid_tree_import(
        actor=None,
        collection=fc(
            feature("350427001001001009", "重叠网格", "micro", ZONE_A, existing.geometry)
        ),
    )
    assert not result.ok
    assert "重叠" in result.rejects[0].reason and GRID_A in result.rejects[0].reason


def test_overlap_within_one_file_is_refused(db):
    district = feature("350427", "区", 1, None, square(117.0, 26.0, 1.0))
    street = feature("350427001", "街道", 2, "350427", square(117.0, 26.0, 1.0))
    c1 = feature("350427001001", "甲社区", 3, "350427001", square(117.0, 26.0, 0.6))
    c2 = feature("350427001002", "乙社区", 3, "350427001", square(117.4, 26.0, 0.6))
    result = grid_tree_import(actor=None, collection=fc(district, street, c1, c2))
    assert [r.code for r in result.rejects] == ["350427001002"]
    assert Grid.objects.count() == 0


def test_shared_edges_and_small_slivers_are_tolerated(db):
    district = feature("350427", "区", 1, None, square(117.0, 26.0, 0.02))
    street = feature("350427001", "街道", 2, "350427", square(117.0, 26.0, 0.02))
    c1 = feature("350427001001", "甲社区", 3, "350427001", square(117.0, 26.0, 0.01))
    # Overlaps its neighbour by ~1 m (digitising slack), under the 5 m tolerance.
    c2 = feature("350427001002", "乙社区", 3, "350427001", square(117.00999, 26.0, 0.01))
    result = grid_tree_import(actor=None, collection=fc(district, street, c1, c2))
    assert result.ok, result.rejects


def test_special_grid_code_embeds_its_community(county):
    geom = Grid.objects.get(code=GRID_A).geometry
    wrong = feature(
        "01010035042700100299", "学校", "special", COMMUNITY_A, geom, special_kind="school"
    )
    assert "所属社区编码" in grid_tree_import(actor=None, collection=fc(wrong)).rejects[0].reason


def test_wrong_parent_level_is_refused(county):
    geom = Grid.objects.get(code=GRID_A).geometry
    f = feature("350427001001009", "片区", "zone", "350427001", geom)
    assert not grid_tree_import(actor=None, collection=fc(f)).ok


@pytest.mark.parametrize(
    "collection",
    [None, [], {"type": "Feature"}, {"type": "FeatureCollection", "features": []}, "text"],
)
def test_not_a_feature_collection(db, collection):
    from wangge.grids.services import GridImportError

    with pytest.raises(GridImportError):
        grid_tree_import(actor=None, collection=collection)
