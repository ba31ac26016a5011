import pytest

from tests.conftest import GRID_A, GRID_B
from wangge.people.address import chinese_to_int, parse
from wangge.people.selectors import address_resolve


@pytest.mark.parametrize(
    "text,n", [("十六", 16), ("二十", 20), ("一百零二", 102), ("三〇一", 301), ("十", 10)]
)
def test_chinese_numerals(text, n):
    assert chinese_to_int(text) == n


def test_parse_building_unit_room():
    p = parse("凤岗街道怡园社区十六栋2单元301室")
    assert (p.building, p.unit, p.room) == ("16", "2", "301")
    assert parse("府前社区9幢20号").room == "20"


@pytest.mark.parametrize(
    "text,grid",
    [
        ("怡园社区16号楼", GRID_A),
        ("沙溪区凤岗街道怡园社区十六号楼2单元301", GRID_A),
        ("怡园小区16#楼", GRID_A),
        ("怡园16栋", GRID_A),
        ("府前社区9幢20号", GRID_B),
        ("府前社区九号楼", GRID_B),
    ],
)
def test_address_resolve(building_a, building_b, text, grid):
    m = address_resolve(text)
    assert m is not None
    assert m.grid_code == grid
    assert m.building in (building_a, building_b)
    assert (m.lat, m.lng) == (m.building.lat, m.building.lng)
    assert 0.6 <= m.score <= 1


@pytest.mark.parametrize("text", ["怡园社区", "东门社区16号楼", "怡园社区99号楼", ""])
def test_address_resolve_none(building_a, building_b, text):
    assert address_resolve(text) is None
