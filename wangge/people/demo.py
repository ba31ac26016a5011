"""Demo base data for 沙溪区: buildings in every micro-grid, ~30,000 synthetic residents,
organisations, public assets, places, and a care ledger with visits due.

Deterministic (seeded) and idempotent: each part is skipped when already present. Residents go
in through the import's own write path (`importing.apply_residents`: COPY on PostgreSQL,
batched inserts on SQLite), so the demo also exercises it. Every ID number is synthetic but
valid (checksum, 350427 address code), and every name is made up.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone
from shapely.geometry import shape

from wangge.accounts.models import User
from wangge.grids.locator import locator
from wangge.grids.models import Department, Grid, GridLevel
from wangge.people import address
from wangge.people.crypto import cipher
from wangge.people.idcard import make_id_number
from wangge.people.importing import StagedResident, apply_residents
from wangge.people.models import (
    Asset,
    Building,
    CareLevel,
    CareRecord,
    CareTag,
    Compound,
    Organisation,
    OrganisationKind,
    Place,
    PlaceKind,
    ResidenceType,
    Resident,
    Visit,
    tags_to_column,
)
from wangge.people.services import ID_COLUMN, PHONE_COLUMN, next_visit_due

DISTRICT_CODE = "350427"
SEED = 20261123
BUILDINGS_PER_MICRO = 4
UNITS, FLOORS, ROOMS_PER_FLOOR = 2, 6, 2

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢岳齐沿梅莫庄辛管祝左涂谷祁时舒耿牟卜路詹关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍位覃霍翁隋植甘景薄单包司柏宁柯阮桂闵欧阳解强丛华车冉房边辜吉饶刁瞿戚丘古米池滕晋苑邬臧畅宫来嵺苟全褚廉简娄盖符奚木穆党燕郎邸冀谈姬屠连郜晏栾郁商蒙计喻揭窦迟宇敖糜鄢冷卓花艾蓝都巩稽井练仲乐虞卞封竺冼原官衣楚佟栗匡宗应台巫鞠僧桑荆谌银扬明沙薄伏岑习胥保和蔺"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥建国建华志强海燕春梅晓东丹丹晨阳子涵欣怡浩然宇轩梓萱一诺雨桐思远俊杰嘉怡文博家豪美玲淑珍秀珍凤英金凤玉兰桂芳国华国强德明德华永强永明福生福全"  # noqa: E501

WORKER_A_GRID = "350427001001001001"  # the demo persona worker_a's micro-grid


def load(*, stdout) -> None:
    root = Grid.objects.filter(code=DISTRICT_CODE).first()
    if root is None:
        stdout.write("  未找到演示区县，跳过基础数据")
        return
    rng = random.Random(SEED)
    _buildings(root, rng, stdout)
    _residents(root, rng, stdout)
    _care(root, rng, stdout)
    _organisations_assets_places(root, rng, stdout)


def _buildings(root: Grid, rng: random.Random, stdout) -> None:
    if Building.objects.filter(root=root).exists():
        stdout.write(f"  楼栋已存在（{Building.objects.filter(root=root).count()} 栋），跳过")
        return
    communities = list(Grid.objects.filter(path__startswith=root.path, level=GridLevel.COMMUNITY))
    micro = list(
        Grid.objects.filter(path__startswith=root.path, level=GridLevel.MICRO).order_by("code")
    )
    plans = []  # (community, micro grid, number, lat, lng)
    for community in communities:
        number = 0
        for m in (g for g in micro if g.path.startswith(community.path)):
            poly = shape(m.geometry)
            c = poly.centroid
            ring = list(poly.exterior.coords)[:4]
            for vx, vy in ring[:BUILDINGS_PER_MICRO]:
                # Half-way from the centre to a corner: inside any convex block.
                number += 1
                plans.append((community, number, (c.y + vy) / 2, (c.x + vx) / 2))
    locs = locator.locate_many([p[2] for p in plans], [p[3] for p in plans])
    compounds = {}
    with transaction.atomic():
        for community in communities:
            core = address.place_core(community.name)
            compounds[community.pk] = Compound.objects.create(
                community=community, name=f"{core}小区", address=f"{community.name}{core}路"
            )
        rows = []
        for (community, number, lat, lng), loc in zip(plans, locs, strict=True):
            if loc is None:
                continue
            # 府前社区 writes 幢 on its doors; everyone else 号楼. Both resolve the same.
            word = "幢" if community.name == "府前社区" else "号楼"
            rows.append(
                Building(
                    community=community,
                    compound=compounds[community.pk],
                    number=str(number),
                    name=f"{community.name}{number}{word}",
                    address=f"沙溪区{community.name}{address.place_core(community.name)}路"
                    f"{number}号",
                    lat=round(lat, 7),
                    lng=round(lng, 7),
                    grid_id=loc.grid.id,
                    grid_path=loc.path,
                    root=root,
                    units=UNITS,
                    floors=FLOORS,
                )
            )
        Building.objects.bulk_create(rows, batch_size=500)
    stdout.write(f"  楼栋：新增 {len(rows)} 栋（{len(communities)} 个社区）")


def _person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _residents(root: Grid, rng: random.Random, stdout) -> None:
    if Resident.objects.filter(root=root).exists():
        stdout.write(f"  居民已存在（{Resident.objects.filter(root=root).count()} 人），跳过")
        return
    c = cipher()
    today = timezone.localdate()
    used: set[str] = set()
    staged: list[StagedResident] = []
    residence = [ResidenceType.REGISTERED] * 6 + [ResidenceType.PERMANENT] * 2
    residence += [ResidenceType.FLOATING] * 2 + [ResidenceType.FOREIGN]
    row = 0
    for b in Building.objects.filter(root=root).order_by("pk"):
        for unit in range(1, UNITS + 1):
            for floor in range(1, FLOORS + 1):
                for door in range(1, ROOMS_PER_FLOOR + 1):
                    room = f"{floor}{door:02d}"
                    size = rng.choices([1, 2, 3, 4], weights=[3, 4, 2, 1])[0]
                    for member in range(size):
                        row += 1
                        age = rng.randint(60, 95) if size == 1 else rng.randint(1, 85)
                        birth = today - dt.timedelta(days=age * 365 + rng.randint(0, 364))
                        while True:
                            number = make_id_number(DISTRICT_CODE, birth, rng.randint(1, 999))
                            if number not in used:
                                used.add(number)
                                break
                        tags = _tags(rng, age=age, alone=size == 1)
                        phone = f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}"
                        staged.append(
                            StagedResident(
                                row=row,
                                name=_person_name(rng),
                                id_cipher=c.encrypt(number, column=ID_COLUMN),
                                id_hash=c.lookup_hash(number, kind="id"),
                                sex="M" if int(number[16]) % 2 else "F",
                                birth_date=birth,
                                phone_cipher=c.encrypt(phone, column=PHONE_COLUMN),
                                phone_hash=c.lookup_hash(phone, kind="phone"),
                                residence_type=rng.choice(residence),
                                tags=tags_to_column(tags),
                                building_id=b.pk,
                                unit=str(unit),
                                room=room,
                                household_no="",
                                relation="户主" if member == 0 else rng.choice(["配偶", "子女"]),
                                grid_id=b.grid_id,
                                grid_path=b.grid_path,
                                root_id=root.pk,
                            )
                        )
    result = apply_residents(staged, scope=None)
    stdout.write(f"  居民：新增 {result.created} 人")


def _tags(rng: random.Random, *, age: int, alone: bool) -> list[str]:
    tags: list[str] = []
    if age >= 65 and alone:
        tags.append(CareTag.ELDERLY_ALONE if rng.random() < 0.5 else CareTag.EMPTY_NEST)
    if rng.random() < 0.03:
        tags.append(CareTag.MINIMUM_LIVING)
    if rng.random() < 0.02:
        tags.append(CareTag.DISABLED)
    if age < 14 and rng.random() < 0.05:
        tags.append(CareTag.LEFT_BEHIND_CHILD)
    if rng.random() < 0.003:
        tags.append(CareTag.KEY_PERSON)
    return tags


def _care(root: Grid, rng: random.Random, stdout) -> None:
    if CareRecord.objects.filter(grid_path__startswith=root.path).exists():
        stdout.write("  关爱台账已存在，跳过")
        return
    levels = {lv.code: lv for lv in CareLevel.objects.all()}
    if not levels:
        return
    today = timezone.localdate()
    people = list(
        Resident.objects.filter(root=root)
        .exclude(tags="")
        .order_by("pk")
        .values_list("pk", "tags", "grid_id", "grid_path")
    )
    records = []
    for pk, tags, grid_id, grid_path in people:
        if "困境儿童" in tags:
            level = levels.get("child-red") or levels.get("red")
        elif "留守儿童" in tags:
            level = levels.get("child-yellow") or levels.get("yellow")
        elif "独居老人" in tags or "重点人员" in tags or "残疾" in tags:
            level = levels.get("red")
        elif "孤寡老人" in tags:
            level = levels.get("orange") or levels.get("red")
        elif "低保" in tags:
            level = levels.get("yellow")
        else:
            level = levels.get("blue")
        level = level or next(iter(levels.values()))
        since = today - dt.timedelta(days=rng.randint(1, 400))
        # Most visits on schedule, about one in five late.
        days_ago = rng.randint(0, int(level.visit_interval_days * 1.25))
        last = max(since, today - dt.timedelta(days=days_ago))
        last_at = timezone.make_aware(dt.datetime.combine(last, dt.time(10, 0)))
        records.append(
            CareRecord(
                resident_id=pk,
                level=level,
                reason=tags.strip("|").replace("|", "、"),
                grid_id=grid_id,
                grid_path=grid_path,
                since=since,
                last_visited_at=last_at,
                next_due_on=next_visit_due(
                    since=since, last_visited=last, interval_days=level.visit_interval_days
                ),
            )
        )
    CareRecord.objects.bulk_create(records, batch_size=1000)
    # The demo grid worker's own visit history, so their ledger is not empty.
    worker = User.objects.filter(username="worker_a").first()
    visits = []
    if worker:
        mine = [
            (r, r.last_visited_at)
            for r in records
            if f"/{WORKER_A_GRID}/" in r.grid_path and r.last_visited_at is not None
        ]
        for r, visited_at in mine[:40]:
            visits.append(
                Visit(
                    resident_id=r.resident_id,
                    visitor=worker,
                    visited_at=visited_at,
                    place="入户",
                    notes=rng.choice(["身体状况良好", "需要代购药品", "家中电线老化，已提醒"]),
                    grid_id=r.grid_id,
                    grid_path=r.grid_path,
                )
            )
        Visit.objects.bulk_create(visits)
    overdue = sum(1 for r in records if r.next_due_on < today)
    stdout.write(
        f"  关爱台账：{len(records)} 人，其中 {overdue} 人已逾期待访；走访记录 {len(visits)}"
    )


ASSETS = [
    # (4-digit 部件 category code — the cases app's "A" + these digits, owning department)
    ("0103", "上水井盖", "water"),
    ("0104", "供电设施", "power"),
    ("0105", "燃气设施", "gas"),
    ("0106", "路灯", "shizheng"),
]
PLACE_KINDS = [
    PlaceKind.SMALL_STORE,
    PlaceKind.SMALL_RESTAURANT,
    PlaceKind.SMALL_HOTEL,
    PlaceKind.SMALL_CLINIC,
    PlaceKind.SHOP,
]


def _organisations_assets_places(root: Grid, rng: random.Random, stdout) -> None:
    if Organisation.objects.filter(grid_path__startswith=root.path).exists():
        stdout.write("  组织、部件、场所已存在，跳过")
        return
    departments = {d.code: d for d in Department.objects.all()}
    orgs, assets, places = [], [], []
    communities = Grid.objects.filter(path__startswith=root.path, level=GridLevel.COMMUNITY)
    for community in communities:
        core = address.place_core(community.name)
        for kind, name in [
            (OrganisationKind.PROPERTY_COMPANY, f"{core}物业服务有限公司"),
            (OrganisationKind.OWNERS_COMMITTEE, f"{core}小区业主委员会"),
            (OrganisationKind.PARTY_BRANCH, f"{community.name}党支部"),
            (OrganisationKind.VOLUNTEER_TEAM, f"{core}志愿服务队"),
        ]:
            orgs.append(
                Organisation(kind=kind, name=name, grid=community, grid_path=community.path)
            )
        buildings = list(Building.objects.filter(community=community).order_by("number")[:12])
        for i, b in enumerate(buildings):
            category, name, dept = ASSETS[i % len(ASSETS)]
            if dept in departments:
                assets.append(
                    Asset(
                        code=f"{community.code}{category}{i:03d}",
                        category_code=category,
                        name=name,
                        department=departments[dept],
                        lat=b.lat + 0.00005,
                        lng=b.lng,
                        grid_id=b.grid_id,
                        grid_path=b.grid_path,
                    )
                )
            if i % 3 == 0:
                place_kind = PLACE_KINDS[(i // 3) % len(PLACE_KINDS)]
                place_label = PlaceKind(place_kind).label.removeprefix("小")
                places.append(
                    Place(
                        kind=place_kind,
                        name=f"{core}{place_label}{i // 3 + 1}号店",
                        building=b,
                        lat=b.lat,
                        lng=b.lng + 0.00005,
                        grid_id=b.grid_id,
                        grid_path=b.grid_path,
                        address=b.address,
                    )
                )
    Organisation.objects.bulk_create(orgs)
    Asset.objects.bulk_create(assets)
    Place.objects.bulk_create(places)
    stdout.write(f"  组织 {len(orgs)}，部件 {len(assets)}，场所 {len(places)}")
