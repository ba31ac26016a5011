"""Imports with a screen: upload, map columns (remembered per layout), preview the first rows
with their problems, run, watch progress, download the reject report."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import COMMUNITY_A, GRID_A, grid_centre
from tests.workspace.conftest import id_number
from wangge.people.models import Asset, ColumnMapping, ImportJob, Organisation, Place, Resident

pytestmark = pytest.mark.django_db


def _csv(rows: list[list[str]], name: str = "people.csv") -> SimpleUploadedFile:
    text = "\n".join(",".join(r) for r in rows) + "\n"
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def _upload(c, kind: str, f) -> str:
    resp = c.post("/people/imports/", {"kind": kind, "file": f})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    return resp["Location"]


def test_resident_import_with_odd_headers_preview_and_rejects(
    client_for, community_staff, building_a
):
    c = client_for(community_staff)
    rows = [
        ["名字", "身份证号", "小区", "楼栋", "房号", "户籍类型", "人员类别"],
        ["王小明", id_number(301), "怡园小区", "16号楼", "101", "户籍", "低保"],
        ["错号码", id_number(302)[:-1] + "X", "怡园小区", "16号楼", "102", "户籍", ""],
        ["无楼栋", id_number(303), "怡园小区", "99号楼", "103", "户籍", ""],
    ]
    map_url = _upload(c, "residents", _csv(rows))
    page = c.get(map_url)
    html = page.content.decode()
    # "名字" is not a known header: 姓名 is missing, the start button is disabled.
    assert "缺少必需的列" in html and "姓名" in html and "data-start-import disabled" in html
    # Map it by hand; the preview shows each row's problems, and never a full ID number.
    mapping = {"map_name": "名字", "map_id_number": "身份证号", "map_building": "楼栋"}
    mapping |= {"map_compound": "小区"}
    mapping |= {"map_room": "房号", "map_residence_type": "户籍类型", "map_tags": "人员类别"}
    html = c.post(map_url, {**mapping, "go": "0"}).content.decode()
    assert "校验位" in html and "99" in html
    assert id_number(301) not in html
    resp = c.post(map_url, {**mapping, "go": "1"})
    assert resp.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE and job.created_count == 1
    assert job.rejected_count == 2
    html = c.get(resp["Location"]).content.decode()
    assert 'aria-valuenow="100"' in html and "hx-trigger" not in html
    assert "data-download-rejects" in html
    report = c.get(f"/people/imports/{job.pk}/rejects.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(report.content)).active
    found = [r for r in ws.iter_rows(values_only=True)]
    assert [r[0] for r in found[1:]] == [3, 4]
    assert Resident.objects.filter(name="王小明").exists()
    # The mapping is remembered for this layout: the next upload of the same headers is ready.
    assert ColumnMapping.objects.filter(created_by=community_staff).count() == 1
    html = c.get(_upload(c, "residents", _csv(rows))).content.decode()
    assert "已按上次同样格式的文件填好" in html and "data-start-import disabled" not in html


def test_wrong_file_is_refused_at_upload_with_the_error_next_to_the_field(
    client_for, community_staff
):
    c = client_for(community_staff)
    junk = SimpleUploadedFile("people.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    resp = c.post("/people/imports/", {"kind": "residents", "file": junk})
    html = resp.content.decode()
    assert resp.status_code == 400 and "不支持旧版 .xls 文件" in html
    assert 'data-field="file"' in html and not ImportJob.objects.exists()


def test_large_import_is_queued_and_polled(client_for, community_staff, building_a, settings):
    settings.PEOPLE_IMPORT_INLINE_ROWS = 5
    c = client_for(community_staff)
    header = ["姓名", "身份证号", "小区", "楼栋", "房号", "户籍类型"]
    rows = [header] + [
        [f"居民{i}", id_number(400 + i), "怡园小区", "16号楼", str(100 + i), "户籍"]
        for i in range(20)
    ]
    map_url = _upload(c, "residents", _csv(rows))
    resp = c.post(map_url, {"map_name": "姓名", "go": "1"})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.QUEUED
    frag = c.get(f"/people/imports/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in frag and 'aria-valuenow="0"' in frag
    from wangge.people.tasks import import_job_task

    import_job_task.call(job.pk)  # what the worker does with the queued task
    frag = c.get(f"/people/imports/{job.pk}/progress/").content.decode()
    assert 'aria-valuenow="100"' in frag and "hx-trigger" not in frag
    assert "20" in frag
    assert resp.status_code == 302


def test_someone_elses_import_is_not_found(client_for, community_staff, worker_b, building_a):
    c = client_for(community_staff)
    rows = [["姓名", "身份证号", "小区", "楼栋", "房号", "户籍类型"]]
    rows.append(["王小明", id_number(501), "怡园小区", "16号楼", "101", "户籍"])
    c.post(_upload(c, "residents", _csv(rows)), {"go": "1"})
    job = ImportJob.objects.get()
    other = client_for(worker_b)
    assert other.get(f"/people/imports/{job.pk}/").status_code == 404
    assert other.get(f"/people/imports/{job.pk}/rejects.xlsx").status_code == 404


def test_organisation_asset_and_place_imports(client_for, community_staff, county, departments):
    c = client_for(community_staff)
    lat, lng = grid_centre(county[GRID_A])
    orgs = [
        ["类别", "名称", "所属网格", "联系人"],
        ["物业服务企业", "怡园物业", COMMUNITY_A, "陈经理"],
        ["志愿服务队", "银发志愿队", "怡园社区", ""],
        ["不存在的类别", "某组织", COMMUNITY_A, ""],
        ["企业", "外区企业", "350427001002", ""],
    ]
    c.post(_upload(c, "organisations", _csv(orgs)), {"go": "1"})
    job = ImportJob.objects.get(kind="organisations")
    assert (job.created_count, job.rejected_count) == (2, 2), job.rejects
    assert Organisation.objects.filter(name="怡园物业", grid__code=COMMUNITY_A).exists()

    assets = [
        ["部件编码", "部件类别编码", "名称", "权属部门", "经度", "纬度"],
        ["LD-001", "0106", "路灯", "chengguan", str(lng), str(lat)],
        ["JG-001", "A0103", "井盖", "自来水公司", str(lng), str(lat)],
        ["BAD-1", "12", "坏编码", "chengguan", str(lng), str(lat)],
    ]
    c.post(_upload(c, "assets", _csv(assets)), {"go": "1"})
    job = ImportJob.objects.get(kind="assets")
    assert (job.created_count, job.rejected_count) == (2, 1), job.rejects
    assert Asset.objects.get(code="JG-001").category_code == "0103"

    places = [
        ["类别", "名称", "地址", "经度", "纬度", "最近检查"],
        ["小餐饮场所", "老王面馆", "怡园路 3 号", str(lng), str(lat), "2026-10-01"],
        ["小网吧", "星空网吧", "怡园路 5 号", "abc", str(lat), ""],
    ]
    c.post(_upload(c, "places", _csv(places)), {"go": "1"})
    job = ImportJob.objects.get(kind="places")
    assert (job.created_count, job.rejected_count) == (1, 1), job.rejects
    assert Place.objects.get(name="老王面馆").kind == "small_restaurant"
