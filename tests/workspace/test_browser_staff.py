"""In Chromium, as community staff on a desktop: find a resident, reveal with a reason (audited),
edit a household, import 5,000 rows with bad ones while the progress bar moves by itself,
download the rejects — and axe-core finds no serious or critical problem on the way."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from tests.workspace.axe import assert_accessible
from tests.workspace.conftest import id_number
from tools.browser import DESKTOP
from wangge.core.models import AuditLog
from wangge.people.models import ImportJob, Resident

pytestmark = pytest.mark.browser


def test_find_reveal_and_edit_household(browser_factory, community_staff, resident_a, building_a):
    s = browser_factory(DESKTOP)
    s.log_in(community_staff)
    page = s.page
    page.set_default_timeout(30_000)  # a busy shared test machine
    page.click(".mainnav [data-nav=people]")
    page.wait_for_selector("[data-table=residents]")
    assert_accessible(page)
    page.fill("input[name=q]", "桂英")
    page.click("[data-filters] button[type=submit]")
    page.click("[data-table=residents] a:has-text('张桂英')")
    page.wait_for_selector("#reveal")
    assert id_number(101) not in page.content()
    assert_accessible(page)

    page.click("[data-open-dialog=reveal-dialog]")
    page.fill("#id_reason", "看")
    page.click("[data-submit-reveal]")
    page.wait_for_selector("#reveal-body .field-error")
    assert "请选择查看用途" in page.inner_text("#reveal-body")
    assert page.input_value("#id_reason") == "看"
    assert_accessible(page)
    page.select_option("#id_purpose", "visit")
    page.fill("#id_reason", "入户走访前核对身份")
    page.click("[data-submit-reveal]")
    page.wait_for_selector("[data-full-id]")
    assert page.inner_text("[data-full-id]") == id_number(101)
    assert page.get_attribute("[data-tel]", "href") == "tel:13805981234"
    assert "入户走访前核对身份" in page.inner_text("[data-reveal-log]")
    log = AuditLog.objects.get(action=AuditLog.Action.REVEAL)
    assert log.actor_id == community_staff.pk and log.detail["purpose"] == "visit"
    page.click("[data-close-dialog]")

    page.click("[data-action=edit-household]")
    page.wait_for_selector("[data-form=household]")
    assert_accessible(page)
    page.fill("#id_number", "H-301")
    page.select_option("#id_head", str(resident_a.pk))
    page.click("[data-form=household] button[type=submit]")
    page.wait_for_selector("[data-table=rooms]")
    assert "H-301" in page.inner_text("[data-table=rooms]")
    assert_accessible(page)
    assert Resident.objects.get(pk=resident_a.pk).relation == "户主"


def _big_file(n: int = 5000, bad_every: int = 50) -> bytes:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("人口")
    ws.append(["怡园社区人口台账"])
    ws.append(["姓名", "身份证号", "联系电话", "小区", "楼栋", "单元", "房号", "户籍类型"])
    for i in range(n):
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=i // 800)
        number = id_number(100 + i % 800, birth=birth)
        if i % bad_every == 7:
            number = number[:-1] + ("0" if number[-1] != "0" else "1")  # wrong check digit
        ws.append(
            [f"居民{i}", number, "", "怡园小区", "16号楼", str(i % 4 + 1), str(100 + i), "户籍"]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_import_5000_rows_progress_and_rejects(
    browser_factory, community_staff, building_a, tmp_path
):
    from wangge.people.jobs import import_job_run

    path = tmp_path / "怡园社区人口台账.xlsx"
    path.write_bytes(_big_file())
    s = browser_factory(DESKTOP)
    s.log_in(community_staff)
    page = s.page
    # Reading a 5,000-row workbook takes a few seconds on a busy test machine.
    page.set_default_timeout(60_000)
    s.goto("/people/imports/")
    assert_accessible(page)
    page.select_option("#id_kind", "residents")
    page.set_input_files("#id_file", str(path))
    page.click("[data-submit-upload]")
    page.wait_for_selector("[data-table=preview]")
    assert_accessible(page)
    page.click("[data-start-import]")
    page.wait_for_selector("#import-progress[data-status=queued]")
    assert_accessible(page)
    # Record every value the bar shows, and prove the page is never reloaded.
    page.evaluate(
        """() => {
          window.__seen = [];
          window.__same_page = true;
          new MutationObserver(() => {
            const bar = document.querySelector('[role=progressbar]');
            if (bar) window.__seen.push(Number(bar.getAttribute('aria-valuenow')));
          }).observe(document.querySelector('main'), {subtree: true, childList: true});
        }"""
    )
    job = ImportJob.objects.get()
    assert job.total_rows >= 5000
    import_job_run(job_id=job.pk)  # the task worker; the page keeps polling meanwhile
    page.wait_for_selector("#import-progress[data-status=done]", timeout=60_000)
    seen = page.evaluate("window.__seen")
    assert page.evaluate("window.__same_page") is True
    assert seen and seen[-1] == 100 and seen == sorted(seen)
    job.refresh_from_db()
    assert job.created_count == 4900 and job.rejected_count == 100
    assert page.inner_text("[data-created]") == "4900"
    assert_accessible(page)
    with page.expect_download() as dl:
        page.click("[data-download-rejects]")
    assert dl.value.suggested_filename.endswith("-rejects.xlsx")
    with open(dl.value.path(), "rb") as fh:
        report = openpyxl.load_workbook(io.BytesIO(fh.read())).active
    rows = list(report.iter_rows(values_only=True))
    assert len(rows) == 101 and "校验位" in str(rows[1])
