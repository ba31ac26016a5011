"""The points rules the platform's own modules award by; administrators edit values and caps.

Seeded by migration 0002 and by `rules_seed()` (idempotent, for tests that flush tables).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# fmt: off
DEFAULT_RULES: list[tuple[Any, ...]] = [
    # code, name, amount, custom, min, max, fraction, negative, subject, cap, manual, description
    ("service_order", "完成服务订单", "2", True, "1", "20", False, False, "household", "40",
     False, "党员、志愿者、服务队完成群众点单的服务，按服务项目分值计入其家庭"),
    ("volunteer_hour", "志愿服务时长", "1", True, "0.5", "24", True, False, "person", "40",
     False, "参加社区组织的志愿服务，每小时 1 分，按半小时计"),
    ("clean_household", "清洁户评比", "5", True, "1", "10", False, False, "household", "10",
     True, "每月对个人卫生、家庭环境卫生、周边公共卫生检查评比，评为清洁户的计分"),
    ("council_day", "参加说事日", "2", False, None, None, False, False, "person", "8",
     False, "参加周二说事日议事，每次每人计分"),
    ("good_deed", "好人好事", "3", True, "1", "20", False, False, "household", "30",
     True, "调解纠纷、见义勇为、拾金不昧等，由社区核实后录入"),
    ("civility_deduct", "不文明行为扣分", "-2", True, "-10", "-1", False, True, "household",
     None, True, "乱堆乱放、乱扔垃圾等经劝导不改的，按村规民约扣分"),
]
# fmt: on


def rule_defaults(row: tuple[Any, ...]) -> tuple[str, dict[str, Any]]:
    (code, name, amount, custom, lo, hi, frac, neg, subject, cap, manual, desc) = row
    return code, {
        "name": name,
        "amount": Decimal(amount),
        "custom_amount": custom,
        "min_amount": Decimal(lo) if lo is not None else None,
        "max_amount": Decimal(hi) if hi is not None else None,
        "allow_fraction": frac,
        "allow_negative": neg,
        "subject": subject,
        "monthly_cap": Decimal(cap) if cap is not None else None,
        "manual": manual,
        "description": desc,
    }


def rules_seed() -> int:
    from wangge.points.models import PointsRule

    created = 0
    for row in DEFAULT_RULES:
        code, defaults = rule_defaults(row)
        created += PointsRule.objects.get_or_create(code=code, defaults=defaults)[1]
    return created
