"""The REST lists of base data, community life and points page by cursor in their own order:
residents by grid path and household, buildings, organisations, assets and places by path then
name or code, visits and the work journal newest first, the care ledger by due date, service
orders and redemptions newest first, party members, volunteers and teams by path and name.

For each: walking the `next` links shows every row once in that order (ties broken by id) and
the `previous` links give the same pages back; the total is counted (not capped here); a bad
cursor, an offset past 1,000 and an offset with a cursor are 400s that name `cursor`; a small
offset still works and its `next` link carries on by cursor; community B's staff never see a row
of community A, even following a link made from A's rows; page two costs what page one does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import COMMUNITY_A, COMMUNITY_B, GRID_A, GRID_A2, GRID_B, grid_centre
from tests.conftest import make_user as user_make
from wangge.accounts.models import Role
from wangge.community.models import PartyMember, ServiceOrder, ServiceTeam, Volunteer
from wangge.community.services import (
    order_place,
    party_member_register,
    service_item_create,
    team_create,
    volunteer_register,
)
from wangge.core.pagination import MAX_LIST_OFFSET
from wangge.people.idcard import make_id_number
from wangge.people.models import (
    Asset,
    Building,
    CareLevel,
    CareRecord,
    JournalEntry,
    Organisation,
    Place,
    Resident,
    Visit,
)
from wangge.people.services import (
    asset_create,
    building_create,
    care_enrol,
    household_get_or_create,
    journal_add,
    organisation_create,
    place_create,
    resident_create,
    room_get_or_create,
    visit_record,
)
from wangge.points.models import Goods, Redemption, Store, StoreKind
from wangge.points.rules import rules_seed
from wangge.points.services import points_award, points_redeem

pytestmark = pytest.mark.django_db

LIMIT = 2


@dataclass(frozen=True)
class Spec:
    """One list: where it is, what it lists and the order it promises."""

    url: str
    model: Any
    order: tuple[str, ...]
    make: Callable[[dict, Any], None]  # rows in communities A and B, through the services
    key: str = "id"  # the answer's field that names a row
    attr: str = "pk"  # the row's attribute with that value
    where: dict[str, Any] = field(default_factory=dict)


# --- rows ----------------------------------------------------------------------------------------
def _point(county, code: str, i: int) -> tuple[float, float]:
    lat, lng = grid_centre(county[code])
    return lat + i * 1e-5, lng


def _buildings(county) -> dict[str, Any]:
    """One building in grid A, one in grid A2 (both community A), one in grid B."""
    made = {}
    for code, community, number in (
        (GRID_A, COMMUNITY_A, "1号楼"),
        (GRID_A2, COMMUNITY_A, "2号楼"),
        (GRID_B, COMMUNITY_B, "9幢"),
    ):
        lat, lng = _point(county, code, 0)
        made[code] = building_create(
            actor=None, community=county[community], number=number, lat=lat, lng=lng
        )
    return made


def _people(county, per_room: int = 3) -> list[Resident]:
    """Two households in each building, `per_room` people each (ties on the household, split
    across pages)."""
    people, n = [], 0
    for building in _buildings(county).values():
        for room in ("101", "102"):
            for _ in range(per_room):
                n += 1
                people.append(
                    resident_create(
                        actor=None, name=f"居民{n}", building=building, unit="1", room=room,
                        id_number=make_id_number("350427", dt.date(1950, 1, 1), n),
                        residence_type="户籍",
                    )
                )  # fmt: skip
    return people


def make_residents(county, staff) -> None:
    _people(county)


def make_buildings(county, staff) -> None:
    for i in range(7):
        code = (GRID_A, GRID_A2)[i % 2]
        lat, lng = _point(county, code, i + 1)
        building_create(
            actor=None, community=county[COMMUNITY_A], number=f"{7 - i}号楼", lat=lat, lng=lng
        )
    for i in range(2):
        lat, lng = _point(county, GRID_B, i + 1)
        building_create(
            actor=None, community=county[COMMUNITY_B], number=f"{i}幢", lat=lat, lng=lng
        )


def make_organisations(county, staff) -> None:
    for i in range(7):
        organisation_create(
            actor=None, kind=("enterprise", "social_org")[i % 2], name=f"组织{i % 3}",
            grid=county[(GRID_A, GRID_A2)[i // 4]],
        )  # fmt: skip
    for i in range(2):
        organisation_create(actor=None, kind="enterprise", name=f"府前{i}", grid=county[GRID_B])


def make_assets(county, staff) -> None:
    from wangge.grids.models import Department

    water = Department.objects.get(code="water")
    for i in range(7):
        lat, lng = _point(county, (GRID_A, GRID_A2)[i % 2], i)
        asset_create(
            actor=None, code=f"35042701010{7 - i:02d}", category_code="0101", department=water,
            lat=lat, lng=lng, name="井盖",
        )  # fmt: skip
    for i in range(2):
        lat, lng = _point(county, GRID_B, i)
        asset_create(
            actor=None, code=f"35042701019{i:02d}", category_code="0101", department=water,
            lat=lat, lng=lng,
        )  # fmt: skip


def make_places(county, staff) -> None:
    for i in range(7):
        lat, lng = _point(county, (GRID_A, GRID_A2)[i % 2], i)
        place_create(actor=None, kind="shop", name=f"小店{i % 2}", lat=lat, lng=lng)
    for i in range(2):
        lat, lng = _point(county, GRID_B, i)
        place_create(actor=None, kind="shop", name="府前小店", lat=lat, lng=lng)


def _earlier(hours: int) -> dt.datetime:
    """A moment some whole hours before now (whatever the suite's clock says)."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    return now - dt.timedelta(days=2) + dt.timedelta(hours=hours)


def make_visits(county, staff) -> None:
    people = _people(county, per_room=1)
    b_staff = user_make("visitor_b", Role.COMMUNITY_STAFF, county[COMMUNITY_B])
    for i, person in enumerate(people):
        actor = b_staff if person.grid_path.startswith(county[COMMUNITY_B].path) else staff
        for k in range(2):  # two visits of each person, pairs at one instant
            visit_record(actor=actor, resident=person, visited_at=_earlier((2 * i + k) // 3))


def make_journal(county, staff) -> None:
    today = timezone.localdate()
    for i in range(7):
        journal_add(
            actor=staff, grid=county[(GRID_A, GRID_A2)[i % 2]], content=f"巡查{i}",
            day=today - dt.timedelta(days=i // 3),
        )  # fmt: skip
    b_staff = user_make("journal_b", Role.COMMUNITY_STAFF, county[COMMUNITY_B])
    for i in range(2):
        journal_add(actor=b_staff, grid=county[GRID_B], content=f"府前{i}", day=today)


def make_care(county, staff) -> None:
    levels = list(CareLevel.objects.order_by("order", "pk")[:2])
    due = timezone.localdate() - dt.timedelta(days=3)
    for i, person in enumerate(_people(county)):
        level = levels[i % 2]
        # Due on one of two days, the levels mixed: ties on the day, then on the level.
        target = due + dt.timedelta(days=i % 3 // 2)
        since = target - dt.timedelta(days=level.visit_interval_days)
        care_enrol(actor=None, resident=person, level=level, since=since)


def make_orders(county, staff) -> None:
    items = {
        c: service_item_create(actor=None, community=county[c], name="理发", kind="life")
        for c in (COMMUNITY_A, COMMUNITY_B)
    }
    b_staff = user_make("orders_b", Role.COMMUNITY_STAFF, county[COMMUNITY_B])
    for i, (community, actor) in enumerate(
        [(COMMUNITY_A, staff)] * 7 + [(COMMUNITY_B, b_staff)] * 2
    ):
        order_place(
            actor=actor, item=items[community], description=f"上门理发{i}", channel="phone",
            contact_name="王阿姨", address="怡园小区", now=_earlier(i // 3),
        )  # fmt: skip


def make_party_members(county, staff) -> None:
    for i in range(7):
        party_member_register(actor=None, community=county[COMMUNITY_A], name=f"党员{i % 3}")
    for i in range(2):
        party_member_register(actor=None, community=county[COMMUNITY_B], name=f"府前党员{i}")


def make_volunteers(county, staff) -> None:
    for i in range(7):
        volunteer_register(actor=None, community=county[COMMUNITY_A], name=f"志愿者{i % 3}")
    for i in range(2):
        volunteer_register(actor=None, community=county[COMMUNITY_B], name=f"府前志愿者{i}")


def make_teams(county, staff) -> None:
    for i in range(7):
        team_create(actor=None, community=county[COMMUNITY_A], name=f"服务队{7 - i}")
    for i in range(2):
        team_create(actor=None, community=county[COMMUNITY_B], name=f"府前服务队{i}")


def make_redemptions(county, staff) -> None:
    rules_seed()
    buildings = _buildings(county)
    for code, community, count in ((GRID_A, COMMUNITY_A, 7), (GRID_B, COMMUNITY_B, 2)):
        c = county[community]
        store = Store.objects.create(
            name=f"{c.name}积分超市", kind=StoreKind.COMMUNITY, community=c, grid_path=c.path,
            root_id=c.root_id,
        )  # fmt: skip
        soap = Goods.objects.create(
            store=store, name="肥皂", unit="块", price=Decimal(1), stock=100
        )
        hh = household_get_or_create(
            room=room_get_or_create(building=buildings[code], unit="", number="101")
        )
        points_award(
            actor=None, household=hh, rule_code="good_deed", source_type="manual",
            source_id="seed", amount=20,
        )  # fmt: skip
        for i in range(count):
            points_redeem(actor=None, goods=soap, quantity=1, household=hh, now=_earlier(i // 3))


SPECS = {
    "residents": Spec(
        "/api/v1/people/residents/", Resident, ("grid_path", "household_id"), make_residents,
        where={"is_active": True},
    ),
    "buildings": Spec("/api/v1/people/buildings/", Building, ("grid_path", "name"), make_buildings),
    "organisations": Spec(
        "/api/v1/people/organisations/", Organisation, ("grid_path", "kind", "name"),
        make_organisations,
    ),
    "assets": Spec("/api/v1/people/assets/", Asset, ("grid_path", "code"), make_assets),
    "places": Spec(
        "/api/v1/people/places/", Place, ("grid_path", "kind", "name"), make_places
    ),
    "visits": Spec("/api/v1/people/visits/", Visit, ("-visited_at",), make_visits),
    "journal": Spec("/api/v1/people/journal/", JournalEntry, ("-day",), make_journal),
    "care": Spec(
        "/api/v1/people/care/due/", CareRecord, ("next_due_on", "level__order"), make_care,
        where={"is_active": True},
    ),
    "orders": Spec(
        "/api/v1/community/orders/", ServiceOrder, ("-created_at",), make_orders,
        key="code", attr="code",
    ),
    "party_members": Spec(
        "/api/v1/community/party-members/", PartyMember, ("grid_path", "name"),
        make_party_members,
    ),
    "volunteers": Spec(
        "/api/v1/community/volunteers/", Volunteer, ("grid_path", "name"), make_volunteers
    ),
    "teams": Spec("/api/v1/community/teams/", ServiceTeam, ("grid_path", "name"), make_teams),
    "redemptions": Spec(
        "/api/v1/points/redemptions/", Redemption, ("-created_at",), make_redemptions,
        key="code", attr="code",
    ),
}  # fmt: skip


def expected(spec: Spec, path: str) -> list[Any]:
    """The rows of the list under `path`, in the order it promises, the id breaking ties."""
    from django.db.models import F

    def term(t: str) -> Any:
        if t.endswith("_id") or "__" in t:
            return t
        return F(t.lstrip("-")).desc() if t.startswith("-") else F(t).asc()

    rows = spec.model.objects.filter(grid_path__startswith=path, **spec.where)
    last = "-pk" if spec.order[-1].startswith("-") else "pk"
    return [getattr(r, spec.attr) for r in rows.order_by(*map(term, spec.order), last)]


def ids(response, spec: Spec) -> list[Any]:
    assert response.status_code == 200, response.content[:300]
    return [row[spec.key] for row in response.json()["results"]]


def walk(api, spec: Spec) -> tuple[list[list[Any]], list[list[Any]], dict]:
    """Every page by the `next` links, then back from the last by the `previous` links."""
    first = api.get(f"{spec.url}?limit={LIMIT}")
    pages, body = [ids(first, spec)], first.json()
    assert body["previous"] is None
    while body["next"] is not None:
        assert "cursor=" in body["next"] and "offset=" not in body["next"]
        r = api.get(body["next"])
        pages.append(ids(r, spec))
        body = r.json()
    back, link = [pages[-1]], body["previous"]
    while link is not None:
        r = api.get(link)
        back.insert(0, ids(r, spec))
        link = r.json()["previous"]
    return pages, back, first.json()


@pytest.fixture
def staff_b(county):
    return user_make("community_b", Role.COMMUNITY_STAFF, county[COMMUNITY_B])


@pytest.fixture(params=list(SPECS))
def listed(request, county, departments, community_staff):
    spec = SPECS[request.param]
    spec.make(county, community_staff)
    return spec


def test_walks_every_row_once_in_order_and_back(api, listed, county, community_staff):
    rows = expected(listed, county[COMMUNITY_A].path)
    assert len(rows) >= 5
    pages, back, first = walk(api.as_user(community_staff), listed)
    assert [row for page in pages for row in page] == rows
    assert all(len(page) == LIMIT for page in pages[:-1])
    assert back == pages
    assert (first["count"], first["count_capped"], first["limit"]) == (len(rows), False, LIMIT)


def test_bad_cursor_deep_offset_and_both_are_refused(api, listed, community_staff):
    client = api.as_user(community_staff)
    for query in ("cursor=nonsense", "cursor=WyJhIiwxLDBd", f"offset={MAX_LIST_OFFSET + 1}"):
        r = client.get(f"{listed.url}?{query}")
        assert r.status_code == 400, (query, r.content[:200])
        assert "cursor" in r.json()["detail"]
    r = client.get(f"{listed.url}?offset=2&cursor=abc")
    assert r.status_code == 400 and "cursor" in r.json()["detail"]
    assert "游标" in client.get(f"{listed.url}?cursor=nonsense").json()["detail"]


def test_a_small_offset_still_works_and_carries_on_by_cursor(api, listed, county, community_staff):
    rows = expected(listed, county[COMMUNITY_A].path)
    client = api.as_user(community_staff)
    r = client.get(f"{listed.url}?offset=2&limit=2")
    assert ids(r, listed) == rows[2:4] and r.json()["offset"] == 2
    nxt, prev = r.json()["next"], r.json()["previous"]
    assert ids(client.get(nxt), listed) == rows[4:6]
    assert ids(client.get(prev), listed) == rows[0:2]


def test_another_communitys_rows_never_appear(api, listed, county, community_staff, staff_b):
    theirs = expected(listed, county[COMMUNITY_B].path)
    ours = set(expected(listed, county[COMMUNITY_A].path))
    client = api.as_user(staff_b)
    pages, _back, _first = walk(client, listed)
    assert [row for page in pages for row in page] == theirs
    # A link made from community A's rows shows B's staff none of them.
    a_next = api.as_user(community_staff).get(f"{listed.url}?limit={LIMIT}").json()["next"]
    cursor = parse_qs(urlsplit(a_next).query)["cursor"][0]
    assert not ours & set(ids(api.as_user(staff_b).get(f"{listed.url}?cursor={cursor}"), listed))


def test_page_two_costs_what_page_one_does(api, listed, community_staff):
    client = api.as_user(community_staff)
    client.get(f"{listed.url}?limit={LIMIT}")  # warm the per-process caches
    with CaptureQueriesContext(connection) as one:
        first = client.get(f"{listed.url}?limit={LIMIT}")
    with CaptureQueriesContext(connection) as two:
        client.get(first.json()["next"])
    assert len(two.captured_queries) == len(one.captured_queries)
    # One read of the page and one capped count; no OFFSET anywhere.
    sql = " ".join(q["sql"] for q in two.captured_queries)
    assert "OFFSET" not in sql.upper()


def test_a_households_ledger_pages_by_cursor(api, county, community_staff, staff_b):
    """某户积分明细: the entries newest first by cursor, the balance beside every page; another
    community's staff get a 404, not the ledger."""
    from wangge.points.models import PointsEntry

    rules_seed()
    building = _buildings(county)[GRID_A]
    hh = household_get_or_create(room=room_get_or_create(building=building, unit="", number="1"))
    for k in range(5):
        points_award(
            actor=None, household=hh, rule_code="good_deed", source_type="manual",
            source_id=f"s{k}", amount=1, now=_earlier(k // 2),
        )  # fmt: skip
    entries = PointsEntry.objects.filter(household=hh).order_by("-created_at", "-id")
    spec = Spec(f"/api/v1/points/households/{hh.pk}/", PointsEntry, (), make_residents)
    client = api.as_user(community_staff)
    pages, back, first = walk(client, spec)
    assert [e for page in pages for e in page] == [e.pk for e in entries]
    assert back == pages and len(pages) == 3
    assert (first["count"], first["balance"], first["household"]) == (5, "5.0", str(hh))
    assert client.get(f"{spec.url}?cursor=nonsense").status_code == 400
    assert api.as_user(staff_b).get(spec.url).status_code == 404


# The index each list's page reads in its order (the care ledger sorts by the care level, in
# another table; teams are a handful per community).
ORDER_INDEXES = {
    "residents": "res_list", "buildings": "bld_list", "organisations": "org_list",
    "assets": "asset_list", "places": "place_list", "visits": "visit_time",
    "journal": "journal_day", "orders": "order_created", "party_members": "party_list",
    "volunteers": "vol_list", "redemptions": "redemption_time",
}  # fmt: skip


def test_the_page_reads_its_index_in_order_on_postgres(api, listed, community_staff):
    """With sorting priced out, the page is one walk of the list's own index; for a list ordered
    by path first, the staff member's subtree is the index range (`grid_path` in byte order),
    not a filter over every row before it."""
    import re

    name = next(k for k, v in SPECS.items() if v is listed)
    if connection.vendor != "postgresql":
        pytest.skip("index use is a PostgreSQL plan question")
    if name not in ORDER_INDEXES:
        pytest.skip("sorted per page: no index holds this order")
    client = api.as_user(community_staff)
    with CaptureQueriesContext(connection) as ctx:
        client.get(f"{listed.url}?limit={LIMIT}")
    table = listed.model._meta.db_table
    page = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(f'SELECT "{table}"')]
    (sql,) = [q for q in page if " LIMIT " in q]
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_sort = off")
        cur.execute("EXPLAIN " + sql)
        plan = "\n".join(r[0] for r in cur.fetchall())
        cur.execute("RESET enable_sort")
    assert re.search(rf"Index Scan (Backward )?using {ORDER_INDEXES[name]} ", plan), plan
    assert "Sort" not in plan, plan
    if listed.order[0] == "grid_path":
        cond = re.search(rf"using {ORDER_INDEXES[name]} .*\n\s*Index Cond: (.*)", plan)
        assert cond and "grid_path" in cond.group(1), plan
