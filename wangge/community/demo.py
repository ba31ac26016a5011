"""Demo step: community life in 沙溪区 — catalogues, party members, volunteers and teams, a
year of service orders in every state, clean-household inspections, two points stores.

Everything goes through the real services (`order_place`, `order_transition`,
`inspection_batch_enter` on its set-wise path, `points_redeem` …) with the moment passed in,
so the history obeys the same rules as live use. Deterministic (seeded) and idempotent
(skipped when the catalogues exist). People who only exist in the history get unusable
passwords; the personas `volunteer`, `partymember` and `storekeeper` log in.
"""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from wangge.accounts.models import Role, RoleAssignment, User
from wangge.accounts.services import role_grant
from wangge.community.models import (
    OrderEventKind,
    ResidentAccount,
    ServiceItem,
    ServiceOrder,
)
from wangge.community.servers import server_profile
from wangge.community.services import (
    order_place,
    order_transition,
    orders_remind_overdue,
    party_member_register,
    resident_account_bind,
    service_item_create,
    team_create,
    volunteer_hours_record,
    volunteer_register,
)
from wangge.core.api import ServiceError
from wangge.grids.models import Grid, GridLevel
from wangge.people.models import Household, Organisation, OrganisationKind, Resident
from wangge.points.models import Goods, Store, StoreKind
from wangge.points.rules import rules_seed
from wangge.points.services import (
    InspectionLine,
    inspection_batch_enter,
    points_award,
    points_redeem,
)

SEED = 20261202
DISTRICT_CODE = "350427"
HOME_COMMUNITY = "350427001001"  # 怡园社区: the personas live and serve here
ORDERS_PER_COMMUNITY = 40
PARTY_MEMBERS_PER_COMMUNITY = 14
VOLUNTEERS_PER_COMMUNITY = 20
RESIDENT_USERS_PER_COMMUNITY = 25

# (name, kind, description, party members, volunteers, teams, points, hours, due hours)
CATALOGUE: list[tuple[str, str, str, bool, bool, bool, int, str, int]] = [
    ("代办医保", "agency", "医保参保、报销材料代办", True, False, True, 5, "2", 72),
    ("代办社保", "agency", "社保卡补办、养老资格认证代办", True, False, True, 5, "2", 72),
    ("代办救助", "agency", "低保、临时救助申请材料代办", True, False, False, 5, "2", 120),
    ("理发", "life", "为行动不便的老人上门理发", True, True, True, 2, "1", 48),
    ("助餐送餐", "life", "为独居老人送餐到家", False, True, True, 2, "1", 24),
    ("陪诊", "care", "陪同就医、取药", True, True, False, 4, "3", 48),
    ("家电维修", "repair", "小家电、灯具、水龙头维修", False, True, True, 3, "1.5", 72),
    ("管道疏通", "repair", "下水道、马桶疏通", False, True, True, 3, "1", 48),
    ("政策咨询", "agency", "就业、计生、优抚政策解答", True, False, False, 1, "0.5", 72),
    ("反诈宣传入户", "culture", "上门讲解防诈骗知识", True, True, False, 1, "1", 168),
]
NEEDS = {
    "代办医保": ["老伴住院的医保报销材料不会弄，想请人代办", "孩子的城乡居民医保要续缴"],
    "代办社保": ["社保卡丢了要补办，腿脚不便", "每年的养老资格认证不会在手机上做"],
    "代办救助": ["家里老人生病开销大，想问问临时救助怎么申请"],
    "理发": ["老人卧床，想请师傅上门理发", "八十多岁了，想剪个头"],
    "助餐送餐": ["独居，这周腰疼做不了饭", "想订一周的午餐送到家"],
    "陪诊": ["下周三要去县医院复查，想请人陪同", "需要陪同去医院拿药"],
    "家电维修": ["厨房灯不亮了", "洗衣机不排水", "水龙头一直滴水"],
    "管道疏通": ["卫生间下水道堵了", "厨房水槽返水"],
    "政策咨询": ["想问灵活就业社保怎么交", "退役军人优待证怎么办"],
    "反诈宣传入户": ["家里老人总接到奇怪的电话，想请人来讲讲"],
}
RESULTS = [
    "已上门办理完毕，材料交给居民本人",
    "已处理好，居民当场确认",
    "已办结，回执已交居民",
    "已修好，试用正常",
    "已陪同完成，平安送回家",
]
RATINGS = ["太感谢了，服务很周到", "师傅很耐心", "办得很快", "", "挺好"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋"
GIVEN = "敏磊静伟芳娜强军洋勇艳杰娟涛明超秀霞平刚桂英华丽玲斌辉鹏飞"
WORK_UNITS = ["区医保局", "区人社局", "区民政局", "县医院", "区税务局", "区教育局", "区供电公司"]
STORE_GOODS = [
    ("洗衣液", "瓶", 10, 80),
    ("大米 5kg", "袋", 30, 40),
    ("食用油 1.8L", "桶", 25, 30),
    ("毛巾", "条", 5, 120),
    ("牙膏", "支", 4, 100),
    ("抽纸 10包", "提", 12, 60),
]
PARTNER_GOODS = [("理发券", "张", 15, 50), ("早餐券", "张", 3, 200), ("酱油", "瓶", 6, 60)]


def _name(rng: random.Random) -> str:
    return (
        rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    )


def _photo(colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (96, 72), colour).save(buf, "JPEG", quality=70)
    return buf.getvalue()


def load(*, stdout) -> None:
    root = Grid.objects.filter(code=DISTRICT_CODE).first()
    if root is None or not Household.objects.filter(grid_path__startswith=root.path).exists():
        stdout.write("  未找到演示区县或住户，跳过社区服务")
        return
    if ServiceItem.objects.filter(root=root).exists():
        stdout.write(
            f"  社区服务已存在（服务单 {ServiceOrder.objects.filter(root=root).count()} 张），跳过"
        )
        return
    rules_seed()
    rng = random.Random(SEED)
    now = timezone.now()
    communities = list(
        Grid.objects.filter(path__startswith=root.path, level=GridLevel.COMMUNITY).order_by("code")
    )
    staff = _staff(communities)
    residents = _resident_users(communities, rng)
    servers = _servers(communities, rng, now)
    items: dict[int, list[ServiceItem]] = {}
    for c in communities:
        items[c.pk] = [
            service_item_create(
                actor=None,
                community=c,
                name=n,
                kind=k,
                description=d,
                for_party_members=pm,
                for_volunteers=v,
                for_teams=t,
                points=p,
                hours=h,
                due_hours=due,
                sort=i,
            )
            for i, (n, k, d, pm, v, t, p, h, due) in enumerate(CATALOGUE)
        ]
    stdout.write(
        f"  服务清单：{len(communities)} 个社区，每个 {len(CATALOGUE)} 项；"
        f"党员 {sum(len(s['pm']) for s in servers.values())} 名，"
        f"志愿者 {sum(len(s['vol']) for s in servers.values())} 名"
    )
    n_orders = _orders(communities, items, staff, residents, servers, rng, now)
    stdout.write(f"  服务单：{n_orders} 张（约一年，各种状态）")
    _hours(communities, staff, servers, rng, now)
    n_batches = _inspections(communities, staff, rng, now)
    stdout.write(f"  清洁户评比：{n_batches} 批")
    n_red = _stores(root, staff, rng, now)
    stdout.write(f"  积分超市：2 家，兑换 {n_red} 笔")
    reminded = orders_remind_overdue(now=now).reminded
    stdout.write(f"  超期提醒：{reminded} 张")


def _staff(communities: list[Grid]) -> dict[int, User]:
    """The community secretary of each community (the persona `community` for 怡园社区)."""
    out: dict[int, User] = {}
    for ra in RoleAssignment.objects.filter(
        role=Role.COMMUNITY_STAFF, grid__in=communities
    ).select_related("user"):
        if ra.grid_id is not None:
            out.setdefault(ra.grid_id, ra.user)
    password = make_password(None)
    for c in communities:
        if c.pk in out:
            continue
        user, _created = User.objects.get_or_create(
            username=f"cs{c.code}",
            defaults={"display_name": f"{c.name} 社区干事", "password": password},
        )
        role_grant(actor=None, user=user, role=Role.COMMUNITY_STAFF, grid=c)
        out[c.pk] = user
    return out


def _households(community: Grid) -> list[Household]:
    return list(
        Household.objects.filter(grid_path__startswith=community.path)
        .select_related("room__building")
        .order_by("pk")
    )


def _bind(user: User, household: Household) -> None:
    person = Resident.objects.filter(household=household).order_by("pk").first()
    resident_account_bind(actor=None, user=user, household=household, resident=person)


def _resident_users(communities: list[Grid], rng: random.Random) -> dict[int, list[User]]:
    """Residents who use the phone pages: the persona `resident` in 怡园, others made up."""
    password = make_password(None)
    out: dict[int, list[User]] = {}
    for c in communities:
        homes = _households(c)
        if not homes:
            continue
        picks = rng.sample(homes, min(RESIDENT_USERS_PER_COMMUNITY, len(homes)))
        users = User.objects.bulk_create(
            [
                User(
                    username=f"r{c.code}{i:03d}",
                    display_name=f"居民 {_name(rng)}",
                    password=password,
                )
                for i in range(len(picks))
            ]
        )
        ResidentAccount.objects.bulk_create(
            [
                ResidentAccount(
                    user=u, household=h, grid_path=h.grid_path, created_at=timezone.now()
                )
                for u, h in zip(users, picks, strict=True)
            ]
        )
        out[c.pk] = users
    persona = User.objects.filter(username="resident").first()
    home = next((c for c in communities if c.code == HOME_COMMUNITY), None)
    if persona is not None and home is not None and home.pk in out:
        worker_grid = "350427001001001001"
        hh = (
            Household.objects.filter(grid__code=worker_grid).order_by("pk").first()
            or _households(home)[0]
        )
        _bind(persona, hh)
        out[home.pk].insert(0, persona)
        # 赵先生 settled a quarrel between neighbours last month: the community recorded it.
        points_award(
            actor=None,
            household=hh,
            rule_code="good_deed",
            source_type="mediation",
            source_id="demo-resident-1",
            amount="10",
            note="调解邻里纠纷",
        )
    return out


def _servers(communities: list[Grid], rng: random.Random, now: datetime) -> dict[int, dict]:
    password = make_password(None)
    out: dict[int, dict] = {}
    for c in communities:
        homes = _households(c)
        if not homes:
            continue
        zones = list(Grid.objects.filter(parent=c).order_by("code"))
        branch, _ = Organisation.objects.get_or_create(
            grid=c,
            kind=OrganisationKind.PARTY_BRANCH,
            name=f"{c.name}第一网格党支部",
            defaults={"grid_path": c.path},
        )
        pm_users = User.objects.bulk_create(
            [
                User(
                    username=f"pm{c.code}{i:02d}",
                    display_name=f"党员 {_name(rng)}",
                    password=password,
                )
                for i in range(PARTY_MEMBERS_PER_COMMUNITY)
            ]
        )
        vol_users = User.objects.bulk_create(
            [
                User(
                    username=f"vo{c.code}{i:02d}",
                    display_name=f"志愿者 {_name(rng)}",
                    password=password,
                )
                for i in range(VOLUNTEERS_PER_COMMUNITY)
            ]
        )
        pms = []
        for i, u in enumerate(pm_users):
            in_service = i % 4 == 3
            central = i % 3 == 0
            home = rng.choice(homes)
            person = Resident.objects.filter(household=home).first()
            pms.append(
                party_member_register(
                    actor=None,
                    community=c,
                    name=u.display_name.removeprefix("党员 "),
                    user=u,
                    resident=None if in_service else person,
                    branch=branch,
                    registration="in_service" if in_service else "resident",
                    work_unit=rng.choice(WORK_UNITS) if in_service else "",
                    reported_on=(now - timedelta(days=rng.randint(30, 700))).date()
                    if in_service
                    else None,
                    is_central_household=central,
                    households=rng.sample(homes, min(8, len(homes))) if central else [],
                    grids=[rng.choice(zones)] if zones and rng.random() < 0.5 else [],
                    skills=rng.choice(["代办", "政策宣讲", "调解", "理发", ""]),
                )
            )
            if not in_service and person is not None:
                ResidentAccount.objects.get_or_create(
                    user=u,
                    defaults={
                        "household": home,
                        "resident": person,
                        "grid_path": home.grid_path,
                        "created_at": now,
                    },
                )
        vols = []
        for u in vol_users:
            home = rng.choice(homes)
            person = Resident.objects.filter(household=home).first()
            vols.append(
                volunteer_register(
                    actor=None,
                    community=c,
                    name=u.display_name.removeprefix("志愿者 "),
                    user=u,
                    resident=person,
                    skills=rng.choice(["理发", "维修", "助餐", "陪诊"]),
                    grids=[rng.choice(zones)] if zones and rng.random() < 0.4 else [],
                )
            )
            if person is not None:
                ResidentAccount.objects.get_or_create(
                    user=u,
                    defaults={
                        "household": home,
                        "resident": person,
                        "grid_path": home.grid_path,
                        "created_at": now,
                    },
                )
        team = team_create(
            actor=None,
            community=c,
            name=f"{c.name}阳光使者服务队",
            skills="代办 维修 助餐",
            leader=vol_users[0],
            members=vol_users[1:6] + pm_users[:2],
        )
        members = vol_users[:6] + pm_users[:2]
        out[c.pk] = {
            "pm": pm_users,
            "vol": vol_users,
            "team": team,
            "team_members": members,
            "homes": homes,
        }
    _personas(communities, out, now)
    return out


def _personas(communities: list[Grid], servers: dict[int, dict], now: datetime) -> None:
    """The demo logins `volunteer` and `partymember` serve in 怡园社区, living there."""
    home = next((c for c in communities if c.code == HOME_COMMUNITY), None)
    if home is None or home.pk not in servers:
        return
    homes = servers[home.pk]["homes"]
    vol = User.objects.filter(username="volunteer").first()
    if vol is not None:
        volunteer_register(
            actor=None, community=home, name="郑艳芳", user=vol, skills="理发 维修 助餐"
        )
        _bind(vol, homes[3])
        servers[home.pk]["vol"].insert(0, vol)
    pm = User.objects.filter(username="partymember").first()
    if pm is not None:
        party_member_register(
            actor=None,
            community=home,
            name="孙洪业",
            user=pm,
            is_central_household=True,
            households=homes[4:12],
            skills="代办 政策宣讲",
        )
        _bind(pm, homes[4])
        servers[home.pk]["pm"].insert(0, pm)


def _moment(rng: random.Random, start: datetime, hours: tuple[float, float]) -> datetime:
    return start + timedelta(hours=rng.uniform(*hours))


def _orders(communities, items, staff, residents, servers, rng, now) -> int:
    n = 0
    for c in communities:
        if c.pk not in servers or not residents.get(c.pk):
            continue
        secretary = staff[c.pk]
        people = residents[c.pk]
        for i in range(ORDERS_PER_COMMUNITY):
            # Most of the year is history; the last days hold what is still in hand.
            recent = i >= ORDERS_PER_COMMUNITY - 10
            age = rng.uniform(0.05, 6) if recent else rng.uniform(7, 360)
            t0 = now - timedelta(days=age)
            item = rng.choice(items[c.pk])
            orderer = people[0] if i % 7 == 0 else rng.choice(people)
            try:
                _one_order(c, item, secretary, orderer, servers[c.pk], rng, t0, now, recent)
                n += 1
            except ServiceError:
                continue  # e.g. an order the taker could not take: the history just moves on
    return n


def _one_order(c, item, secretary, orderer, crew, rng, t0, now, recent) -> None:
    order = order_place(
        actor=orderer, item=item, now=t0, description=rng.choice(NEEDS.get(item.name, ["需要帮忙"]))
    )
    fate = rng.random()

    def at(hours: tuple[float, float]) -> datetime:
        nonlocal t0
        t0 = min(_moment(rng, t0, hours), now - timedelta(minutes=1))
        return t0

    if recent and fate < 0.25:
        return  # 待建单
    if fate < 0.05 and not recent:
        order_transition(
            order=order,
            actor=secretary,
            action=OrderEventKind.DECLINE,
            reason="超出本社区服务范围，已告知居民到街道办理",
            now=at((1, 6)),
        )
        return
    order_transition(order=order, actor=secretary, action=OrderEventKind.CONFIRM, now=at((0.5, 6)))
    if fate < 0.09 and not recent:
        order_transition(
            order=order,
            actor=orderer,
            action=OrderEventKind.CANCEL,
            reason="家里人已经帮忙办了",
            now=at((1, 12)),
        )
        return
    if fate < 0.11 and not recent:
        order_transition(
            order=order,
            actor=secretary,
            action=OrderEventKind.TO_CASE,
            reason="漏水涉及公共管道，转网格处置",
            now=at((1, 12)),
        )
        return
    if recent and fate < 0.5:
        return  # 待接单 (some will be overdue and reminded)
    pool = []
    if item.for_party_members:
        pool += crew["pm"]
    if item.for_volunteers:
        pool += crew["vol"]
    if item.for_teams:
        pool += crew["team_members"]
    pool = [u for u in pool if server_profile(u).kind_for(order) is not None]
    if not pool:
        return  # nobody near enough this time: it waits (and is reminded when overdue)
    taker = rng.choice(pool)
    order_transition(order=order, actor=taker, action=OrderEventKind.TAKE, now=at((0.2, 20)))
    if recent and fate < 0.75:
        return  # 服务中
    from wangge.attachments.services import attachment_store

    pic = attachment_store(
        actor=taker,
        upload=_photo((rng.randrange(60, 200), 140, 120)),
        filename="service.jpg",
        purpose="after",
    )
    order_transition(
        order=order,
        actor=taker,
        action=OrderEventKind.COMPLETE,
        reason=rng.choice(RESULTS),
        hours=item.hours,
        attachments=[pic],
        now=at((1, 40)),
    )
    if recent and fate < 0.9:
        return  # 待评价
    if rng.random() < 0.85:
        order_transition(
            order=order,
            actor=orderer,
            action=OrderEventKind.RATE,
            score=rng.choice([5, 5, 5, 4, 4, 3]),
            reason=rng.choice(RATINGS),
            now=at((1, 48)),
        )
    else:
        order_transition(
            order=order,
            actor=secretary,
            action=OrderEventKind.CLOSE,
            reason="电话回访，居民确认已完成",
            now=at((24, 96)),
        )


def _hours(communities, staff, servers, rng, now) -> None:
    """Activities the communities organised: 清洁家园, 敬老 — hours and points per volunteer."""
    from wangge.community.models import Volunteer

    for c in communities:
        if c.pk not in servers:
            continue
        for v in Volunteer.objects.filter(community=c, user__isnull=False).order_by("pk")[:8]:
            for k in range(2):
                day = (now - timedelta(days=rng.randint(1, 300))).date()
                try:
                    volunteer_hours_record(
                        actor=staff[c.pk],
                        volunteer=v,
                        hours=rng.choice(["1", "1.5", "2", "3"]),
                        activity=rng.choice(["清洁家园志愿服务", "敬老院慰问", "垃圾分类劝导"]),
                        served_on=day,
                        now=now - timedelta(days=k),
                    )
                except ServiceError:
                    continue  # over the monthly cap


def _inspections(communities, staff, rng, now) -> int:
    """A clean-household inspection every month of the year in each community."""
    n = 0
    for c in communities:
        homes = _households(c)
        if not homes:
            continue
        today = timezone.localdate(now)
        for back in range(11, -1, -1):
            y, m = divmod(today.year * 12 + today.month - 1 - back, 12)
            first = today.replace(year=y, month=m + 1, day=1)
            held = first + timedelta(days=min(9, (today - first).days))
            moment = timezone.make_aware(datetime.combine(held, datetime.min.time())) + timedelta(
                hours=15
            )
            if moment > now:
                moment = now
                held = timezone.localdate(now)
            sample = rng.sample(homes, int(len(homes) * 0.3))
            lines = [InspectionLine(household_id=h.pk, passed=rng.random() < 0.7) for h in sample]
            try:
                with transaction.atomic():
                    inspection_batch_enter(
                        actor=staff[c.pk],
                        community=c,
                        rule_code="clean_household",
                        title=f"{held:%Y年%m月}清洁户评比",
                        held_on=held,
                        lines=lines,
                        now=moment,
                    )
                n += 1
            except ServiceError:
                continue
    return n


def _stores(root, staff, rng, now) -> int:
    c = Grid.objects.get(code=HOME_COMMUNITY)
    store = Store.objects.create(
        name="怡园社区积分超市",
        kind=StoreKind.COMMUNITY,
        community=c,
        grid_path=c.path,
        root=root,
        address="怡园社区党群服务站一楼",
        opening_hours="周二、周五 9:00–17:00",
    )
    partner = Store.objects.create(
        name="怡园便民理发店（合作商户）",
        kind=StoreKind.PARTNER,
        community=c,
        grid_path=c.path,
        root=root,
        address="怡园路12号",
        opening_hours="每天 8:30–20:00",
    )
    Goods.objects.bulk_create(
        [
            Goods(store=store, name=n, unit=u, price=Decimal(p), stock=s, sort=i)
            for i, (n, u, p, s) in enumerate(STORE_GOODS)
        ]
        + [
            Goods(store=partner, name=n, unit=u, price=Decimal(p), stock=s, sort=i)
            for i, (n, u, p, s) in enumerate(PARTNER_GOODS)
        ]
    )
    keeper = User.objects.filter(username="storekeeper").first()
    if keeper is not None:
        store.keepers.add(keeper)
        partner.keepers.add(keeper)
    from wangge.points.models import PointsAccount

    accounts = list(
        PointsAccount.objects.filter(grid_path__startswith=c.path, balance__gte=10).select_related(
            "household"
        )
    )
    goods = list(Goods.objects.filter(store__in=[store, partner]).select_related("store"))
    n = 0
    for acct in rng.sample(accounts, min(len(accounts), 150)):
        g = rng.choice(goods)
        moment = now - timedelta(days=rng.uniform(0.1, 120))
        try:
            r = points_redeem(
                actor=keeper, goods=g, quantity=1, household=acct.household, now=moment
            )
        except ServiceError:
            continue
        n += 1
        if rng.random() < 0.8 and keeper is not None:
            from wangge.points.services import redemption_hand_over

            redemption_hand_over(actor=keeper, code=r.code, now=moment + timedelta(hours=2))
    return n
