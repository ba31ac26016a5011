"""Category suggestions for the wording residents actually use (the seeds' examples)."""

import pytest

from wangge.cases.categories import category_seed
from wangge.cases.matching import suggest_category


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("小区东门的路灯一直不亮，晚上很黑", "路灯"),
        ("16号楼下面有碎玻璃", "道路不洁"),
        ("自行车棚顶棚漏雨", "房屋渗漏"),
        ("孩子在菜市场走丢了", "走失求助"),
        ("老人出门迷路了，家里人找不到", "走失求助"),
    ],
)
def test_suggestion_for_resident_wording(db, text, name):
    category_seed()
    assert suggest_category(text).name == name
