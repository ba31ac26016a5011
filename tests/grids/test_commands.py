import json

import pytest
from django.core.management import CommandError, call_command

from tests.conftest import GRID_A, ZONE_A
from wangge.grids.models import Grid


def test_export_then_dry_run_then_commit(county, tmp_path):
    out = tmp_path / "tree.geojson"
    call_command("grids_export", "--root", ZONE_A, "-o", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert {f["properties"]["code"] for f in data["features"]} >= {ZONE_A, GRID_A}
    for f in data["features"]:
        f["properties"]["name"] += "（改）"
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    call_command("grids_import", str(out))  # dry run
    assert not Grid.objects.filter(name__endswith="（改）").exists()
    call_command("grids_import", str(out), "--commit")
    assert Grid.objects.get(code=GRID_A).name.endswith("（改）")


def test_import_of_broken_file_names_the_problem(db, tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text("{ not json", encoding="utf-8")
    with pytest.raises(CommandError, match="无法读取"):
        call_command("grids_import", str(bad), "--commit")


def test_import_with_rejects_writes_nothing(county, tmp_path):
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "3504270010010019", "name": "x", "level": "zone",
                               "parent_code": "350427001001"},
                "geometry": None,
            }
        ],
    }  # fmt: skip
    path = tmp_path / "r.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("grids_import", str(path), "--commit")
