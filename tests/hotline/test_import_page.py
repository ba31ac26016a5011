"""The 12345 import page: upload a sheet with bad rows, watch the progress bar move by itself,
download the rows that were refused; and the progress the importer reports on the way."""

from __future__ import annotations

import io

import openpyxl
import pytest
import time_machine
from django.test import Client

from tests.hotline.conftest import order_rows, xlsx_bytes
from tests.workspace.axe import assert_accessible
from tools.browser import DESKTOP
from wangge.hotline.models import HotlineImport, ImportStatus
from wangge.hotline.services import PROGRESS_EVERY, import_rows, import_run

# The generated orders were received from 2026-11-02 on: every import here runs after them.
AFTER_THE_ORDERS = "2026-11-20T10:00:00+08:00"


def _sheet_with_bad_rows(n: int) -> bytes:
    rows = order_rows(n)
    for i in range(5, n, 100):
        rows[i][4] = ""  # no content: refused with its row number
    return xlsx_bytes(rows)


@pytest.mark.django_db
@time_machine.travel(AFTER_THE_ORDERS, tick=True)
def test_import_reports_progress_in_steps_up_to_the_whole_file(source, operator):
    seen: list[tuple[int, int]] = []
    report = import_rows(
        actor=operator,
        source=source,
        data=_sheet_with_bad_rows(450),
        filename="orders.xlsx",
        progress=lambda done, total: seen.append((done, total)),
    )
    assert {total for _done, total in seen} == {450}
    done = [d for d, _total in seen]
    # The five refused rows count as gone through from the start; then every PROGRESS_EVERY.
    assert done == [5, 5 + PROGRESS_EVERY, 5 + 2 * PROGRESS_EVERY]
    assert report.created == 445 and len(report.rejects) == 5


@pytest.mark.django_db
@time_machine.travel(AFTER_THE_ORDERS, tick=True)
def test_rejects_workbook_is_for_the_centre_only(source, operator, worker_a):
    run = HotlineImport.objects.create(
        source=source,
        filename="x.xlsx",
        status=ImportStatus.DONE,
        rejects=[{"row": 3, "column": "诉求内容", "reason": "必填项为空"}],
        rejected=1,
    )
    url = f"/people/imports/hotline/{run.pk}/rejects.xlsx"
    centre, worker = Client(), Client()
    centre.force_login(operator)
    worker.force_login(worker_a)
    answer = centre.get(url)
    assert answer.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    assert list(sheet.iter_rows(values_only=True)) == [
        ("行号", "列", "原因"),
        (3, "诉求内容", "必填项为空"),
    ]
    assert worker.get(url).status_code in (403, 404)


@pytest.mark.browser
@time_machine.travel(AFTER_THE_ORDERS, tick=True)
def test_upload_watch_progress_and_download_rejects(browser_factory, source, operator, tmp_path):
    path = tmp_path / "12345工单.xlsx"
    path.write_bytes(_sheet_with_bad_rows(1000))
    s = browser_factory(DESKTOP)
    s.log_in(operator)
    page = s.page
    page.set_default_timeout(60_000)  # reading and importing a sheet on a busy test machine
    s.goto("/people/imports/hotline/")
    assert_accessible(page)
    page.select_option("#h-source", source.code)
    page.set_input_files("#h-file", str(path))
    page.click("[data-form=hotline-import] button[type=submit]")
    page.wait_for_selector("#hotline-progress[data-status=pending]")
    assert_accessible(page)
    # Record every value the bar shows, and prove the page is never reloaded.
    page.evaluate(
        """() => {
          window.__seen = [];
          window.__same_page = true;
          new MutationObserver(() => {
            const bar = document.querySelector('#hotline-progress [role=progressbar]');
            if (bar) window.__seen.push(Number(bar.getAttribute('aria-valuenow')));
          }).observe(document.querySelector('main'), {subtree: true, childList: true});
        }"""
    )
    run = HotlineImport.objects.get()
    import_run(import_id=run.pk)  # the task worker; the page keeps polling meanwhile
    page.wait_for_selector("#hotline-progress[data-status=done]")
    seen = page.evaluate("window.__seen")
    assert page.evaluate("window.__same_page") is True
    assert seen and seen[-1] == 100 and seen == sorted(seen)
    run.refresh_from_db()
    assert (run.total, run.created, run.rejected) == (1000, 990, 10)
    assert_accessible(page)
    with page.expect_download() as dl:
        page.click("[data-download-rejects]")
    assert dl.value.suggested_filename.endswith("-rejects.xlsx")
    with open(dl.value.path(), "rb") as fh:
        report = openpyxl.load_workbook(io.BytesIO(fh.read())).active
    rows = list(report.iter_rows(values_only=True))
    assert len(rows) == 11 and rows[1][1] == "诉求内容"
