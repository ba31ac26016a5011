"""Fixtures of community life, built through the real services.

In 怡园社区 (community A): 16号楼 in grid A with three households, a resident login `zhao`
bound to household 301; a party member `dangyuan` (grid A), a volunteer `zhiyuan` (bound to
household 302, so hours earn his family points), a team member `duiyuan`; a catalogue with
代办医保 (party members only), 理发 and 家电维修; two stores' worth of goods in store A.
In 府前社区 (community B): 9幢 in grid B, a household, a resident `qian` bound to it, a
volunteer `zhiyuan_b`, catalogue item 理发.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from tests.conftest import COMMUNITY_A, COMMUNITY_B, GRID_A, GRID_B, grid_centre, make_user
from wangge.community.services import (
    party_member_register,
    resident_account_bind,
    service_item_create,
    team_create,
    volunteer_register,
)
from wangge.people.idcard import make_id_number
from wangge.people.services import (
    building_create,
    household_get_or_create,
    resident_create,
    room_get_or_create,
)
from wangge.points.models import Goods, Store, StoreKind
from wangge.points.rules import rules_seed


def id_number(n: int) -> str:
    return make_id_number("350427", dt.date(1962, 3, 8), n)


@pytest.fixture
def rules(db):
    # Migrations seed them; transactional tests flush the tables, so seed again (idempotent).
    rules_seed()


@pytest.fixture
def bld_a(county):
    lat, lng = grid_centre(county[GRID_A])
    return building_create(
        actor=None,
        community=county[COMMUNITY_A],
        number="16号楼",
        lat=lat,
        lng=lng,
        compound_name="怡园小区",
    )


@pytest.fixture
def bld_b(county):
    lat, lng = grid_centre(county[GRID_B])
    return building_create(
        actor=None, community=county[COMMUNITY_B], number="9幢", lat=lat, lng=lng
    )


def household(building, room: str):
    return household_get_or_create(room=room_get_or_create(building=building, unit="", number=room))


@pytest.fixture
def hh_a(bld_a):
    return {room: household(bld_a, room) for room in ("301", "302", "303")}


@pytest.fixture
def hh_b(bld_b):
    return household(bld_b, "101")


@pytest.fixture
def zhao(hh_a, bld_a):
    """The seed's resident: 赵先生 of 怡园小区16号楼301."""
    user = make_user("zhao")
    user.display_name = "赵先生"
    user.save(update_fields=["display_name"])
    person = resident_create(
        actor=None, name="赵建华", id_number=id_number(11), building=bld_a, room="301"
    )
    resident_account_bind(actor=None, user=user, household=hh_a["301"], resident=person)
    return user


@pytest.fixture
def qian(hh_b):
    user = make_user("qian")
    resident_account_bind(actor=None, user=user, household=hh_b)
    return user


@pytest.fixture
def dangyuan(county):
    user = make_user("dangyuan")
    user.display_name = "党员 孙洪业"
    user.save(update_fields=["display_name"])
    party_member_register(
        actor=None,
        community=county[COMMUNITY_A],
        name="孙洪业",
        user=user,
        grids=[county[GRID_A]],
        skills="代办 政策宣讲",
    )
    return user


@pytest.fixture
def zaizhi(county):
    """An in-service member (双报到) of community A covering the whole community."""
    user = make_user("zaizhi")
    party_member_register(
        actor=None,
        community=county[COMMUNITY_A],
        name="周文",
        user=user,
        registration="in_service",
        work_unit="区医保局",
        reported_on=dt.date(2026, 3, 1),
    )
    return user


@pytest.fixture
def zhiyuan(county, hh_a, bld_a):
    user = make_user("zhiyuan")
    user.display_name = "志愿者 郑艳芳"
    user.save(update_fields=["display_name"])
    person = resident_create(
        actor=None, name="郑艳芳", id_number=id_number(22), building=bld_a, room="302"
    )
    volunteer_register(
        actor=None,
        community=county[COMMUNITY_A],
        name="郑艳芳",
        user=user,
        resident=person,
        skills="理发 维修",
    )
    resident_account_bind(actor=None, user=user, household=hh_a["302"], resident=person)
    return user


@pytest.fixture
def zhiyuan_b(county):
    user = make_user("zhiyuan_b")
    volunteer_register(actor=None, community=county[COMMUNITY_B], name="王淑兰", user=user)
    return user


@pytest.fixture
def duiyuan(county):
    user = make_user("duiyuan")
    team_create(
        actor=None,
        community=county[COMMUNITY_A],
        name="阳光使者服务队",
        skills="代办 维修",
        members=[user],
    )
    return user


@pytest.fixture
def catalogue(county, rules):
    a = county[COMMUNITY_A]
    return {
        "医保": service_item_create(
            actor=None,
            community=a,
            name="代办医保",
            kind="agency",
            description="医保参保、报销材料代办",
            for_volunteers=False,
            for_teams=False,
            points=5,
            hours="2",
            due_hours=72,
        ),
        "理发": service_item_create(
            actor=None, community=a, name="理发", kind="life", points=2, hours="1", due_hours=48
        ),
        "维修": service_item_create(
            actor=None,
            community=a,
            name="家电维修",
            kind="repair",
            for_party_members=False,
            points=3,
            hours="1.5",
        ),
        "理发B": service_item_create(
            actor=None, community=county[COMMUNITY_B], name="理发", kind="life", points=2
        ),
    }


@pytest.fixture
def store_a(county, rules):
    c = county[COMMUNITY_A]
    store = Store.objects.create(
        name="怡园社区积分超市",
        kind=StoreKind.COMMUNITY,
        community=c,
        grid_path=c.path,
        root_id=c.root_id,
    )
    Goods.objects.create(store=store, name="洗衣液", unit="瓶", price=Decimal(10), stock=20)
    Goods.objects.create(store=store, name="大米 5kg", unit="袋", price=Decimal(30), stock=3)
    return store


@pytest.fixture
def keeper(store_a):
    user = make_user("keeper")
    store_a.keepers.add(user)
    return user


def jpeg_bytes() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 200)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def photo():
    """photo(user) → an attachment id uploaded by `user` through the real service."""
    from wangge.attachments.services import attachment_store

    def make(user):
        return str(attachment_store(actor=user, upload=jpeg_bytes(), filename="done.jpg").pk)

    return make
