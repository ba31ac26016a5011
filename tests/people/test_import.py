"""Bulk import: good rows go in, bad rows come back with the reason, files are checked first."""

import csv
import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wangge.people.jobs import import_job_create
from wangge.people.models import Household, ImportJob, Resident, Room

from .conftest import id_number

HEADER = ["姓名", "身份证号", "联系电话", "小区", "楼栋", "单元", "房号", "户籍类型", "人员类别"]


def good_rows(n: int, start: int = 1) -> list[list[str]]:
    return [
        [
            f"居民{i}",
            id_number(i),
            f"138{i:08d}",
            "怡园小区",
            "16",
            "1",
            f"{100 + i % 5}",
            "户籍",
            "",
        ]
        for i in range(start, start + n)
    ]


def as_csv(rows, header=HEADER, encoding="utf-8-sig") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def as_xlsx(rows, header=HEADER, title: str | None = None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(header)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(api, user, content: bytes, name="residents.csv", **extra):
    f = SimpleUploadedFile(name, content)
    return api.as_user(user).post(
        "/api/v1/people/imports/", {"file": f, "kind": "residents", **extra}, format="multipart"
    )


def test_good_rows_in_bad_rows_reported(api, worker_a, building_a, building_b):
    bad_check = id_number(50)[:-1] + ("0" if id_number(50)[-1] != "0" else "1")
    rows = [
        *good_rows(3),
        ["错号", bad_check, "", "怡园小区", "16", "1", "101", "户籍", ""],  # row 5
        ["重复", id_number(1), "", "怡园小区", "16", "1", "101", "户籍", ""],  # row 6
        ["无楼", id_number(60), "", "怡园小区", "88", "1", "101", "户籍", ""],  # row 7
        ["外网格", id_number(61), "", "府前社区", "9", "", "20", "户籍", ""],  # row 8: grid B
        ["未知", id_number(62), "", "怡园小区", "16", "1", "101", "外星", "低保、独居老人"],
    ]
    resp = upload(api, worker_a, as_csv(rows))
    assert resp.status_code == 201, resp.json()
    job = resp.json()
    assert job["status"] == "done"
    assert (job["created_count"], job["updated_count"], job["rejected_count"]) == (3, 0, 5)
    reasons = {(r["row"], r["column"]): r["reason"] for r in job["rejects_preview"]}
    assert "校验位错误" in reasons[(5, "身份证号")]
    assert "与第 2 行身份证号重复" in reasons[(6, "身份证号")]
    assert "未找到楼栋" in reasons[(7, "楼栋")]
    assert "未找到楼栋" in reasons[(8, "楼栋")]  # outside the worker's scope
    assert "户籍类型" in {c for (row, c) in reasons if row == 9}
    assert Resident.objects.count() == 3
    assert Room.objects.filter(building=building_a).count() == 3

    report = api.as_user(worker_a).get(f"/api/v1/people/imports/{job['id']}/rejects.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(report.content)).active
    assert [c.value for c in ws[1]] == ["行号", "列", "原因"]
    assert ws.max_row == 6


def test_reimport_updates_without_duplicates(api, worker_a, building_a):
    rows = good_rows(5)
    assert upload(api, worker_a, as_csv(rows)).json()["created_count"] == 5
    rows[0][0] = "改名了"
    rows[0][8] = "低保"
    job = upload(api, worker_a, as_csv(rows)).json()
    assert (job["created_count"], job["updated_count"]) == (0, 5)
    assert Resident.objects.count() == 5
    assert Household.objects.count() == Room.objects.count() == 5
    assert Resident.objects.get(name="改名了").tags == "|低保|"


def test_xlsx_with_title_row_and_gbk_csv(api, worker_a, building_a):
    resp = upload(api, worker_a, as_xlsx(good_rows(2), title="怡园社区人口台账"), "台账.xlsx")
    assert resp.json()["created_count"] == 2, resp.json()
    resp = upload(api, worker_a, as_csv(good_rows(2, 10), encoding="gb18030"), "gbk.csv")
    assert resp.json()["created_count"] == 2, resp.json()


def test_mapping_step_and_saved_mapping(api, worker_a, building_a):
    header = ["名字", "证件", "电话号", "小区", "楼", "单元", "房号", "人口性质", "人员类别"]
    content = as_csv(good_rows(2), header=header)
    c = api.as_user(worker_a)
    preview = c.post(
        "/api/v1/people/imports/preview/",
        {"file": SimpleUploadedFile("x.csv", content), "kind": "residents"},
        format="multipart",
    ).json()
    assert preview["headers"] == header
    assert set(preview["missing"]) == {"姓名", "身份证号", "楼栋", "户籍类型"}

    resp = upload(api, worker_a, content)
    assert resp.status_code == 400
    assert "缺少必需的列：姓名、身份证号、楼栋、户籍类型" in resp.json()["detail"]
    assert not ImportJob.objects.exists()

    mapping = (
        '{"name": "名字", "id_number": "证件", "building": "楼", "residence_type": "人口性质"}'
    )
    resp = upload(api, worker_a, content, mapping=mapping, save_mapping_as="老台账")
    assert resp.json()["created_count"] == 2
    from wangge.people.models import ColumnMapping

    saved = ColumnMapping.objects.get(name="老台账")
    resp = upload(api, worker_a, as_csv(good_rows(1, 20), header=header), mapping_id=saved.pk)
    assert resp.json()["created_count"] == 1


def test_file_too_large_refused_before_reading(worker_a, building_a, tmp_path):
    big = tmp_path / "big.csv"
    with open(big, "wb") as fh:  # 200 MB, sparse: instant and takes no disk
        fh.truncate(200 * 1024 * 1024)
    with open(big, "rb") as fh:
        from wangge.core.api import ServiceError

        with pytest.raises(ServiceError) as err:
            import_job_create(
                actor=worker_a,
                kind="residents",
                data=fh,
                size=big.stat().st_size,
                filename="big.csv",
            )
    assert err.value.status_code == 413 and "超过导入上限" in err.value.message
    assert not ImportJob.objects.exists() and not Resident.objects.exists()


def test_zip_bomb_xlsx_refused(api, worker_a, building_a):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (120 * 1024 * 1024))
    assert len(buf.getvalue()) < 1024 * 1024  # under a megabyte on the wire
    resp = upload(api, worker_a, buf.getvalue(), "bomb.xlsx")
    assert resp.status_code == 400
    assert "压缩炸弹" in resp.json()["detail"]
    assert not ImportJob.objects.exists()


def test_not_a_spreadsheet(api, worker_a, building_a):
    resp = upload(api, worker_a, b"\x00\x01\x02binary" * 100, "x.csv")
    assert resp.status_code == 400


def test_leader_cannot_import(api, leader, building_a):
    assert upload(api, leader, as_csv(good_rows(1))).status_code == 403


def test_other_users_job_is_not_found(api, worker_a, worker_b, building_a):
    job = upload(api, worker_a, as_csv(good_rows(1))).json()
    assert api.as_user(worker_b).get(f"/api/v1/people/imports/{job['id']}/").status_code == 404
    url = f"/api/v1/people/imports/{job['id']}/rejects.xlsx"
    assert api.as_user(worker_b).get(url).status_code == 404


def test_large_import_runs_as_background_task(
    api, worker_a, building_a, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from wangge.people.tasks import import_job_task

    settings.PEOPLE_IMPORT_INLINE_ROWS = 10
    with django_capture_on_commit_callbacks(execute=True):
        resp = upload(api, worker_a, as_csv(good_rows(30)))
    assert resp.status_code == 202
    job_id = resp.json()["id"]
    assert resp.json()["status"] == "queued" and resp.json()["progress"] == 0
    assert DBTaskResult.objects.count() == 1
    import_job_task.call(job_id)  # what `manage.py db_worker` does with the queued task
    job = api.as_user(worker_a).get(f"/api/v1/people/imports/{job_id}/").json()
    assert job["status"] == "done" and job["progress"] == 1.0
    assert job["created_count"] == 30 and job["total_rows"] == 30
    assert Resident.objects.count() == 30
    assert not ImportJob.objects.get(pk=job_id).stored_file  # upload deleted once read


def test_building_import(api, worker_a, county):
    from tests.conftest import GRID_A, GRID_B, grid_centre

    lat, lng = grid_centre(county[GRID_A])
    blat, blng = grid_centre(county[GRID_B])
    header = ["社区", "小区", "楼栋", "地址", "经度", "纬度"]
    rows = [
        ["怡园社区", "怡园小区", "十六栋", "怡园路1号", lng, lat],
        ["怡园社区", "怡园小区", "17", "", lng, lat],
        ["府前社区", "", "9", "", blng, blat],  # not in scope
        ["怡园社区", "", "18", "", "东经", lat],
    ]
    f = SimpleUploadedFile("b.csv", as_csv(rows, header=header))
    job = (
        api.as_user(worker_a)
        .post("/api/v1/people/imports/", {"file": f, "kind": "buildings"}, format="multipart")
        .json()
    )
    assert (job["created_count"], job["rejected_count"]) == (2, 2), job
    f = SimpleUploadedFile("b.csv", as_csv(rows[:2], header=header))
    job = (
        api.as_user(worker_a)
        .post("/api/v1/people/imports/", {"file": f, "kind": "buildings"}, format="multipart")
        .json()
    )
    assert (job["created_count"], job["updated_count"]) == (0, 2)


def test_copy_text_escapes_free_text():
    import datetime as dt

    from wangge.people.importing import StagedResident, copy_text

    s = StagedResident(
        row=2, name="a\tb\\c", id_cipher="g1.x.y", id_hash="h", sex="M",
        birth_date=dt.date(1950, 1, 2), phone_cipher="", phone_hash="", residence_type="registered",
        tags="", building_id=1, unit="1", room="101\n", household_no="", relation="",
        grid_id=3, grid_path="350427/", root_id=4,
    )  # fmt: skip
    line = copy_text([s])
    assert line.count("\n") == 1 and line.endswith("\n")
    fields = line[:-1].split("\t")
    assert len(fields) == 18
    assert fields[1] == "a\\tb\\\\c" and fields[12] == "101\\n" and fields[5] == "1950-01-02"
