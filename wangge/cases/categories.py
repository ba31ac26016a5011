"""The category tree: GB/T 30428.2 部件/事件 classes (2+2 digit codes) and community matters.

`category_seed()` is idempotent: it creates missing rows and never overwrites what an
administrator changed. The data migration and the tests call it; time limits are starting
points taken from published city practice (see REFERENCE: 暴露垃圾 1 working day, 道路不洁 5
working hours …) and meant to be edited in the admin.
"""

from __future__ import annotations

from typing import Any

from wangge.grids.models import DepartmentKind as D
from wangge.grids.models import GridLevel as L

WH, WD = "working_hours", "working_days"
NM, NH, ND = "natural_minutes", "natural_hours", "natural_days"

# Major classes: (code, name, kind)
MAJORS: list[tuple[str, str, str]] = [
    ("A01", "公用设施", "asset"),
    ("A02", "道路交通", "asset"),
    ("A03", "市容环境", "asset"),
    ("A04", "园林绿化", "asset"),
    ("A05", "房屋土地", "asset"),
    ("A06", "其他设施", "asset"),
    ("E01", "市容环境", "event"),
    ("E02", "宣传广告", "event"),
    ("E03", "施工管理", "event"),
    ("E04", "突发事件", "event"),
    ("E05", "街面秩序", "event"),
    ("E06", "其他事件", "event"),
    ("C01", "矛盾纠纷", "community"),
    ("C02", "民生服务", "community"),
    ("C03", "平安建设", "community"),
    ("C04", "房屋安全", "community"),
    ("C05", "咨询建议", "community"),
]

# Minor classes: code, name, handling level, department kind ("" none), response limit, unit,
# handling limit, unit, urgent, keywords.
MINORS: list[tuple[str, str, int, str, float, str, float, str, bool, str]] = [
    # 部件 — owned by a department (先属主后属地)
    ("A0101", "井盖", L.STREET, D.SHIZHENG, 2, WH, 2, WD, False, "井盖 窨井 下水道盖"),
    ("A0102", "雨水箅子", L.STREET, D.SHIZHENG, 4, WH, 2, WD, False, "雨水箅 箅子"),
    ("A0103", "上水井盖", L.STREET, D.WATER, 2, WH, 2, WD, False, "自来水井盖 水表井"),
    ("A0104", "供电设施", L.STREET, D.POWER, 2, WH, 1, WD, False, "电箱 变压器 电线杆 电缆"),
    ("A0105", "燃气设施", L.STREET, D.GAS, 1, NH, 8, NH, True, "燃气 煤气 漏气"),
    ("A0106", "路灯", L.STREET, D.SHIZHENG, 4, WH, 3, WD, False, "路灯 没有路灯 灯不亮 照明"),
    ("A0107", "消防栓", L.STREET, D.WATER, 4, WH, 3, WD, False, "消防栓 消火栓"),
    ("A0108", "排水管道", L.STREET, D.SHIZHENG, 2, WH, 2, WD, False, "下水道 污水管 排水管 堵塞"),
    ("A0201", "人行道板", L.STREET, D.SHIZHENG, 4, WH, 5, WD, False, "人行道 地砖 道板"),
    ("A0202", "护栏", L.STREET, D.SHIZHENG, 4, WH, 3, WD, False, "护栏 栏杆"),
    ("A0203", "交通标志", L.STREET, D.TRAFFIC, 4, WH, 5, WD, False, "交通标志 红绿灯 信号灯"),
    ("A0204", "公交站亭", L.STREET, D.TRAFFIC, 4, WH, 5, WD, False, "公交站 站亭"),
    ("A0205", "停车设施", L.STREET, D.CHENGGUAN, 4, WH, 5, WD, False, "停车棚 车棚 停车位"),
    ("A0206", "木栈道", L.STREET, D.GREENING, 4, WH, 5, WD, False, "栈道 木栈道 步道"),
    ("A0301", "公厕", L.STREET, D.CHENGGUAN, 4, WH, 1, WD, False, "公厕 厕所"),
    ("A0302", "垃圾箱", L.STREET, D.CHENGGUAN, 4, WH, 1, WD, False, "垃圾桶 垃圾箱 果皮箱"),
    ("A0303", "广告牌匾", L.STREET, D.CHENGGUAN, 4, WH, 5, WD, False, "广告牌 牌匾 招牌"),
    ("A0401", "行道树", L.STREET, D.GREENING, 4, WH, 3, WD, False, "行道树 树木 断枝 倒树"),
    ("A0402", "绿地", L.STREET, D.GREENING, 4, WH, 5, WD, False, "绿地 草坪 绿化"),
    ("A0403", "座椅", L.STREET, D.GREENING, 4, WH, 5, WD, False, "座椅 长椅"),
    ("A0501", "公共房屋", L.STREET, D.HOUSING, 1, WD, 10, WD, False, "危房 公房"),
    ("A0601", "其他设施", L.STREET, D.SHIZHENG, 1, WD, 5, WD, False, ""),
    # 事件 — territory first (先属地后属主)
    ("E0101", "私搭乱建", L.COMMUNITY, D.CHENGGUAN, 4, WH, 15, WD, False, "违建 违章搭建 私搭乱建"),
    ("E0102", "暴露垃圾", L.MICRO, "", 2, WH, 1, WD, False, "垃圾 暴露垃圾 乱扔"),
    ("E0103", "积存渣土", L.ZONE, D.CHENGGUAN, 2, WH, 4, WD, False, "渣土 建筑垃圾"),
    ("E0104", "道路不洁", L.MICRO, "", 2, WH, 5, WH, False, "碎玻璃 玻璃渣 路面脏 油污"),
    ("E0105", "水域不洁", L.ZONE, D.ENVIRONMENT, 4, WH, 3, WD, False, "河道 水面 漂浮物"),
    ("E0106", "绿地脏乱", L.MICRO, "", 2, WH, 4, WH, False, "绿化带 绿地脏"),
    ("E0201", "非法小广告", L.MICRO, "", 4, WH, 1, WD, False, "小广告 牛皮癣 乱贴"),
    ("E0202", "违规户外广告", L.COMMUNITY, D.CHENGGUAN, 4, WH, 5, WD, False, "横幅 户外广告"),
    ("E0301", "施工扰民", L.COMMUNITY, D.HOUSING, 2, WH, 2, WD, False, "施工 噪音 扰民 夜间施工"),
    ("E0302", "施工占道", L.COMMUNITY, D.CHENGGUAN, 4, WH, 2, WD, False, "施工占道 围挡"),
    ("E0303", "工地扬尘", L.COMMUNITY, D.ENVIRONMENT, 2, WH, 1, WD, False, "扬尘 灰尘"),
    ("E0401", "管道破裂", L.STREET, D.WATER, 30, NM, 8, NH, True, "爆管 水管破裂 漏水 跑水"),
    ("E0402", "路面塌陷", L.STREET, D.SHIZHENG, 30, NM, 12, NH, True, "塌陷 坑洞 路面坑"),
    ("E0403", "道路积水", L.ZONE, D.SHIZHENG, 1, NH, 4, NH, True, "积水 内涝"),
    ("E0404", "火灾隐患", L.COMMUNITY, "", 30, NM, 4, NH, True, "着火 火灾 冒烟 消防通道"),
    ("E0501", "无照经营", L.COMMUNITY, D.MARKET_REGULATION, 4, WH, 5, WD, False, "无照 游商"),
    ("E0502", "占道经营", L.ZONE, D.CHENGGUAN, 2, WH, 1, WD, False, "占道经营 摆摊 流动摊贩"),
    ("E0503", "流浪乞讨", L.COMMUNITY, D.CIVIL_AFFAIRS, 2, WH, 1, WD, False, "流浪 乞讨"),
    ("E0504", "违规停车", L.ZONE, D.POLICE, 2, WH, 4, WH, False, "乱停车 违停 堵路"),
    ("E0601", "其他事件", L.COMMUNITY, "", 4, WH, 5, WD, False, ""),
    # 社区事务 — settled in the grid where they can be (小事不出网格，大事不出社区)
    ("C0101", "邻里纠纷", L.MICRO, "", 4, WH, 5, WD, False, "邻居 纠纷 吵架 邻里 矛盾 噪音"),
    ("C0102", "物业矛盾", L.ZONE, D.PROPERTY, 4, WH, 5, WD, False, "物业 物业费 业委会 保安"),
    ("C0201", "民政救助/低保", L.COMMUNITY, D.CIVIL_AFFAIRS, 1, WD, 7, WD, False,
     "低保 困难 救助 老两口 独居 生活困难 医疗费"),
    ("C0202", "走失求助", L.ZONE, D.POLICE, 10, NM, 2, NH, True,
     "走失 走丢 走散 迷路 孩子丢了 找不到 小孩 老人走丢"),
    ("C0203", "流动人口", L.MICRO, "", 1, WD, 3, WD, False, "流动人口 租户 出租屋 外来人员"),
    ("C0301", "治安隐患", L.COMMUNITY, D.POLICE, 2, WH, 2, WD, False, "治安 可疑 盗窃 监控坏"),
    ("C0302", "高空坠物", L.ZONE, "", 1, NH, 1, WD, True, "高空坠物 高空抛物 掉下来 坠落"),
    ("C0401", "房屋渗漏", L.ZONE, D.HOUSING, 4, WH, 5, WD, False, "漏水 渗水 渗漏 屋顶漏 漏雨"),
    ("C0402", "白蚁", L.COMMUNITY, D.HOUSING, 1, WD, 5, WD, False, "白蚁 虫子 蛀"),
    ("C0403", "装修垃圾", L.MICRO, "", 4, WH, 2, WD, False, "装修垃圾 装修 建渣"),
    ("C0501", "咨询建议", L.COMMUNITY, "", 1, WD, 3, WD, False, "咨询 建议 请问 怎么办理"),
]  # fmt: skip


def category_rows() -> list[dict[str, Any]]:
    majors = {code: (name, kind) for code, name, kind in MAJORS}
    rows: list[dict[str, Any]] = [
        {"code": code, "name": name, "kind": kind, "parent": None, "keywords": ""}
        for code, name, kind in MAJORS
    ]
    for code, name, level, dept, resp, runit, hand, hunit, urgent, keywords in MINORS:
        rows.append(
            {
                "code": code,
                "name": name,
                "kind": majors[code[:3]][1],
                "parent": code[:3],
                "handling_level": int(level),
                "department_kind": str(dept),
                "response_limit": resp,
                "response_unit": runit,
                "handling_limit": hand,
                "handling_unit": hunit,
                "urgent": urgent,
                "keywords": keywords,
            }
        )
    return rows


def category_seed(category_model: Any = None) -> int:
    """Create the missing categories; returns how many were created. Safe to run again.

    `category_model` lets the data migration pass its historical model.
    """
    if category_model is None:
        from wangge.cases.models import Category as category_model
    existing = set(category_model.objects.values_list("code", flat=True))
    created = 0
    by_code: dict[str, Any] = {c.code: c for c in category_model.objects.filter(code__length=3)}
    for row in category_rows():
        if row["code"] in existing:
            continue
        data = dict(row)
        parent = data.pop("parent")
        obj = category_model.objects.create(parent=by_code.get(parent) if parent else None, **data)
        if obj.parent_id is None:
            by_code[obj.code] = obj
        created += 1
    return created
