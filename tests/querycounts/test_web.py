"""Pages that list things (workbench queue and its poll, console tabs, my reports) and the case
pages: as many queries for 3N rows as for N. Rows are counted in the HTML (`data-case`)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import GRID_A
from tests.querycounts.conftest import MICRO
from wangge.cases.models import Case
from wangge.cases.workflow import case_transition
from wangge.core.pagination import cursor_encode

pytestmark = pytest.mark.django_db


# Budgets include the navigation's one question about serving roles (party member, volunteer,
# team, store keeper): a constant query per page, never per row.


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rows(response) -> int:
    assert response.status_code == 200, response.content[:300]
    return len(set(re.findall(r'data-case="([A-Z0-9]+)"', response.content.decode())))


def links(prefix: str):
    def count(response) -> int:
        assert response.status_code == 200, response.content[:300]
        return len(set(re.findall(rf'href="{prefix}([A-Z0-9]+)/"', response.content.decode())))

    return count


@pytest.mark.parametrize("path", ["/grid-work/", "/grid-work/queue/"])
def test_worker_queue_and_its_poll_are_flat(flat, make_cases, resident, worker_a, path):
    client = client_for(worker_a)

    def grow(n):
        # Half stay to be claimed, half are claimed by the worker ("我在办").
        make_cases(n, actor=resident, claim_by=worker_a, codes=MICRO, grids=(GRID_A,))

    grow(2)
    flat(lambda: client.get(path), lambda: grow(4), budget=15, rows=rows)


def test_worker_queue_does_not_load_grid_boundaries(make_cases, resident, worker_a):
    """The queue is polled every few seconds: the grids' GeoJSON must not travel with it."""
    make_cases(2, actor=resident, claim_by=worker_a, codes=MICRO, grids=(GRID_A,))
    client = client_for(worker_a)
    with CaptureQueriesContext(connection) as ctx:
        assert rows(client.get("/grid-work/queue/")) == 2
    case_queries = [q["sql"] for q in ctx.captured_queries if "cases_case" in q["sql"]]
    assert case_queries
    assert not [sql for sql in case_queries if "geometry" in sql]


@pytest.mark.parametrize("tab", ["triage", "supervision", "open", "all"])
def test_console_tabs_are_flat(flat, make_cases, resident, operator, worker_a, tab):
    client = client_for(operator)

    def grow(n):
        cases = make_cases(n, actor=resident, claim_by=worker_a, codes=MICRO, grids=(GRID_A,))
        # Unlocated reports wait in triage; urged ones show under supervision.
        for case in cases:
            if case.state == "claimed":
                case_transition(case=case, actor=operator, action="urge", reason="请尽快处理")
        from wangge.cases.services import case_submit

        for i in range(n):
            case_submit(actor=resident, channel="h5", description=f"路灯不亮了，第{i}盏")

    grow(2)
    flat(lambda: client.get(f"/console/?tab={tab}"), lambda: grow(4), budget=17, rows=rows)


def test_my_reports_page_is_flat(flat, make_cases, resident):
    client = client_for(resident)
    make_cases(2, actor=resident)
    flat(
        lambda: client.get("/my/"),
        lambda: make_cases(4, actor=resident),
        budget=9,
        rows=links("/track/"),
    )


def test_case_page_is_flat_in_its_events(flat, make_cases, resident, worker_a):
    case = make_cases(1, actor=resident, codes=MICRO, grids=(GRID_A,))[0]
    case_transition(case=case, actor=worker_a, action="claim")
    client = client_for(worker_a)

    def note(n):
        for i in range(n):
            case_transition(case=case, actor=worker_a, action="comment", reason=f"联系物业{i}")

    note(2)
    flat(
        lambda: client.get(f"/cases/{case.tracking_code}/"),
        lambda: note(6),
        budget=20,
        rows=lambda r: r.content.decode().count("联系物业"),
    )


def test_case_page_reads_a_supervisors_roles_once(make_cases, resident, operator):
    """The district operator supervises every case of the district: which actions the page
    offers is decided from the scope read once, not by a role query per action."""
    case = make_cases(1, actor=resident, codes=MICRO, grids=(GRID_A,))[0]
    client = client_for(operator)
    url = f"/cases/{case.tracking_code}/"
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    role_reads = [q for q in ctx.captured_queries if "accounts_roleassignment" in q["sql"]]
    assert len(role_reads) <= 2, "\n".join(q["sql"][:400] for q in role_reads)
    assert len(ctx.captured_queries) <= 20, len(ctx.captured_queries)


def test_tracking_page_is_flat_in_its_replies(flat, make_cases, resident, worker_a):
    case = make_cases(1, actor=resident, codes=MICRO, grids=(GRID_A,))[0]
    case_transition(case=case, actor=worker_a, action="claim")
    client = client_for(resident)

    def reply(n):
        for i in range(n):
            case_transition(case=case, actor=worker_a, action="reply", reason=f"进展{i}号")

    reply(2)
    flat(
        lambda: client.get(f"/track/{case.tracking_code}/"),
        lambda: reply(4),
        budget=14,
        rows=lambda r: len(re.findall(r"进展\d+号", r.content.decode())),
    )


def test_worker_history_is_flat(flat, make_cases, resident, worker_a):
    """The worker's history pages by cursor: the same queries for 3N cases as for N."""
    client = client_for(worker_a)

    def grow(n):
        make_cases(2 * n, actor=resident, claim_by=worker_a, codes=MICRO, grids=(GRID_A,))

    grow(2)
    flat(lambda: client.get("/grid-work/history/"), lambda: grow(4), budget=15, rows=rows)


def test_console_all_tab_by_cursor_is_flat(flat, make_cases, resident, operator):
    """Page two of 全部, reached by its cursor link, costs what page one does."""
    client = client_for(operator)

    def second_page():
        # The cursor page one's "next" link carries: after its 50th row.
        last = Case.objects.order_by("-created_at", "-id").values_list("created_at", "id")[49]
        return client.get(f"/console/?tab=all&cursor={cursor_encode(last)}")

    def grow(n):
        make_cases(n, actor=resident, codes=MICRO, grids=(GRID_A,), photo=False)

    grow(52)
    first = client.get("/console/?tab=all").content.decode()
    fiftieth = Case.objects.order_by("-created_at", "-id").values_list("created_at", "id")[49]
    assert f"cursor={cursor_encode(fiftieth)}" in first
    # The page's own budget (19, as page one) and the test's lookup of the 50th row.
    flat(second_page, lambda: grow(4), budget=20, rows=rows)
