"""Fixtures for learned suggestions: closed cases built through the real services, and small
training thresholds so a handful of hand-made cases is enough to train on."""

from __future__ import annotations

import pytest

from tests.conftest import GRID_A, grid_centre
from wangge.cases.categories import category_seed
from wangge.cases.services import case_submit
from wangge.cases.workflow import case_transition
from wangge.suggest.selectors import forget_loaded_models

# Three categories, described the way residents write, mostly without the keyword rules' words.
HANDMADE: dict[str, list[str]] = {
    "C0101": [  # 邻里纠纷
        "楼上住户半夜拖椅子，咚咚响，睡不着觉",
        "楼上每天晚上跳绳，说了好几次也不改",
        "对门把鞋柜放在公共走廊，说了还骂人",
        "隔壁家狗天天半夜叫，敲门他也不理",
        "楼上半夜拖椅子弹玻璃珠，一直吵",
        "对门在楼道里堆纸箱，沟通了还骂人",
        "隔壁半夜打麻将，洗牌声吵得孩子睡不着",
        "楼上小孩天天在家里跑跳，跟他家大人说了没用",
    ],
    "E0201": [  # 非法小广告
        "单元门上贴满了开锁通下水道的电话",
        "电线杆上到处是办证的电话号码",
        "楼道墙上被人喷了好多疏通管道的号码",
        "小区宣传栏上贴满了贷款的传单",
        "公交站牌上贴满了租房的纸条",
        "单元门上又被贴了一层开锁电话",
        "墙上被人用油漆喷了办证号码",
        "楼道扶手上贴满了装修公司的传单",
    ],
    "E0104": [  # 道路不洁
        "楼下地上一地碎玻璃渣，孩子容易扎脚",
        "车库出口一滩机油，电动车差点滑倒",
        "路面上撒了一地的沙子和碎石，骑车打滑",
        "早市散了以后地上全是烂菜叶和污水",
        "单元门口地上一片油渍，老人容易滑倒",
        "马路上一地碎玻璃，车过去会扎胎",
        "菜场门口地上都是烂菜叶，脏得很",
        "人行道上撒了一地的水泥浆，干了凹凸不平",
    ],
}


@pytest.fixture(autouse=True)
def _fresh_models(settings):
    settings.SUGGEST_MIN_SAMPLES = 12
    settings.SUGGEST_MIN_PER_LABEL = 3
    settings.SUGGEST_RELOAD_SECONDS = 0
    forget_loaded_models()
    yield
    forget_loaded_models()


@pytest.fixture
def categories(db):
    category_seed()
    from wangge.cases.models import Category

    return {c.code: c for c in Category.objects.all()}


@pytest.fixture
def close_case(county, categories, resident, worker_a, community_staff):
    """close_case(description, code) → a case of grid A reported, handled and closed (the
    categories used are handled in the micro-grid, by worker_a)."""
    lat, lng = grid_centre(county[GRID_A])

    def _close(description: str, code: str):
        case = case_submit(
            actor=resident,
            channel="h5",
            description=description,
            category_code=code,
            lat=lat,
            lng=lng,
        ).case
        case_transition(case=case, actor=worker_a, action="claim")
        case_transition(case=case, actor=worker_a, action="resolve", reason="已处理")
        case_transition(case=case, actor=community_staff, action="close")
        return case

    return _close


@pytest.fixture
def history(close_case):
    """The hand-made history: every HANDMADE text as a closed case."""
    return [close_case(text, code) for code, texts in HANDMADE.items() for text in texts]
