"""The demo county 沙溪区: grids, departments and one login per persona."""

from __future__ import annotations

from wangge.accounts.models import Role, User
from wangge.accounts.services import role_grant, user_create
from wangge.grids.models import Department, DepartmentKind, Grid, GridLevel
from wangge.grids.services import grid_tree_import
from wangge.grids.synth import generate_county

DISTRICT_CODE = "350427"
DEMO_PASSWORD = "Wangge@2026demo"

DEPARTMENTS = [
    ("chengguan", "区城市管理局", DepartmentKind.CHENGGUAN, DISTRICT_CODE, "0598-5551001"),
    ("shizheng", "区市政工程公司", DepartmentKind.SHIZHENG, DISTRICT_CODE, "0598-5551002"),
    ("water", "沙溪自来水公司", DepartmentKind.WATER, DISTRICT_CODE, "0598-5551003"),
    ("power", "国网沙溪供电公司", DepartmentKind.POWER, DISTRICT_CODE, "95598"),
    ("gas", "沙溪燃气公司", DepartmentKind.GAS, DISTRICT_CODE, "0598-5551005"),
    ("civil", "区民政局", DepartmentKind.CIVIL_AFFAIRS, DISTRICT_CODE, "0598-5551006"),
    ("greening", "区园林绿化中心", DepartmentKind.GREENING, DISTRICT_CODE, "0598-5551007"),
    ("housing", "区住房和城乡建设局", DepartmentKind.HOUSING, DISTRICT_CODE, "0598-5551008"),
    ("market", "区市场监督管理局", DepartmentKind.MARKET_REGULATION, DISTRICT_CODE, "12315"),
    ("police-fenggang", "凤岗派出所", DepartmentKind.POLICE, "350427001", "0598-5551010"),
    ("police-qiujiang", "虬江派出所", DepartmentKind.POLICE, "350427002", "0598-5551011"),
    ("property-yiyuan", "怡园物业服务有限公司", DepartmentKind.PROPERTY, "350427001001", ""),
]

# (username, display name, role, unit code: a grid code or a department code)
PERSONAS = [
    ("admin", "系统管理员", Role.ADMINISTRATOR, None),
    ("security", "安全管理员", Role.SECURITY_OFFICER, None),
    ("auditor", "审计管理员", Role.AUDITOR, None),
    ("operator", "区指挥中心 王调度", Role.OPERATOR, DISTRICT_CODE),
    ("leader", "区领导 李主任", Role.LEADER, DISTRICT_CODE),
    ("street", "凤岗街道 陈干事", Role.STREET_STAFF, "350427001"),
    ("community", "怡园社区 刘书记", Role.COMMUNITY_STAFF, "350427001001"),
    ("gridhead", "怡园社区一片区 网格长 黄强", Role.GRID_HEAD, "350427001001001"),
    ("worker_a", "网格员 张敏（怡园1片区1号）", Role.GRID_WORKER, "350427001001001001"),
    ("worker_b", "网格员 周磊（府前1片区1号）", Role.GRID_WORKER, "350427001002001001"),
    ("microhead", "微网格长 林阿姨（怡园1片区2号）", Role.MICRO_GRID_HEAD, "350427001001001002"),
    ("chengguan", "城管 吴队长", Role.DEPARTMENT_HANDLER, "chengguan"),
    ("resident", "居民 赵先生", None, None),
    # Community life: they serve and keep the points store in 怡园社区 (wangge.community.demo).
    ("volunteer", "志愿者 郑艳芳", None, None),
    ("partymember", "党员 孙洪业", None, None),
    ("storekeeper", "积分超市店员 陈姐", None, None),
]


def load_grids(*, stdout) -> None:
    if Grid.objects.filter(code=DISTRICT_CODE).exists():
        stdout.write("  网格树已存在，跳过")
        return
    result = grid_tree_import(actor=None, collection=generate_county(code=DISTRICT_CODE))
    if not result.ok:
        raise RuntimeError(f"demo grid tree refused: {result.rejects[:3]}")
    counts = {
        GridLevel(level).label: Grid.objects.filter(level=level).count()
        for level in GridLevel.values
    }
    stdout.write("  网格：" + "，".join(f"{k} {v}" for k, v in counts.items()))


def load_departments(*, stdout) -> None:
    created = 0
    for code, name, kind, area, phone in DEPARTMENTS:
        _, was_created = Department.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "service_area": Grid.objects.get(code=area),
                "phone": phone,
            },
        )
        created += was_created
    stdout.write(f"  职能部门：新增 {created}，共 {Department.objects.count()}")


def load_users(*, stdout) -> None:
    created = 0
    for username, display, role, unit in PERSONAS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                actor=None, username=username, password=DEMO_PASSWORD, display_name=display
            )
            created += 1
        if role is None:
            continue
        grid = department = None
        if unit and unit.isdigit():
            grid = Grid.objects.get(code=unit)
        elif unit:
            department = Department.objects.get(code=unit)
        role_grant(actor=None, user=user, role=role, grid=grid, department=department)
    stdout.write(f"  演示账号：新增 {created}")


def persona_table() -> str:
    lines = [f"  {'用户名':<12}{'身份'}"]
    for username, display, _role, _unit in PERSONAS:
        lines.append(f"  {username:<15}{display}")
    lines.append(f"  密码（全部账号）：{DEMO_PASSWORD}")
    return "\n".join(lines)
