"""Demo step: about a year of cases in the demo county, worded like the source reports.

Deterministic (seeded) and idempotent (skipped when the demo cases exist). Each history is
replayed in memory by `workflow.Replay` — the live workflow's own table and effect functions,
so a demo case carries exactly the fields and event payloads a live one would — and stored
with bulk inserts (`workflow.history_store`), so the whole step takes seconds rather than the
hours one `case_transition` per event would.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from wangge.accounts.models import Role, RoleAssignment, User
from wangge.cases.contact import contact_phone_fields
from wangge.cases.matching import description_words
from wangge.cases.models import (
    Case,
    Category,
    Channel,
    EventKind,
    ExtensionRequest,
    LimitUnit,
    default_priority,
)
from wangge.cases.routing import RoutingData, route_case
from wangge.cases.services import TRACKING_ALPHABET, submit_payload
from wangge.cases.targets import escalation_target
from wangge.cases.workflow import Replay, history_store
from wangge.grids.locator import locator
from wangge.grids.models import Grid, GridLevel

SEED = 20260101
DISTRICT_CODE = "350427"
CASES_PER_DAY = 80
DAYS = 365
KEY_PREFIX = "demo-"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文"  # noqa: E501
GIVEN = "敏磊静伟芳娜强军洋勇艳杰娟涛明超秀霞平刚桂英华丽玲斌辉鹏飞宇浩然晨阳欣怡子涵梓萱"
PLACES = [
    "怡园小区",
    "府前花园",
    "东门新村",
    "水南公寓",
    "金沙苑",
    "翠绿家园",
    "洋坊新村",
    "沙阳里",
]
ROADS = ["府前路", "东大街", "沙阳路", "水南街", "建设路", "城西路", "解放路", "文昌街"]

# (category, weight, channel weights h5/patrol/phone/hotline/chat, descriptions)
TEMPLATES: list[tuple[str, int, tuple[int, ...], list[str]]] = [
    ("E0104", 10, (4, 4, 1, 1, 3), [
        "{p}{b}号楼楼下掉了一地的碎玻璃渣儿，大家经过时一定要小心",
        "{b}号楼门口路面有一大片油污，老人小孩容易滑倒",
    ]),
    ("A0205", 5, (4, 2, 1, 1, 2), [
        "{p}的电动车车棚顶漏雨，下雨天车子全淋湿了",
        "{p}{b}号楼旁边的自行车棚顶棚破了个大洞，一直漏雨",
    ]),
    ("A0206", 3, (3, 3, 1, 1, 1), [
        "沙溪河边的木栈道有几块木板断了，老人晚上散步容易绊倒",
        "公园木栈道栏杆松动，木板翘起来了",
    ]),
    ("A0108", 5, (3, 2, 2, 2, 1), [
        "{r}一家咖啡店门口的下水道堵了，污水漫到人行道上",
        "{p}{b}号楼化粪池下水管堵塞，一楼返水",
    ]),
    ("A0106", 5, (4, 2, 1, 2, 2), [
        "{p}{b}号楼到{b2}号楼之间一盏路灯都没有，晚上黑漆漆的",
        "{r}一排路灯不亮好几天了，晚上走路不安全",
    ]),
    ("C0202", 1, (1, 2, 3, 2, 2), [
        "菜市场有个小孩和家人走散了，穿红色外套，大约五岁，正在市场门口等",
        "一位老人在{r}走失，穿灰色外套，家属很着急",
    ]),
    ("C0403", 5, (3, 4, 1, 1, 2), [
        "{p}绿化带上堆了好多装修垃圾，好几天没人清运",
        "{b}号楼有住户把装修建渣堆在楼道口",
    ]),
    ("C0302", 2, (3, 1, 2, 2, 3), [
        "{p}{b}号楼高层阳台有花盆掉下来，差点砸到楼下的人",
        "{b}号楼经常有人从楼上往下扔垃圾，高空抛物很危险",
    ]),
    ("C0402", 2, (3, 1, 1, 2, 1), [
        "家里木门和地板发现白蚁，{b}号楼好几户都有",
        "{p}老房子屋梁被白蚁蛀了，想请专业人员来看看",
    ]),
    ("C0101", 6, (3, 3, 2, 2, 3), [
        "楼上住户夜里经常有噪音，沟通几次都没有效果，邻里矛盾越来越大",
        "{b}号楼两户邻居因为楼道堆放杂物吵起来了",
    ]),
    ("C0401", 5, (3, 1, 2, 2, 2), [
        "{p}{b}号楼顶楼屋顶漏雨，卧室墙面渗水发霉",
        "楼上卫生间渗水到我家天花板，找过物业没解决",
    ]),
    ("C0201", 2, (1, 4, 1, 1, 1), [
        "姚家巷一对老两口都有病，每月医疗费开支大，生活困难，想申请低保",
        "{p}独居老人行动不便，家里没人照顾，想咨询救助政策",
    ]),
    ("E0102", 8, (3, 4, 1, 1, 3), [
        "{p}垃圾桶满了一直没人清，周边堆了不少垃圾",
        "{r}路边有人乱扔垃圾，味道很大",
    ]),
    ("E0502", 4, (2, 4, 1, 2, 1), [
        "早市摊贩占道经营，{r}车辆通行困难",
        "{r}流动摊贩摆摊占了人行道",
    ]),
    ("C0102", 4, (3, 1, 2, 2, 3), [
        "{p}物业不及时维修电梯，业主意见很大",
        "物业费涨了但是小区保洁越来越差",
    ]),
    ("E0201", 3, (1, 5, 0, 1, 1), ["{b}号楼单元门上贴满了小广告", "{r}电线杆上到处是牛皮癣"]),
    ("C0301", 3, (2, 3, 1, 1, 2), [
        "{p}监控坏了很久，晚上有陌生人进出",
        "{b}号楼单元门禁坏了，担心治安",
    ]),
    ("C0501", 3, (3, 0, 3, 2, 3), [
        "想咨询一下孩子办身份证需要哪些材料",
        "请问社区老年食堂什么时候开放",
    ]),
    ("E0401", 1, (2, 2, 2, 2, 1), ["{r}路边水管破裂，大量跑水", "{p}{b}号楼前自来水管爆了"]),
    ("A0101", 2, (2, 3, 1, 2, 1), [
        "{r}一个井盖缺失，很危险",
        "{p}{b}号楼前井盖松动，车压过去哐哐响",
    ]),
    ("C0203", 2, (0, 5, 0, 0, 1), ["{p}{b}号楼新搬来几户租户，需登记流动人口信息"]),
]  # fmt: skip
CHANNELS = [Channel.H5, Channel.PATROL, Channel.PHONE, Channel.HOTLINE, Channel.CHAT]

REPLIES = ["已收到，马上安排处理", "网格员已到现场查看", "已联系相关单位，正在协调"]
RESOLUTIONS = {
    "default": ["已到现场处理完毕", "已协调相关单位处置完毕，现场已恢复", "已处理，请居民确认"],
    "C0101": ["已上门调解，双方达成谅解", "已组织双方到社区说事，约定了作息时间"],
    "C0201": ["已协助提交低保申请材料，民政部门已受理", "已对接民政救助，建立帮扶台账"],
    "C0202": ["孩子已与家人团聚", "老人已找到，安全送回家中"],
    "C0501": ["已电话答复居民", "已告知办理流程和所需材料"],
}


@dataclass
class Plan:
    """One demo case being built: its replayed history."""

    replay: Replay

    @property
    def case(self) -> Case:
        return self.replay.case


def load(*, stdout) -> None:
    root = Grid.objects.filter(code=DISTRICT_CODE).first()
    if root is None:
        stdout.write("  未找到演示区县，跳过事件")
        return
    if Case.objects.filter(idempotency_key__startswith=KEY_PREFIX).exists():
        stdout.write("  演示事件已存在，跳过")
        return
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    with transaction.atomic():
        n = _build(root, now, stdout)
    stdout.write(f"  演示事件：{n} 件（约一年）")


def _workers(micro: list[Grid], rng: random.Random) -> dict[int, User]:
    """One grid worker per micro-grid (the personas where they exist)."""
    by_grid: dict[int, User] = {}
    for ra in RoleAssignment.objects.filter(role=Role.GRID_WORKER, grid__in=micro).select_related(
        "user"
    ):
        if ra.grid_id is not None:
            by_grid.setdefault(ra.grid_id, ra.user)
    missing = [g for g in micro if g.pk not in by_grid]
    if missing:
        password = make_password(None)  # unusable: demo history people do not log in
        users = [
            User(
                username=f"gw{g.code}",
                display_name=f"网格员 {rng.choice(SURNAMES)}{rng.choice(GIVEN)}（{g.name}）"[:50],
                password=password,
            )
            for g in missing
        ]
        existing = {
            u.username: u for u in User.objects.filter(username__in=[u.username for u in users])
        }
        new = [u for u in users if u.username not in existing]
        User.objects.bulk_create(new)
        made = {
            u.username: u for u in User.objects.filter(username__in=[u.username for u in users])
        }
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(user=made[f"gw{g.code}"], role=Role.GRID_WORKER, grid=g)
                for g in missing
            ],
            ignore_conflicts=True,
        )
        for g in missing:
            by_grid[g.pk] = made[f"gw{g.code}"]
    return by_grid


def _persona(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _build(root: Grid, now: datetime, stdout) -> int:
    rng = random.Random(SEED)
    categories = {c.code: c for c in Category.objects.filter(code__length=5)}
    grids = {g.pk: g for g in Grid.objects.filter(path__startswith=root.path, is_active=True)}
    micro = [g for g in grids.values() if g.level == GridLevel.MICRO]
    workers = _workers(sorted(micro, key=lambda g: g.code), rng)
    operator = _persona("operator")
    resident = _persona("resident")
    dept_handlers: dict[int, User] = {
        ra.department_id: ra.user
        for ra in RoleAssignment.objects.filter(role=Role.DEPARTMENT_HANDLER).select_related("user")
        if ra.department_id is not None
    }
    routing = RoutingData.load(with_grids=True)

    total = CASES_PER_DAY * DAYS
    # Points: uniform over the district's box, located in bulk; the few outside are unlocated.
    assert root.min_lat is not None and root.max_lat is not None
    assert root.min_lng is not None and root.max_lng is not None
    lats = [rng.uniform(root.min_lat, root.max_lat) for _ in range(total)]
    lngs = [rng.uniform(root.min_lng, root.max_lng) for _ in range(total)]
    locations = locator.locate_many(lats, lngs)
    weights = [t[1] for t in TEMPLATES]
    base_id = (Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    extension_ids = itertools.count(
        (ExtensionRequest.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    )
    codes: set[str] = set(Case.objects.values_list("tracking_code", flat=True))
    plans: list[Plan] = []
    recent_by_grid: dict[int, Plan] = {}
    start = now - timedelta(days=DAYS)
    for i in range(total):
        # Reports come in daytime mostly; created times are spread evenly over the year.
        day = start + timedelta(days=i * DAYS / total)
        t = day.replace(hour=rng.choice([7, 8, 9, 9, 10, 10, 11, 14, 15, 16, 17, 19, 20, 21]))
        t += timedelta(minutes=rng.randrange(60), seconds=rng.randrange(60))
        if t >= now - timedelta(minutes=5):
            t = now - timedelta(minutes=rng.randrange(5, 600))
        code, _w, channel_weights, texts = rng.choices(TEMPLATES, weights=weights)[0]
        channel = rng.choices(CHANNELS, weights=channel_weights)[0]
        text = rng.choice(texts).format(
            p=rng.choice(PLACES),
            b=rng.randint(1, 30),
            b2=rng.randint(1, 30),
            r=rng.choice(ROADS),
        )
        loc = locations[i]
        if rng.random() < 0.015:
            loc = None  # a report whose point fell outside every grid, or gave none
        tracking = "".join(rng.choice(TRACKING_ALPHABET) for _ in range(8))
        while tracking in codes:
            tracking = "".join(rng.choice(TRACKING_ALPHABET) for _ in range(8))
        codes.add(tracking)
        category = categories[code]
        grid = grids[loc.grid.id] if loc else None
        worker = workers.get(grid.pk) if grid else None
        reporter = None
        if channel == Channel.PATROL:
            reporter = worker
        elif channel in (Channel.H5, Channel.CHAT) and rng.random() < 0.1:
            reporter = resident
        anonymous = channel == Channel.H5 and reporter is None and rng.random() < 0.3
        case = Case(
            pk=base_id + i,
            tracking_code=tracking,
            title=text[:30],
            description=text,
            description_words=description_words(text),
            channel=channel,
            category=category,
            reporter=reporter,
            anonymous=anonymous,
            contact_name="" if anonymous or reporter else f"{rng.choice(SURNAMES)}先生",
            **contact_phone_fields("" if anonymous else f"13{rng.randrange(10**9):09d}"),
            lat=lats[i] if loc else None,
            lng=lngs[i] if loc else None,
            grid=grid,
            grid_path=grid.path if grid else root.path,
            root=root,
            urgent=category.urgent,
            priority=default_priority(category),
            idempotency_key=f"{KEY_PREFIX}{i}",
            external_id=f"12345-{t:%Y%m%d}-{i:06d}" if channel == Channel.HOTLINE else None,
            created_at=t,
            updated_at=t,
        )
        plan = Plan(Replay(case, extension_ids=extension_ids))
        # A second report of the same thing in the same grid soon after: merged by the centre.
        prev = recent_by_grid.get(grid.pk) if grid is not None else None
        duplicate_of = (
            prev
            if prev is not None
            and prev.case.category_id == category.pk
            and t - prev.case.created_at < timedelta(days=2)
            and rng.random() < 0.5
            else None
        )
        people = People(worker, reporter, operator, dept_handlers)
        _history(plan, rng, now, t, loc, people, routing, duplicate_of)
        if grid is not None and plan.case.merged_into_id is None:
            recent_by_grid[grid.pk] = plan
        plans.append(plan)

    history_store([p.replay for p in plans], _insert_rows)
    # Ids were assigned here (the hashes cover them): move PostgreSQL's sequences past them.
    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Case, ExtensionRequest]):
            cur.execute(sql)
    return len(plans)


def _insert_rows(model: type[Model], objs: list[Any]) -> None:
    """Plain executemany over the model's concrete columns (the primary key too when set):
    the ORM's per-object work in bulk_create would be most of the step's time."""
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and getattr(objs[0], f.attname, None) is None)
    ]
    qn = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        qn(model._meta.db_table),
        ", ".join(qn(f.column) for f in fields if f.column),
        ", ".join(["%s"] * len(fields)),
    )
    attnames = [f.attname for f in fields]
    prep = [f.get_db_prep_save for f in fields]
    with connection.cursor() as cur:
        for i in range(0, len(objs), 5000):
            cur.executemany(
                sql,
                [
                    tuple(p(getattr(o, a), connection) for p, a in zip(prep, attnames, strict=True))
                    for o in objs[i : i + 5000]
                ],
            )


@dataclass(frozen=True)
class People:
    """Who acts on one demo case."""

    worker: User | None  # the grid worker of the micro-grid the case lies in
    reporter: User | None
    operator: User | None  # the district centre
    dept_handlers: dict[int, User]

    def handler(self, case: Case) -> User | None:
        """Who claims a case for its lead unit."""
        if case.handling_department_id:
            return self.dept_handlers.get(case.handling_department_id, self.operator)
        if case.handling_grid and case.handling_grid.level == GridLevel.MICRO and self.worker:
            return self.worker
        return self.operator


def _history(
    plan: Plan,
    rng: random.Random,
    now: datetime,
    t: datetime,
    loc: Any,
    people: People,
    routing: RoutingData,
    duplicate_of: Plan | None,
) -> None:
    r = plan.replay
    c = r.case
    operator, reporter, worker = people.operator, people.reporter, people.worker
    submitter = reporter or (operator if c.channel in (Channel.PHONE, Channel.HOTLINE) else None)
    if duplicate_of is not None:
        c.duplicate_candidates = [
            {"tracking_code": duplicate_of.case.tracking_code, "distance_m": 30.0,
             "similarity": 80.0}
        ]  # fmt: skip
    r.submit(
        actor=submitter,
        at=t,
        payload=submit_payload(
            channel=c.channel,
            grid_code=loc.grid.code if loc else None,
            duplicates=[duplicate_of.case.tracking_code] if duplicate_of else [],
        ),
    )
    route = route_case(category=c.category, location=loc, text=c.description, data=routing)
    if route is None:
        # Unlocated: the centre rejects what is not ours, places the rest by hand.
        at = t + timedelta(minutes=rng.randint(10, 90))
        if rng.random() < 0.4 or at > now:
            if at <= now:
                r.step(
                    EventKind.REJECT,
                    actor=operator,
                    at=at,
                    reason="地址不在本区受理范围，已告知来电人",
                )
            return
        assert routing.grids is not None
        grid = rng.choice([g for g in routing.grids.values() if g.level == GridLevel.COMMUNITY])
        r.step(EventKind.ACCEPT, actor=operator, at=at, target_grid=grid)
        _work(plan, rng, now, at, people, routing)
        return
    # As `case_submit` dispatches by the rule table, in the same instant.
    r.step(
        EventKind.ACCEPT,
        actor=None,
        at=t,
        reason="按派遣规则自动立案派遣",
        payload={"rule": route.rule.pk if route.rule else None},
        target_grid=route.grid,
        target_department=route.department,
        co_departments=route.co_departments,
    )
    if duplicate_of is not None:
        at = t + timedelta(minutes=20)
        if at < now:
            r.step(
                EventKind.MERGE,
                actor=operator,
                at=at,
                reason="与已受理事件重复，合并办理",
                merge_into=duplicate_of.case,
            )
            return
    if c.channel == Channel.PATROL and worker and route.grid and rng.random() < 0.45:
        at = t + timedelta(minutes=rng.randint(5, 40))
        if at < now:
            r.step(EventKind.SETTLE_ON_SPOT, actor=worker, at=at, reason="已现场处理完毕")
            return
    _work(plan, rng, now, t, people, routing)


def _work(
    plan: Plan, rng: random.Random, now: datetime, t: datetime, people: People, routing: RoutingData
) -> None:
    """From dispatch on: claim (or escalate when nobody claims in time), work, close."""
    r = plan.replay
    c = r.case
    cat = c.category
    operator, reporter = people.operator, people.reporter
    handler = people.handler(c)
    # How long until someone claims: mostly well within the limit, sometimes too late.
    late_claim = rng.random() < 0.08
    assert c.respond_by is not None
    if late_claim and escalation_target(c, routing.grids) is not None:
        esc_at = c.respond_by
        if esc_at >= now:
            return  # still waiting for a claim
        # What the SLA sweep does when the response deadline passes.
        r.step(
            EventKind.ESCALATE,
            actor=None,
            at=esc_at,
            reason="超过响应时限未认领，系统自动上报上级",
            grids=routing.grids,
        )
        handler = operator
        claim_at = esc_at + (c.respond_by - esc_at) * rng.uniform(0.1, 0.8)
    else:
        claim_at = t + (c.respond_by - t) * rng.uniform(0.02, 0.7)
    if claim_at >= now:
        return  # dispatched, not yet claimed
    r.step(EventKind.CLAIM, actor=handler, at=claim_at)
    at = claim_at
    if rng.random() < 0.3:
        at += timedelta(minutes=rng.randint(5, 120))
        if at >= now:
            return
        r.step(EventKind.REPLY, actor=handler, at=at, reason=rng.choice(REPLIES))
    if rng.random() < 0.015 and c.created_at < now - timedelta(days=30):
        r.step(
            EventKind.SUSPEND,
            actor=operator,
            at=at + timedelta(days=1),
            reason="需纳入旧城改造计划统一解决，已向居民说明原因",
        )
        return
    assert c.resolve_by is not None
    if rng.random() < 0.03:
        req_at = at + (c.resolve_by - at) * 0.5
        if req_at < now:
            r.step(
                EventKind.EXTEND_REQUEST,
                actor=handler,
                at=req_at,
                reason="需要等待配件到货",
                payload={"amount": 2, "unit": LimitUnit.WORKING_DAYS},
            )
            r.step(EventKind.EXTEND_APPROVE, actor=operator, at=req_at + timedelta(hours=2))
    late = rng.random() < 0.07
    window = c.resolve_by - claim_at
    resolve_at = claim_at + window * (rng.uniform(1.05, 1.6) if late else rng.uniform(0.1, 0.95))
    if (late or resolve_at >= now) and c.resolve_by < now and resolve_at > c.resolve_by:
        # What the SLA sweep does when the handling deadline passes.
        r.step(EventKind.OVERDUE, actor=None, at=c.resolve_by, reason="超过处置时限，列入督办")
        if rng.random() < 0.5:
            urge_at = c.resolve_by + timedelta(hours=1)
            if urge_at < now:
                r.step(EventKind.URGE, actor=operator, at=urge_at, reason="请抓紧办理并反馈")
    if resolve_at >= now:
        return  # being handled
    key = cat.code if cat is not None and cat.code in RESOLUTIONS else "default"
    r.step(EventKind.RESOLVE, actor=handler, at=resolve_at, reason=rng.choice(RESOLUTIONS[key]))
    if rng.random() < 0.04:
        back = resolve_at + timedelta(hours=rng.randint(2, 30))
        if back >= now:
            return
        r.step(EventKind.REOPEN, actor=reporter or operator, at=back, reason="复查发现问题仍未解决")
        again = back + timedelta(hours=rng.randint(1, 6))
        done = again + timedelta(hours=rng.randint(2, 30))
        if done >= now:
            return
        r.step(EventKind.CLAIM, actor=handler, at=again)
        r.step(EventKind.RESOLVE, actor=handler, at=done, reason="已返工处理完毕")
        resolve_at = done
    close_at = resolve_at + timedelta(hours=rng.randint(1, 48))
    if close_at >= now:
        return  # waiting for the resident or the verifier
    r.step(EventKind.CLOSE, actor=reporter or operator, at=close_at)
    if reporter is not None and rng.random() < 0.6:
        # The reporter's own answer (问题解决了吗？对处理满意吗？) after confirming.
        solved, satisfaction, comment = _demo_answer(rng)
        r.step(
            EventKind.RATE,
            actor=reporter,
            at=close_at + timedelta(minutes=30),
            reason=comment,
            payload={"solved": solved, "satisfaction": satisfaction, "comment": comment},
        )
    elif c.contact_phone_cipher and c.channel != Channel.PATROL and rng.random() < 0.8:
        # 回访: the centre calls the others back within a working day or two.
        fu_at = close_at + timedelta(days=rng.choice([1, 1, 2]))
        if fu_at < now:
            solved, satisfaction, comment = _demo_answer(rng)
            r.step(
                EventKind.FOLLOW_UP,
                actor=operator,
                at=fu_at,
                reason=comment,
                payload={"solved": solved, "satisfaction": satisfaction, "comment": comment},
            )


def _demo_answer(rng: random.Random) -> tuple[str, str, str]:
    """A plausible answer to the two questions (most residents are satisfied)."""
    solved = rng.choices(["solved", "partly", "not_solved"], weights=[84, 11, 5])[0]
    weights = {"solved": [80, 17, 3], "partly": [15, 60, 25], "not_solved": [0, 20, 80]}[solved]
    satisfaction = rng.choices(["satisfied", "basic", "not_satisfied"], weights=weights)[0]
    comment = {
        "satisfied": "处理很及时，谢谢网格员",
        "basic": "还可以",
        "not_satisfied": "太慢了，问题还在",
    }[satisfaction]
    return solved, satisfaction, comment
