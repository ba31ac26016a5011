"""Hotline fidelity: the received time starts the deadline clock, future received times are
refused, and the 回单 carries the handler's result and unit, not the centre's closing note."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from tests.hotline.conftest import building_a, push_key, source  # noqa: F401 (fixtures)
from tests.hotline.test_push_and_results import push
from wangge.cases.models import Case, Category
from wangge.cases.workflow import case_transition
from wangge.hotline.exporting import replies_xlsx
from wangge.hotline.models import HotlineOrder
from wangge.hotline.parsing import parse_limit

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
RESOLVE_BY = datetime(2027, 1, 19, 17, 30, tzinfo=SH)


@pytest.fixture
def fifteen_days(categories):
    """道路不洁 handled within 15 working days, as the hotline's rule for this order type."""
    Category.objects.filter(code="E0104").update(handling_limit=15, handling_unit="working_days")


@time_machine.travel(datetime(2026, 12, 28, 9, 40, tzinfo=SH), tick=False)
def test_received_time_starts_the_clock(api, source, push_key, building_a, fifteen_days):  # noqa: F811
    r = push(api, source, push_key, received_at="2026-12-28T09:00:00+08:00")
    assert r.status_code == 201, r.json()
    case = Case.objects.get(tracking_code=r.json()["tracking_code"])
    # 15 working days after Mon 28 Dec (the start day is not counted): 29–31 Dec (3), 1 Jan is
    # New Year's Day, 4–8 Jan (8), 11–15 Jan (13), 18 and 19 Jan (15) → close of business on
    # Tue 19 Jan 2027. Counted from the import time instead it would be 15 working days after
    # whenever the file arrived.
    assert case.resolve_by.astimezone(SH) == RESOLVE_BY


@time_machine.travel(datetime(2026, 12, 28, 9, 40, tzinfo=SH), tick=False)
def test_a_limit_in_the_deadline_column_counts_from_received(
    api,
    source,  # noqa: F811
    push_key,  # noqa: F811
    building_a,  # noqa: F811
    categories,
):
    r = push(api, source, push_key, received_at="2026-12-28T09:00:00+08:00", deadline="15个工作日")
    assert r.status_code == 201, r.json()
    order = HotlineOrder.objects.get(order_no="SX20261123001")
    assert order.deadline.astimezone(SH) == RESOLVE_BY
    assert order.case.resolve_by == order.deadline


def test_limits_parse():
    assert parse_limit("15个工作日") == (15.0, "working_days")
    assert parse_limit("3 工作日") == (3.0, "working_days")
    assert parse_limit("24小时") == (24.0, "natural_hours")
    assert parse_limit("2天") == (2.0, "natural_days")
    assert parse_limit("很快") is None and parse_limit("0个工作日") is None


@time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=SH), tick=False)
def test_received_in_the_future_refused(api, source, push_key, building_a, categories):  # noqa: F811
    r = push(api, source, push_key, received_at="2026-12-28T09:00:00+08:00")
    assert r.status_code == 400
    assert "晚于当前时间" in r.json()["detail"]
    assert not Case.objects.exists() and not HotlineOrder.objects.exists()
    # A few minutes ahead (clocks differ a little) is accepted.
    r = push(api, source, push_key, received_at="2026-12-02T10:05:00+08:00")
    assert r.status_code == 201


@time_machine.travel(datetime(2026, 12, 28, 9, 40, tzinfo=SH), tick=True)
def test_reply_sheet_gives_handler_result_and_unit(
    api,
    source,  # noqa: F811
    push_key,  # noqa: F811
    building_a,  # noqa: F811
    categories,
    worker_a,
    operator,
):
    r = push(api, source, push_key, received_at="2026-12-28T09:00:00+08:00")
    case = Case.objects.get(tracking_code=r.json()["tracking_code"])
    case_transition(case=case, actor=worker_a, action="claim")
    case_transition(case=case, actor=worker_a, action="resolve", reason="=已清扫玻璃并设警示")
    case_transition(case=case, actor=operator, action="close", reason="核查属实，同意结案")
    sheet = load_workbook(__import__("io").BytesIO(replies_xlsx(HotlineOrder.objects.all()))).active
    header, row = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    got = dict(zip(header, row, strict=True))
    # The handler's words (escaped: Excel must not run it as a formula), not the centre's note.
    assert got["办理结果"] == "'=已清扫玻璃并设警示"
    assert got["处置人"] == "worker_a"
    assert got["办理单位"] == case.handling_grid.name
