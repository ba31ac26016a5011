"""Demo step: a year of weekly council days (周二说事日) in the communities of 凤岗街道, notices to
their grids, and the street's emergency fund with spent and pending requests.

Everything goes through the real services with the moment of each act passed as `now`, so the
history is what the live pages would have written: topics in every one of the six steps, signed
attendance, decisions (some done, some overdue), answers and follow-ups, archived meetings; read
counts on notices, one withdrawn; fund budgets, approvals within and beyond the community's
limit, payments and pending requests. Deterministic (seeded) and idempotent (skipped when the
demo meetings exist).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from wangge.accounts.models import Role, RoleAssignment, User
from wangge.accounts.services import role_grant, user_create
from wangge.cases.models import Case
from wangge.council import services as council
from wangge.council.models import Decision, Meeting, Topic
from wangge.funds import services as funds
from wangge.grids.models import Grid, GridLevel
from wangge.notices import services as notices

SEED = 20261117
STREET_CODE = "350427001"
COMMUNITIES = 4
WEEKS = 52
TZ = ZoneInfo("Asia/Shanghai")
RESIDENT_GRID = "350427001001001001"

TOPICS = [
    ("{b}楼前停车难", "晚上电动车和汽车挤在一起，消防通道被堵，希望划定停放区。"),
    ("小区广场舞音响扰民", "晚上九点后音响声音很大，影响老人和孩子休息，希望协商时段。"),
    ("{b}楼道灯坏了没人修", "楼道灯坏了一个多月，老人上下楼不方便。"),
    ("加装电梯费用分摊", "{b}想加装电梯，一楼和六楼住户意见不一致，请社区组织协商。"),
    ("垃圾分类投放点位置", "新设的投放点离{b}太近，夏天有异味，建议挪到路口。"),
    ("小区绿地被占种菜", "有住户在公共绿地种菜，影响环境，也引起邻里矛盾。"),
    ("{b}外墙瓷砖脱落", "外墙瓷砖有松动，怕掉下来砸人，维修资金怎么出？"),
    ("老年食堂开饭时间", "希望老年食堂中午提前到11点开饭，方便接孩子的老人。"),
    ("流浪猫狗投喂问题", "有人在{b}楼下投喂流浪猫，晚上叫声大，也有卫生问题。"),
    ("快递柜摆放位置", "快递柜放在单元门口挡路，希望移到物业门口。"),
    ("雨水井堵塞积水", "一下雨{b}门口就积水，希望疏通雨水井。"),
    ("非机动车充电棚建设", "电动车进楼充电有隐患，希望在小区建充电棚。"),
]
DECISIONS = [
    "由网格员牵头，会同物业在一周内落实，并在楼栋群内公示。",
    "物业本周内维修，费用从网格应急专项资金列支。",
    "组织相关住户再协商一次，形成书面协议。",
    "社区联系相关部门现场查看，两周内给出方案。",
]
ANSWERS = [
    "您提出的议题已在周二说事会上商议，已明确责任人和完成时限，请留意楼栋群通知。",
    "经议事会商议，已安排落实，完成后网格员会上门告知。",
]
FOLLOW_NOTES = ["电话回访，居民表示满意", "上门回访，问题已解决", "回访：已落实一半，继续跟进"]
NAMES = [
    "王建国", "李秀英", "张桂兰", "刘志强", "陈美华", "杨德福",
    "黄丽娟", "赵红梅", "吴国庆", "周淑珍", "徐长海", "孙玉兰",
]  # fmt: skip
NOTICES = [
    ("停水通知", "因管网维修，{d}8:00—12:00停水，请提前储水。", False),
    (
        "台风天气防范提醒",
        "受台风影响，明天有大风暴雨，请收好阳台物品，低洼地带住户注意防汛。",
        True,
    ),
    ("新冠疫苗接种安排", "社区卫生服务站本周六上午为60岁以上老人接种疫苗，请携带身份证。", False),
    ("周二说事日议题征集", "本周二晚七点半在社区红色议事厅召开说事会，欢迎居民提出议题。", False),
    ("燃气安全检查", "燃气公司将入户检查燃气管道，请家中留人，检查人员持证上门。", False),
    ("消防演练通知", "本周五下午三点在小区广场进行消防演练，请居民积极参加。", False),
    ("电梯维保停运", "{d}上午电梯维保停运两小时，请老人提前安排出行。", False),
    ("高温防暑提醒", "近期持续高温，请独居老人注意防暑，网格员将上门走访。", True),
]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def _staff_user(username: str, name: str, role: str, grid: Grid) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(actor=None, username=username, password=None, display_name=name)
    if not RoleAssignment.objects.filter(user=user, role=role, grid=grid).exists():
        role_grant(actor=None, user=user, role=role, grid=grid)
    return user


def load(*, stdout: Any) -> None:
    street = Grid.objects.filter(code=STREET_CODE).first()
    if street is None:
        stdout.write("  未找到凤岗街道，跳过议事、通知和应急资金")
        return
    if Meeting.objects.filter(community__parent=street).exists():
        stdout.write("  演示议事会已存在，跳过")
        return
    now = timezone.now()
    rng = random.Random(SEED)
    communities = list(
        Grid.objects.filter(parent=street, level=GridLevel.COMMUNITY).order_by("code")[:COMMUNITIES]
    )
    staff = {}
    for c in communities:
        ra = RoleAssignment.objects.filter(role=Role.COMMUNITY_STAFF, grid=c).select_related("user")
        first = ra.first()
        staff[c.pk] = (
            first.user
            if first
            else _staff_user(f"cs{c.code}", f"{c.name} 社区干事", Role.COMMUNITY_STAFF, c)
        )
    street_staff = RoleAssignment.objects.filter(role=Role.STREET_STAFF, grid=street).first()
    street_user = (
        street_staff.user
        if street_staff
        else _staff_user(f"ss{street.code}", f"{street.name} 干事", Role.STREET_STAFF, street)
    )
    with transaction.atomic():
        counts = _council(communities, staff, rng, now)
    with transaction.atomic():
        n_notices = _notices(communities, staff, street_user, rng, now)
    with transaction.atomic():
        n_requests = _funds(communities, staff, street_user, rng, now)
    stdout.write(f"  议事会 {counts[0]} 次，议题 {counts[1]} 个")
    stdout.write(f"  通知 {n_notices} 条；应急资金申请 {n_requests} 笔")


def _owners(community: Grid) -> list[User]:
    ids = RoleAssignment.objects.filter(
        role__in=[Role.GRID_WORKER, Role.GRID_HEAD, Role.MICRO_GRID_HEAD],
        grid__path__startswith=community.path,
    ).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=ids).order_by("username")[:12])


def _micro(community: Grid) -> list[Grid]:
    return list(
        Grid.objects.filter(path__startswith=community.path, level=GridLevel.MICRO).order_by("path")
    )


def _council(
    communities: list[Grid], staff: dict[int, User], rng: random.Random, now: datetime
) -> tuple[int, int]:
    today = timezone.localdate(now)
    # The Tuesday of this week (or next, when this week's is still ahead).
    this_tuesday = today - timedelta(days=(today.weekday() - 1) % 7)
    meetings = topics = 0
    resident = User.objects.filter(username="resident").first()
    for c in communities:
        actor = staff[c.pk]
        owners = _owners(c) or [actor]
        micro = _micro(c)
        for week in range(WEEKS, -2, -1):  # a year back, this week, and next week's
            day = this_tuesday - timedelta(weeks=week)
            starts = _at(day, 19, 30)
            proposed_at = starts - timedelta(days=rng.randint(3, 10))
            future = starts > now
            meeting = council.meeting_schedule(
                actor=actor,
                community=c,
                title=f"{c.name}第{WEEKS - week + 1}期周二说事",
                starts_at=starts,
                place=rng.choice(["社区红色议事厅", "小区党群服务站", "网格议事亭"]),
                grids=micro[:4],
                invitees=[u for u in [resident, *owners[:2]] if u is not None]
                if c.code == "350427001001"
                else owners[:2],
            )
            meetings += 1
            n_topics = rng.randint(2, 4)
            agenda = []
            for _ in range(n_topics):
                title, body = rng.choice(TOPICS)
                building = f"{rng.randint(1, 30)}号楼"
                proposer = (
                    resident
                    if resident and c.code == "350427001001" and rng.random() < 0.3
                    else actor
                )
                topic = council.topic_propose(
                    actor=proposer,
                    community=c,
                    grid=rng.choice(micro) if micro else None,
                    title=title.format(b=building),
                    description=body.format(b=building),
                    proposer_name="" if proposer != actor else rng.choice(NAMES),
                    now=proposed_at,
                )
                council.meeting_add_topic(
                    actor=actor, meeting=meeting, topic=topic, now=proposed_at
                )
                agenda.append(topic)
                topics += 1
            if future:
                continue
            at = starts + timedelta(minutes=5)
            for name in rng.sample(NAMES, rng.randint(6, 11)):
                council.meeting_sign_in(
                    actor=actor, meeting=meeting, name=name, role_note="居民代表", now=at
                )
            if resident and c.code == "350427001001" and week % 3 == 0:
                council.meeting_sign_in(actor=resident, meeting=meeting, now=at)
            for n, topic in enumerate(agenda):
                at += timedelta(minutes=15)
                council.topic_discuss(
                    actor=actor,
                    topic=topic,
                    minutes=f"与会居民围绕“{topic.title}”充分发表意见，形成一致意见。",
                    now=at,
                )
                if week == 0 and n == len(agenda) - 1:
                    continue  # last night's last topic: minutes taken, decision pending (说事)
                council.topic_decide(
                    actor=actor,
                    topic=topic,
                    text=rng.choice(DECISIONS),
                    owner=rng.choice(owners),
                    due_on=day + timedelta(days=rng.choice([7, 10, 14])),
                    now=at,
                )
            # The recent weeks stay in progress: topics in 解事, 息事 and 回访宁事.
            if week == 0:
                continue
            answered_at = starts + timedelta(days=1, hours=-9)
            for topic in agenda:
                council.topic_answer(
                    actor=actor, topic=topic, text=rng.choice(ANSWERS), now=answered_at
                )
            for topic in agenda:
                decision = Decision.objects.get(topic=topic)
                if week > 2 or rng.random() < 0.5:
                    council.decision_done(
                        actor=decision.owner,
                        decision=decision,
                        note="已按决定落实",
                        now=min(now, _at(decision.due_on, 10) - timedelta(days=rng.randint(0, 3))),
                    )
            if week == 1:
                continue
            follow_at = starts + timedelta(days=rng.randint(10, 13))
            for topic in agenda:
                score = rng.choices([5, 4, 3, 2], weights=[55, 30, 10, 5])[0]
                council.topic_follow_up(
                    actor=actor,
                    topic=topic,
                    settled=score >= 3 or rng.random() < 0.3,
                    satisfaction=score,
                    note=rng.choice(FOLLOW_NOTES),
                    now=follow_at,
                )
            if week <= 2:
                continue
            council.meeting_archive(
                actor=actor,
                meeting=meeting,
                summary=f"本期共商议 {len(agenda)} 个议题，均已明确责任人并回访。",
                now=follow_at + timedelta(days=1),
            )
        # A few topics waiting for a meeting (问事), and topics from cases, in one click.
        for title, body in rng.sample(TOPICS, 3):
            building = f"{rng.randint(1, 30)}号楼"
            council.topic_propose(
                actor=actor,
                community=c,
                title=title.format(b=building),
                description=body.format(b=building),
                proposer_name=rng.choice(NAMES),
                now=now - timedelta(days=rng.randint(0, 5)),
            )
            topics += 1
        for case in Case.objects.filter(grid_path__startswith=c.path, state="closed").order_by(
            "-id"
        )[:2]:
            if not Topic.objects.filter(case=case).exists():
                council.topic_from_case(actor=actor, case=case, now=now - timedelta(days=1))
                topics += 1
    council.decisions_sweep(now=now)
    return meetings, topics


def _notices(
    communities: list[Grid],
    staff: dict[int, User],
    street_user: User,
    rng: random.Random,
    now: datetime,
) -> int:
    from wangge.notices.models import Notice

    resident = User.objects.filter(username="resident").first()
    grid = Grid.objects.filter(code=RESIDENT_GRID).first()
    if resident is not None and grid is not None:
        notices.notice_subscribe(actor=resident, grid=grid)
    made = 0
    for i in range(36):
        published = now - timedelta(days=360 - i * 10, hours=rng.randint(0, 8))
        title, body, urgent = rng.choice(NOTICES)
        day = timezone.localdate(published) + timedelta(days=2)
        if i % 4 == 0:
            author, targets = street_user, communities[:2] if i % 8 else communities
        else:
            c = communities[i % len(communities)]
            author, targets = staff[c.pk], [c]
        n = notices.notice_publish(
            actor=author,
            title=title,
            body=body.format(d=f"{day.month}月{day.day}日"),
            grids=targets,
            urgent=urgent,
            expires_at=published + timedelta(days=7) if i < 33 else None,
            now=published,
        )
        made += 1
        for rec in n.recipients.select_related("user"):
            if rng.random() < (0.9 if i < 33 else 0.5):
                notices.notice_mark_read(
                    actor=rec.user, notice=n, now=published + timedelta(hours=rng.randint(1, 30))
                )
    last = Notice.objects.filter(author=street_user).order_by("-published_at").first()
    if last is not None:
        notices.notice_publish(
            actor=street_user,
            title="停电通知（已更正）",
            body="原定本周四的停电检修改期，具体时间另行通知。",
            grids=communities[:2],
            now=now - timedelta(days=2),
        )
        wrong = notices.notice_publish(
            actor=street_user,
            title="停电通知",
            body="本周四8:00—17:00停电检修。",
            grids=communities[:2],
            now=now - timedelta(days=3),
        )
        notices.notice_withdraw(
            actor=street_user, notice=wrong, reason="检修改期", now=now - timedelta(days=2)
        )
        made += 2
    return made


PURPOSES = [
    "更换被挖断的路灯电缆",
    "疏通雨水井并更换井盖",
    "楼道扶手加固",
    "外墙松动瓷砖应急排险",
    "二次供水水箱应急清洗",
    "独居老人家中漏水应急维修",
    "消防通道障碍物清运",
]


def _funds(
    communities: list[Grid],
    staff: dict[int, User],
    street_user: User,
    rng: random.Random,
    now: datetime,
) -> int:
    year = timezone.localdate(now).year
    start = datetime(year, 1, 6, 9, tzinfo=TZ)
    made = 0
    for c in communities:
        account = funds.fund_budget_set(
            actor=street_user, unit=c, year=year, amount="50000", head_limit="5000", now=start
        )
        actor = staff[c.pk]
        cases = list(Case.objects.filter(grid_path__startswith=c.path).order_by("id")[:40])
        decisions = list(Decision.objects.filter(grid_path__startswith=c.path).order_by("id")[:40])
        span = max(1, (now - start).days - 10)
        for i in range(9):
            at = start + timedelta(days=rng.randint(5, span), hours=rng.randint(0, 6))
            amount = Decimal(rng.choice([800, 1200, 2600, 3500, 4800, 6500, 9000]))
            account.refresh_from_db()
            if amount > account.available:
                continue
            req = (
                funds.fund_request_submit(
                    actor=actor,
                    account=account,
                    amount=amount,
                    purpose=rng.choice(PURPOSES),
                    case=cases[i] if i % 2 == 0 and i < len(cases) else None,
                    decision=decisions[i]
                    if (i % 2 == 1 or i >= len(cases)) and i < len(decisions)
                    else None,
                    now=at,
                )
                if (cases or decisions)
                else None
            )
            if req is None:
                continue
            made += 1
            if i >= 7:  # the most recent stay pending: one within the limit, one above
                continue
            if i == 6:
                funds.fund_request_reject(
                    actor=actor,
                    request=req,
                    reason="可由物业维修基金承担",
                    now=at + timedelta(hours=5),
                )
                continue
            approver = street_user if req.amount > account.head_limit else actor
            funds.fund_request_approve(
                actor=approver, request=req, note="同意", now=at + timedelta(hours=3)
            )
            if i == 5:
                continue  # approved, not yet paid
            funds.fund_payment_record(
                actor=actor,
                request=req,
                amount=req.amount,
                payee=rng.choice(["沙溪建安维修队", "怡园物业", "金沙水电安装部"]),
                note="维修完成，凭发票支付",
                now=at + timedelta(days=2),
            )
        # One request above the community's limit waits for the street (the screenshots show it).
        account.refresh_from_db()
        if (cases or decisions) and account.available > Decimal("7800"):
            funds.fund_request_submit(
                actor=actor,
                account=account,
                amount="7800",
                purpose="小区主排水管破裂应急抢修",
                case=cases[0] if cases else None,
                decision=None if cases else decisions[0],
                now=now - timedelta(days=1),
            )
            made += 1
    return made
