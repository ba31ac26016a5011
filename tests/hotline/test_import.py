"""Importing work-order files: idempotent by order number, bad rows reported, good rows kept."""

from __future__ import annotations

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.hotline.conftest import HEADER, order_rows, xlsx_bytes
from wangge.cases.contact import case_contact_phone
from wangge.cases.models import Case
from wangge.hotline.models import HotlineImport, HotlineOrder, ImportStatus
from wangge.hotline.services import import_rows, import_run


def test_same_file_twice_makes_each_case_once(source, operator):
    data = xlsx_bytes(order_rows(60))
    first = import_rows(actor=operator, source=source, data=data, filename="a.xlsx")
    assert (first.total, first.created, first.rejects) == (60, 60, [])
    second = import_rows(actor=operator, source=source, data=data, filename="a.xlsx")
    assert (second.created, second.updated, second.unchanged) == (0, 0, 60)
    assert Case.objects.filter(channel="hotline").count() == 60
    order = HotlineOrder.objects.get(order_no="12345000002")
    case = order.case
    assert case.category.code == "E0104" and case_contact_phone(case) == "13800000002"
    assert case.address == "某某路2号" and case.grid is None  # unresolvable: triage, address kept
    assert case.state == "submitted"


def test_resending_changed_rows_updates_the_orders(source, operator):
    rows = order_rows(5)
    import_rows(actor=operator, source=source, data=xlsx_bytes(rows), filename="a.xlsx")
    rows[1][4] = "路灯不亮，已经三天了，请尽快"
    rows[3][7] = rows[3][7].replace(day=rows[3][7].day + 1)
    report = import_rows(actor=operator, source=source, data=xlsx_bytes(rows), filename="b.xlsx")
    assert (report.created, report.updated, report.unchanged) == (0, 2, 3)
    order = HotlineOrder.objects.get(order_no=rows[1][0])
    assert order.content.startswith("路灯不亮，已经三天了") and order.revision == 1
    assert Case.objects.count() == 5


def test_bad_rows_are_reported_with_row_and_reason(source, operator):
    rows = order_rows(4)
    rows[1][4] = ""  # no content
    rows[2][1] = "上周三下午"  # no time
    rows[3][6] = "飞碟降落"  # unknown category
    report = import_rows(actor=operator, source=source, data=xlsx_bytes(rows), filename="x.xlsx")
    assert report.created == 1 and Case.objects.count() == 1
    assert [(r.row, r.column, r.reason) for r in report.rejects] == [
        (3, "诉求内容", "必填项为空"),
        (4, "受理时间", "无法识别的时间：上周三下午"),
        (5, "诉求分类", "未知的诉求分类：飞碟降落"),
    ]


def test_upload_through_the_api_runs_in_the_background(api, source, operator, worker_a):
    rows = order_rows(3)
    rows[0][4] = ""
    upload = SimpleUploadedFile("工单.xlsx", xlsx_bytes(rows))
    url = f"/api/v1/hotline/sources/{source.code}/imports/"
    # A grid worker cannot import (the source is not theirs to see).
    assert api.as_user(worker_a).post(url, {"file": upload}, format="multipart").status_code == 404
    upload.seek(0)
    r = api.as_user(operator).post(url, {"file": upload}, format="multipart")
    assert r.status_code == 202, r.content
    run = HotlineImport.objects.get(pk=r.data["id"])
    assert run.status == ImportStatus.PENDING
    import_run(import_id=run.pk)  # what the worker does
    detail = api.as_user(operator).get(f"/api/v1/hotline/imports/{run.pk}/").json()
    assert detail["status"] == "done" and detail["created"] == 2 and detail["rejected"] == 1
    assert detail["rejects"] == [{"row": 2, "column": "诉求内容", "reason": "必填项为空"}]
    assert api.as_user(worker_a).get(f"/api/v1/hotline/imports/{run.pk}/").status_code == 404


def test_a_file_without_the_columns_fails_as_a_whole(api, source, operator):
    upload = SimpleUploadedFile("x.xlsx", xlsx_bytes([["1", "2"]], header=["甲", "乙"]))
    r = api.as_user(operator).post(
        f"/api/v1/hotline/sources/{source.code}/imports/", {"file": upload}, format="multipart"
    )
    run = import_run(import_id=r.data["id"])
    assert run.status == ImportStatus.FAILED and "找不到表头" in run.error
    assert Case.objects.count() == 0


def test_wrong_file_type_is_refused(api, source, operator):
    upload = SimpleUploadedFile("x.pdf", b"%PDF")
    r = api.as_user(operator).post(
        f"/api/v1/hotline/sources/{source.code}/imports/", {"file": upload}, format="multipart"
    )
    assert r.status_code == 400 and HotlineImport.objects.count() == 0


@pytest.fixture(scope="session")
def ten_thousand_rows_file() -> bytes:
    return xlsx_bytes(order_rows(10_000, prefix="2026"))


# Each new order goes through the full intake: about 3.5 minutes on PostgreSQL on a quiet
# 2-CPU machine, so it runs in the PostgreSQL pass of `make test` (and CI), not on SQLite.
# The orders were received from 2026-11-02 to 2026-12-20: the import runs after the last one
# (received times in the future are refused).
@pytest.mark.postgres
@time_machine.travel("2027-01-05T10:00:00+08:00", tick=True)
def test_ten_thousand_rows_twice_yields_ten_thousand_cases(
    source, operator, ten_thousand_rows_file
):
    first = import_rows(
        actor=operator, source=source, data=ten_thousand_rows_file, filename="big.xlsx"
    )
    assert first.created == 10_000 and not first.rejects
    second = import_rows(
        actor=operator, source=source, data=ten_thousand_rows_file, filename="big.xlsx"
    )
    assert second.unchanged == 10_000 and second.created == 0
    assert Case.objects.filter(channel="hotline").count() == 10_000
    assert HotlineOrder.objects.count() == 10_000
    assert HEADER[0] == "工单编号"
