"""Keyset (cursor) paging of the case list API: next/previous, stable under inserts, ties on the
report time, bad cursors and offsets refused with a clear message, grid filters as a prefix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine

from tests.conftest import DISTRICT, GRID_A, GRID_B, STREET
from wangge.core.pagination import MAX_LIST_OFFSET, cursor_encode

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def cases(submit, resident):
    """Seven cases in grid A: two pairs share their report instant (ties broken by id)."""
    made = []
    for i, minutes in enumerate([0, 1, 1, 2, 3, 3, 4]):
        with time_machine.travel(T0 + timedelta(minutes=minutes), tick=False):
            made.append(submit(resident, description=f"第{i}处：楼下一地碎玻璃，小孩容易踩到"))
    return made


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return [r["tracking_code"] for r in response.json()["results"]]


def cursor_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["cursor"][0]


def newest_first(cases) -> list[str]:
    return [c.tracking_code for c in sorted(cases, key=lambda c: (c.created_at, c.pk))][::-1]


def test_next_and_previous_walk_the_whole_list_once(api, operator, cases):
    api.as_user(operator)
    seen, pages = [], []
    r = api.get("/api/v1/cases/?limit=3")
    assert r.json()["previous"] is None
    while True:
        page = codes(r)
        pages.append(page)
        seen += page
        nxt = r.json()["next"]
        if nxt is None:
            break
        r = api.get(f"/api/v1/cases/?limit=3&cursor={cursor_of(nxt)}")
    assert seen == newest_first(cases)  # each once, ties in id order
    assert [len(p) for p in pages] == [3, 3, 1]
    # Back from the last page: the page before it, then the first (which has no previous).
    back = api.get(f"/api/v1/cases/?limit=3&cursor={cursor_of(r.json()['previous'])}")
    assert codes(back) == pages[1]
    first = api.get(f"/api/v1/cases/?limit=3&cursor={cursor_of(back.json()['previous'])}")
    assert codes(first) == pages[0]
    assert first.json()["previous"] is None and first.json()["next"] is not None


def test_pages_stay_put_when_cases_arrive(api, operator, cases, submit, resident):
    api.as_user(operator)
    first = api.get("/api/v1/cases/?limit=3")
    nxt = cursor_of(first.json()["next"])
    expected = codes(api.get(f"/api/v1/cases/?limit=3&cursor={nxt}"))
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        for _ in range(4):
            submit(resident)
    # An offset would now show rows of page one again; the cursor shows the same page.
    assert codes(api.get(f"/api/v1/cases/?limit=3&cursor={nxt}")) == expected
    assert codes(api.get("/api/v1/cases/?limit=3&offset=3")) != expected


@pytest.mark.parametrize(
    "bad",
    ["nonsense", "eyJ4IjoxfQ", cursor_encode((T0, 1))[:-3], "W10", "WyIyMDI2IiwgMSwgMF0"],
)
def test_a_bad_cursor_is_a_400_with_a_clear_message(api, operator, cases, bad):
    r = api.as_user(operator).get(f"/api/v1/cases/?cursor={bad}")
    assert r.status_code == 400
    assert "cursor" in r.json()["detail"] and "第一页" in r.json()["detail"]


def test_deep_offsets_are_refused_and_small_ones_carry_a_cursor(api, operator, cases):
    api.as_user(operator)
    r = api.get(f"/api/v1/cases/?offset={MAX_LIST_OFFSET + 1}")
    assert r.status_code == 400 and "cursor" in r.json()["detail"]
    r = api.get("/api/v1/cases/?offset=2&cursor=abc")
    assert r.status_code == 400
    r = api.get("/api/v1/cases/?offset=2&limit=2")
    assert codes(r) == newest_first(cases)[2:4]
    assert (
        codes(api.get(f"/api/v1/cases/?limit=2&cursor={cursor_of(r.json()['next'])}"))
        == (newest_first(cases)[4:6])
    )


def test_a_cursor_shows_only_what_the_caller_may_see(api, worker_b, cases):
    """Grid B's worker follows a cursor made from grid A's rows: still none of them."""
    api.as_user(worker_b)
    cursor = cursor_encode((cases[-1].created_at, cases[-1].pk))
    assert codes(api.get(f"/api/v1/cases/?cursor={cursor}")) == []


def test_grid_filter_is_the_subtree_by_path_prefix(api, operator, cases, submit, resident):
    b = submit(resident, GRID_B)
    api.as_user(operator)
    assert set(codes(api.get(f"/api/v1/cases/?grid={STREET}"))) == {
        *(c.tracking_code for c in cases),
        b.tracking_code,
    }
    assert set(codes(api.get(f"/api/v1/cases/?grid={GRID_B}"))) == {b.tracking_code}
    assert len(codes(api.get(f"/api/v1/cases/?grid={DISTRICT}"))) == 8
    r = api.get("/api/v1/cases/?grid=999999")
    assert r.status_code == 400 and "999999" in r.json()["detail"]


def test_grid_filter_sql_is_a_prefix_match(api, operator, cases, county):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api.as_user(operator)
    with CaptureQueriesContext(connection) as ctx:
        assert len(codes(api.get(f"/api/v1/cases/?grid={GRID_A}"))) == len(cases)
    sql = " ".join(q["sql"] for q in ctx.captured_queries if "cases_case" in q["sql"])
    assert f"%/{GRID_A}/%" not in sql
    # A micro-grid (no sub-grids) is its own cases: an equality on the located grid.
    assert f'"grid_id" = {county[GRID_A].pk}' in sql and f"{county[GRID_A].path}%" not in sql


def test_grid_filter_on_a_subtree_is_a_prefix_match(api, operator, cases, county):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    parent = county[GRID_A].parent
    api.as_user(operator)
    with CaptureQueriesContext(connection) as ctx:
        assert len(codes(api.get(f"/api/v1/cases/?grid={parent.code}"))) == len(cases)
    sql = " ".join(q["sql"] for q in ctx.captured_queries if "cases_case" in q["sql"])
    assert f"%/{parent.code}/%" not in sql
    assert f"{parent.path}%" in sql
