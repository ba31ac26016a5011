"""Lists paged by cursor in their own order: console 督办 and 办理中 (deadline, overdue first,
priority), the base data pages (grid path, then name or household), the order desk.

Every row is shown exactly once walking forwards, the same rows come back walking backwards,
ties and empty deadlines included; a later page costs the queries the first one does; grid
filters are one prefix match on the path (never a leading-wildcard LIKE).
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import COMMUNITY_A, COMMUNITY_B, GRID_A, GRID_A2, GRID_B, grid_centre, make_user
from tests.querycounts.conftest import MICRO
from tests.querycounts.test_web import client_for, rows
from wangge.cases.models import Case, CaseState, workflow_writes
from wangge.core.api import ServiceError
from wangge.core.pagination import cursor_encode, keyset_page
from wangge.people.idcard import make_id_number
from wangge.people.models import Resident
from wangge.people.services import building_create, resident_create

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def walk(qs, order, limit):
    """Every page forwards, then every page backwards from the last: the rows of each."""
    pages, cursor = [], None
    while True:
        page = keyset_page(qs, cursor=cursor, limit=limit, order=order)
        pages.append([r.pk for r in page.rows])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    back, cursor = [pages[-1]], page.previous_cursor
    while cursor is not None:
        page = keyset_page(qs, cursor=cursor, limit=limit, order=order)
        back.insert(0, [r.pk for r in page.rows])
        cursor = page.previous_cursor
    return pages, back


@pytest.fixture
def open_cases(make_cases, resident, worker_a):
    """Nine open cases (every other one claimed): deadlines shared by pairs, two without a
    deadline, some overdue, urged or of high priority."""
    cases = make_cases(
        9, actor=resident, claim_by=worker_a, codes=MICRO, grids=(GRID_A,), photo=False
    )
    for i, c in enumerate(cases):
        with workflow_writes():  # fixture rows: the states and deadlines this test needs
            Case.objects.filter(pk=c.pk).update(
                resolve_by=None if i in (3, 6) else T0 + dt.timedelta(hours=i // 2),
                overdue=i % 3 == 0,
                urge_count=i % 2,
                priority=i % 4 == 0,
            )
    return cases


@pytest.mark.parametrize(
    "order",
    [("resolve_by",), ("-overdue", "resolve_by"), ("-priority", "-overdue", "resolve_by")],
)
@pytest.mark.parametrize("limit", [1, 2, 4])
def test_case_tabs_walk_every_row_once(open_cases, order, limit):
    qs = Case.objects.filter(state__in=[CaseState.DISPATCHED, CaseState.CLAIMED])
    expected = list(
        Case.objects.filter(pk__in=[c.pk for c in open_cases])
        .order_by(*(keyset_order(term) for term in order), "pk")
        .values_list("pk", flat=True)
    )
    forwards, backwards = walk(qs, order, limit)
    assert [pk for page in forwards for pk in page] == expected
    assert backwards == forwards


def keyset_order(term: str):
    """The order a list promises: an empty deadline after every date (PostgreSQL's default)."""
    from django.db.models import F

    name = term.lstrip("-")
    if name != "resolve_by":
        return term
    return F(name).desc(nulls_first=True) if term.startswith("-") else F(name).asc(nulls_last=True)


def test_residents_walk_by_path_and_household(county):
    for i in range(7):
        lat, lng = grid_centre(county[(GRID_A, GRID_A2)[i % 2]])
        building = building_create(
            actor=None, community=county[COMMUNITY_A], number=f"{i}号楼",
            lat=lat + i * 1e-5, lng=lng,
        )  # fmt: skip
        for k in range(2):
            resident_create(
                actor=None, name=f"居民{i}{k}", id_number=make_id_number("350427", T0.date(), 10 * i + k),  # noqa: E501
                building=building, unit="1", room=f"{100 + i}", residence_type="户籍",
            )  # fmt: skip
    qs = Resident.objects.all()
    order = ("grid_path", "household_id")
    expected = list(qs.order_by(*order, "pk").values_list("pk", flat=True))
    forwards, backwards = walk(qs, order, 3)
    assert [pk for page in forwards for pk in page] == expected
    assert backwards == forwards


@pytest.mark.parametrize(
    "bad",
    [
        "nonsense",
        cursor_encode((T0, 1)),  # the report-time cursor of another list
        cursor_encode(("a/", "x", 1)),  # a text where the household id goes
        cursor_encode(("a" * 2000, 1, 1)),
    ],
)
def test_a_cursor_of_another_order_is_refused(county, bad):
    with pytest.raises(ServiceError) as err:
        keyset_page(
            Resident.objects.all(), cursor=bad, limit=5, order=("grid_path", "household_id")
        )
    assert "游标" in err.value.message


def _next(html: str) -> str | None:
    m = re.search(r'href="\?([^"]+)" data-page="next"', html)
    return unescape(m.group(1)) if m else None


@pytest.mark.parametrize("tab", ["supervision", "open"])
def test_console_working_tabs_page_by_cursor(
    make_cases, resident, operator, tab, django_assert_max_num_queries
):
    """督办 and 办理中: 52 cases make two pages; page two by its cursor link shows the other two,
    with the queries page one costs; no page number anywhere."""
    cases = make_cases(52, actor=resident, codes=MICRO, grids=(GRID_A, GRID_A2), photo=False)
    ids = [c.pk for c in cases]
    with workflow_writes():  # fixture rows: open, urged, deadlines shared five ways
        Case.objects.filter(pk__in=ids).update(urge_count=1)
        for k, pk in enumerate(ids):
            Case.objects.filter(pk=pk).update(resolve_by=T0 + dt.timedelta(hours=k % 5))
    client = client_for(operator)
    client.get(f"/console/?tab={tab}")  # warm the per-process caches
    with CaptureQueriesContext(connection) as one:
        first = client.get(f"/console/?tab={tab}")
    assert rows(first) == 50
    html = first.content.decode()
    assert not re.search(r"[?&;]page=", html)
    link = _next(html)
    assert link and "cursor=" in link and f"tab={tab}" in link
    with CaptureQueriesContext(connection) as two:
        second = client.get(f"/console/?{link}")
    assert rows(second) == 2
    assert len(two.captured_queries) == len(one.captured_queries)
    seen = set(re.findall(r'data-case="([A-Z0-9]+)"', html))
    seen |= set(re.findall(r'data-case="([A-Z0-9]+)"', second.content.decode()))
    assert len(seen) == 52
    assert 'data-page="prev"' in second.content.decode()
    # 排序 = 优先级 pages by cursor as well.
    r = client.get(f"/console/?tab={tab}&sort=priority")
    assert rows(r) == 50 and "cursor=" in (_next(r.content.decode()) or "")
    # A cursor that is not one: a 400 in Chinese, not a 500.
    bad = client.get(f"/console/?tab={tab}&cursor=xyz")
    assert bad.status_code == 400 and "游标" in bad.content.decode()


def test_resident_page_two_by_cursor_and_grid_prefix(county, community_staff):
    """The residents page: 52 people make two pages read by cursor, page two costing page one's
    queries; the grid filter is one prefix match on the path, not `LIKE '%/code/%'`."""
    lat, lng = grid_centre(county[GRID_A])
    building = building_create(
        actor=None, community=county[COMMUNITY_A], number="1号楼", lat=lat, lng=lng
    )
    for i in range(52):
        resident_create(
            actor=None, name=f"居民{i}", id_number=make_id_number("350427", T0.date(), i),
            building=building, unit="1", room=f"{100 + i}", residence_type="户籍",
        )  # fmt: skip
    client = client_for(community_staff)
    client.get("/people/residents/")
    with CaptureQueriesContext(connection) as one:
        first = client.get("/people/residents/")
    assert first.status_code == 200
    html = first.content.decode()
    assert html.count("data-resident=") >= 50
    link = _next(html)
    assert link and "cursor=" in link
    with CaptureQueriesContext(connection) as two:
        second = client.get(f"/people/residents/?{link}")
    assert second.status_code == 200
    assert len(two.captured_queries) == len(one.captured_queries)
    assert "居民" in second.content.decode()
    with CaptureQueriesContext(connection) as filtered:
        r = client.get(f"/people/residents/?grid={county[GRID_A].code}")
    assert r.status_code == 200
    sql = " ".join(q["sql"] for q in filtered.captured_queries)
    assert "%/" not in sql
    assert f"LIKE '{county[GRID_A].path}%'" in sql.replace("\\", "") or (
        f"{county[GRID_A].path}%" in sql
    )


def test_order_desk_pages_by_cursor(county, community_staff):
    r = client_for(community_staff).get("/community/desk/?tab=all&cursor=xyz")
    assert r.status_code == 400 and "游标" in r.content.decode()


def _keys(html: str, attr: str) -> list[str]:
    return re.findall(rf'{attr}="([A-Z0-9]+)"', html)


def _walk(client, path: str, query: str, attr: str) -> list[str]:
    """The rows of every page of a staff list, following its 下一页 links."""
    seen: list[str] = []
    link: str | None = query
    while link is not None:
        r = client.get(f"{path}?{link}")
        assert r.status_code == 200, r.content[:300]
        seen += _keys(r.content.decode(), attr)
        link = _next(r.content.decode())
    return seen


def test_follow_ups_page_by_cursor_latest_call_first(
    make_cases, resident, community_staff, operator
):
    """回访 · 已回访: 52 calls in community A make two pages read by cursor, the latest call
    first (ties on the time broken by id), page two costing page one's queries and linking
    back; the calls of grid B (another community) never appear for A's staff."""
    from wangge.cases.models import FollowUpStatus, FollowUpTask

    ours = make_cases(52, actor=resident, codes=MICRO, grids=(GRID_A, GRID_A2), photo=False)
    theirs = make_cases(3, actor=resident, codes=MICRO, grids=(GRID_B,), photo=False)
    for k, case in enumerate(ours + theirs):
        # Fixture rows: calls made at five instants, so many share their time.
        FollowUpTask.objects.create(
            case=case, closure=1, status=FollowUpStatus.DONE, grid_path=case.grid_path,
            due_at=T0, done_at=T0 + dt.timedelta(hours=k % 5), created_at=T0,
        )  # fmt: skip
    tasks = FollowUpTask.objects.filter(case__in=ours).order_by("-done_at", "-id")
    expected = [t.case.tracking_code for t in tasks.select_related("case")]
    client = client_for(community_staff)
    client.get("/console/follow-ups/?status=done")  # warm the per-process caches
    with CaptureQueriesContext(connection) as one:
        first = client.get("/console/follow-ups/?status=done")
    html = first.content.decode()
    assert first.status_code == 200 and 'data-total="52"' in html
    assert not re.search(r"[?&;]page=", html)
    link = _next(html)
    assert link and "cursor=" in link and "status=done" in link
    with CaptureQueriesContext(connection) as two:
        second = client.get(f"/console/follow-ups/?{link}")
    page_two = second.content.decode()
    assert len(two.captured_queries) == len(one.captured_queries)
    assert _keys(html, "data-task") + _keys(page_two, "data-task") == expected
    back = re.search(r'href="\?([^"]+)" data-page="prev"', page_two)
    assert back
    again = client.get(f"/console/follow-ups/?{unescape(back.group(1))}").content.decode()
    assert _keys(again, "data-task") == expected[:50]
    # The operator sees grid B's calls too; community A's staff never do.
    seen = _walk(client_for(operator), "/console/follow-ups/", "status=done", "data-task")
    assert len(seen) == 55 and {c.tracking_code for c in theirs} <= set(seen)
    assert not {c.tracking_code for c in theirs} & set(_keys(html + page_two, "data-task"))
    bad = client.get("/console/follow-ups/?status=done&cursor=xyz")
    assert bad.status_code == 400 and "游标" in bad.content.decode()


def test_store_redemptions_page_by_cursor_newest_first(county, community_staff):
    """积分超市管理: 32 redemptions of store A make two pages read by cursor, newest first,
    each link keeping the store; store B's keeper (another community) cannot open A's list."""
    from decimal import Decimal

    from wangge.people.services import household_get_or_create, room_get_or_create
    from wangge.points.models import Goods, Redemption, Store, StoreKind
    from wangge.points.rules import rules_seed
    from wangge.points.services import points_award, points_redeem

    rules_seed()
    stores = {}
    for grid, community, count in ((GRID_A, COMMUNITY_A, 32), (GRID_B, COMMUNITY_B, 2)):
        c = county[community]
        store = Store.objects.create(
            name=f"{c.name}积分超市", kind=StoreKind.COMMUNITY, community=c, grid_path=c.path,
            root_id=c.root_id,
        )  # fmt: skip
        soap = Goods.objects.create(store=store, name="肥皂", unit="块", price=Decimal(1), stock=99)
        lat, lng = grid_centre(county[grid])
        building = building_create(actor=None, community=c, number="1号楼", lat=lat, lng=lng)
        hh = household_get_or_create(
            room=room_get_or_create(building=building, unit="", number="1")
        )
        points_award(
            actor=None, household=hh, rule_code="good_deed", source_type="manual",
            source_id="seed", amount=20,
        )  # fmt: skip
        points_award(
            actor=None, household=hh, rule_code="service_order", source_type="manual",
            source_id="seed", amount=20,
        )  # fmt: skip
        for k in range(count):
            at = T0 + dt.timedelta(minutes=k // 4)  # four at each instant
            points_redeem(actor=None, goods=soap, quantity=1, household=hh, now=at)
        stores[community] = store
    a, b = stores[COMMUNITY_A], stores[COMMUNITY_B]
    expected = list(
        Redemption.objects.filter(store=a)
        .order_by("-created_at", "-id")
        .values_list("code", flat=True)
    )
    client = client_for(community_staff)
    client.get(f"/points/store/?store={a.pk}")  # warm the per-process caches
    with CaptureQueriesContext(connection) as one:
        first = client.get(f"/points/store/?store={a.pk}")
    html = first.content.decode()
    assert first.status_code == 200 and 'data-total="32"' in html
    link = _next(html)
    assert link and "cursor=" in link and f"store={a.pk}" in link
    with CaptureQueriesContext(connection) as two:
        second = client.get(f"/points/store/?{link}")
    assert len(two.captured_queries) == len(one.captured_queries)
    assert (
        _keys(html, "data-redemption") + _keys(second.content.decode(), "data-redemption")
        == expected
    )
    bad = client.get(f"/points/store/?store={a.pk}&cursor=xyz")
    assert bad.status_code == 400 and "游标" in bad.content.decode()
    # Store B's keeper asking for A's list gets their own store's, never a row of A's.
    keeper_b = make_user("keeper_b")
    b.keepers.add(keeper_b)
    theirs = _walk(client_for(keeper_b), "/points/store/", f"store={a.pk}", "data-redemption")
    assert len(theirs) == 2 and not set(theirs) & set(expected)
