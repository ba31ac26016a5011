"""Demo step for the channels: Open311 service attributes, a 12345 source, a grid chat group."""

from __future__ import annotations

import hashlib

from django.conf import settings

from wangge.accounts.models import User
from wangge.chat.models import ChatGroup, ChatStaff
from wangge.grids.models import Grid
from wangge.hotline.models import HotlineSource
from wangge.open311.models import AttributeType, ServiceAttribute

ATTRIBUTES = [
    ("E0104", "area", AttributeType.NUMBER, True, "大约多少平方米", []),
    ("E0104", "kind", AttributeType.MULTI, False, "是什么",
     [{"key": "glass", "name": "碎玻璃"}, {"key": "oil", "name": "油污"},
      {"key": "litter", "name": "杂物"}]),
    ("A0106", "pole", AttributeType.STRING, False, "灯杆编号（灯杆上的牌子）", []),
    ("A0106", "since", AttributeType.DATETIME, False, "从什么时候开始不亮", []),
    ("A0101", "state", AttributeType.SINGLE, True, "井盖情况",
     [{"key": "missing", "name": "丢失"}, {"key": "broken", "name": "破损"},
      {"key": "loose", "name": "松动"}]),
]  # fmt: skip


def load(*, stdout) -> None:
    added = 0
    for order, (code, attr, datatype, required, description, values) in enumerate(ATTRIBUTES, 1):
        _, created = ServiceAttribute.objects.get_or_create(
            service_code=code,
            code=attr,
            defaults={
                "order": order,
                "datatype": datatype,
                "required": required,
                "description": description,
                "values": values,
            },
        )
        added += created
    _, new_source = HotlineSource.objects.get_or_create(
        code="city12345", defaults={"name": "市 12345 政务服务便民热线"}
    )
    grid = Grid.objects.filter(code="350427001001001001").first()
    new_group = False
    if grid is not None:
        # A stable, deployment-specific demo secret (never used outside the demo).
        secret = hashlib.sha256(f"{settings.SECRET_KEY}:demo-chat".encode()).hexdigest()[:32]
        group, new_group = ChatGroup.objects.get_or_create(
            group_id="demo-yiyuan-1-1",
            defaults={"name": "怡园1片区1号网格群", "grid": grid, "secret": secret},
        )
        worker = User.objects.filter(username="worker_a").first()
        if worker is not None:
            ChatStaff.objects.get_or_create(
                group=group, sender_id="wx_worker_a", defaults={"user": worker}
            )
    stdout.write(
        f"渠道：Open311 服务属性 {added} 条，热线来源 {int(new_source)} 个，"
        f"网格群 {int(new_group)} 个\n"
    )
