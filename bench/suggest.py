"""Learned category suggestions beside the keyword rules, and the chat request detector.

    .venv/bin/python bench/suggest.py [--algorithm logreg|svm|both] [--threshold 0.5]

Corpus: the demo county's case history (loaded with `demo_load` when the database has none).
Closed cases' (description, final category) pairs are deduplicated and split per category into
train (80%) and held-out (20%); the model is fitted on train only. Printed for the held-out set
and for a second set of hand-labelled sentences in wording the demo history never uses:
top-1 / top-3 accuracy of the keyword rules, of the learned model alone, and of what the
application does (learned model when confident, else keyword rules), with the time per
suggestion. The demo descriptions come from a few dozen templates, so the held-out figures of
a learned model are near perfect by construction; the unseen-wording set is the honest test.
The request detector is measured the same way: case descriptions against chit-chat.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from typing import Literal

import _django

_django.setup()

from django.core.management import call_command  # noqa: E402

from wangge.cases.matching import keyword_ranking, rank_categories  # noqa: E402
from wangge.cases.models import Case, Category  # noqa: E402
from wangge.chat.detector import detect  # noqa: E402
from wangge.suggest.chitchat import CHITCHAT  # noqa: E402
from wangge.suggest.features import LinearTextModel  # noqa: E402
from wangge.suggest.services import (  # noqa: E402
    category_training_pairs,
    request_training_pairs,
)
from wangge.suggest.training import Algorithm, dedupe, fit_model, split  # noqa: E402

# Residents' and workers' wording that the demo templates never use, labelled by hand.
UNSEEN: list[tuple[str, str]] = [
    ("小区门口地上全是碎玻璃，小孩光脚容易扎到", "E0104"),
    ("楼下车库出口有一滩机油，电动车差点滑倒", "E0104"),
    ("3号楼后面的路灯晚上不亮了，黑灯瞎火的", "A0106"),
    ("巷子里的灯坏了一个月了，晚上回家害怕", "A0106"),
    ("单元门口的窨井盖不见了，有个大洞", "A0101"),
    ("人行道上井盖翘起来了，一踩就晃", "A0101"),
    ("厨房下水道返臭水，整栋楼都堵了", "A0108"),
    ("雨后小区主干道下水不通，污水横流", "A0108"),
    ("垃圾桶旁边的垃圾堆成山了，苍蝇乱飞", "E0102"),
    ("好几天没人收垃圾了，桶都满出来了", "E0102"),
    ("有人在楼道里堆了一堆装修拆下来的瓷砖和水泥块", "C0403"),
    ("楼上装修，建渣直接倒在花坛里", "C0403"),
    ("楼上邻居天天半夜拖椅子，跟他说了也不听", "C0101"),
    ("对门邻居把鞋柜放在公共走廊，说了还吵架", "C0101"),
    ("物业电梯坏了一个星期都不修，老人上不了楼", "C0102"),
    ("物业保安态度太差，收了物业费什么都不管", "C0102"),
    ("我家卫生间的顶在滴水，应该是楼上漏的", "C0401"),
    ("下大雨顶楼家里墙壁全湿了，屋顶漏雨", "C0401"),
    ("家里门框被虫蛀空了，像是白蚁", "C0402"),
    ("有人从楼上扔下一个酒瓶，差点砸到孩子", "C0302"),
    ("阳台上的空调外机摇摇欲坠，随时会掉下来", "C0302"),
    ("我爸有老年痴呆，今天早上出门到现在没回来", "C0202"),
    ("孩子放学没回家，在公园附近走丢了", "C0202"),
    ("家里就我一个人，瘫痪在床，生活没有着落，想申请补助", "C0201"),
    ("想问一下居住证在哪里办，要带什么", "C0501"),
    ("请问社区什么时候可以打疫苗", "C0501"),
    ("楼道墙上贴满了开锁、通下水道的小广告", "E0201"),
    ("电线杆上贴满了办证的广告，很难看", "E0201"),
    ("菜市场门口一堆卖菜的占了马路，车过不去", "E0502"),
    ("路边好多小贩摆地摊卖水果，堵住了人行道", "E0502"),
    ("小区大门的监控坏了，最近老有电动车被偷", "C0301"),
    ("门禁一直坏着，陌生人随便进出", "C0301"),
    ("自来水管子爆了，水喷得老高", "E0401"),
    ("路上的水管裂了，一直在冒水", "E0401"),
    ("电动车棚的顶被风掀掉了一块", "A0205"),
    ("公园湖边的木头步道烂了好几块", "A0206"),
    ("2栋搬来好几户外地租客，没来登记", "C0203"),
]


def timed(fn: Callable[[str], object], texts: list[str]) -> float:
    """Median microseconds per call over three rounds."""
    rounds = []
    for _ in range(3):
        t = time.perf_counter()
        for text in texts:
            fn(text)
        rounds.append((time.perf_counter() - t) / max(len(texts), 1) * 1e6)
    return statistics.median(rounds)


def accuracy(rank: Callable[[str], list[str]], pairs: list[tuple[str, str]]) -> tuple[float, float]:
    top1 = top3 = 0
    for text, label in pairs:
        ranked = rank(text)
        top1 += bool(ranked) and ranked[0] == label
        top3 += label in ranked[:3]
    return top1 / len(pairs), top3 / len(pairs)


def categories_bench(algorithm: Algorithm | Literal["both"], threshold: float) -> None:
    active = {c.code: c for c in Category.objects.filter(is_active=True, code__length=5)}
    data = dedupe(category_training_pairs(limit=50_000), min_per_label=5)
    train, test = split(data, heldout=0.2, seed=20260101)
    print(
        f"category: {len(data)} distinct closed-case texts, {len(train)} train / "
        f"{len(test)} held-out, {len({lab for _, lab in data})} categories; "
        f"{len(UNSEEN)} unseen-wording sentences"
    )

    def keywords(text: str) -> list[str]:
        return [c.code for c in keyword_ranking(text, active.values())[:3]]

    rows: list[tuple[str, Callable[[str], list[str]]]] = [("keyword rules", keywords)]
    algorithms: list[Algorithm] = ["logreg", "svm"] if algorithm == "both" else [algorithm]
    for alg in algorithms:
        t = time.perf_counter()
        model: LinearTextModel = fit_model(
            [x for x, _ in train],
            [y for _, y in train],
            algorithm=alg,
            c=10.0,
        )
        fit_s = time.perf_counter() - t
        print(f"  {alg}: fitted in {fit_s:.1f} s, {len(model.vocabulary)} features")

        def learned(text: str, m: LinearTextModel = model) -> list[str]:
            return [code for code, _p in m.ranked(text, 3)]

        def combined(text: str, m: LinearTextModel = model) -> list[str]:
            found = rank_categories(text, categories=active, model=m, threshold=threshold, limit=3)
            return [s.category.code for s in found]

        rows += [
            (f"learned {alg}", learned),
            (f"learned {alg} → keywords (≥{threshold})", combined),
        ]

    print(
        f"  {'':34} {'held-out top1':>13} {'top3':>6} {'unseen top1':>11} {'top3':>6} "
        f"{'µs/suggestion':>13}"
    )
    texts = [x for x, _ in test][:500]
    for name, fn in rows:
        h1, h3 = accuracy(fn, test)
        u1, u3 = accuracy(fn, UNSEEN)
        us = timed(fn, texts)
        print(f"  {name:34} {h1:13.1%} {h3:6.1%} {u1:11.1%} {u3:6.1%} {us:13.0f}")


def requests_bench(weight: float) -> None:
    data = dedupe(request_training_pairs(limit=50_000), min_per_label=5)
    train, test = split(data, heldout=0.2, seed=20260101)
    # The seed list is all the chit-chat a fresh deployment has: test on phrases outside it.
    model = fit_model([x for x, _ in train], [y for _, y in train], algorithm="logreg", c=10.0)
    unseen_requests = [(t, "request") for t, _ in UNSEEN]
    unseen_chat = [
        (t, "chat")
        for t in [
            "明天上午社区有义诊，带上医保卡",
            "今天的菜好新鲜，在哪买的？",
            "群里有人要小猫吗，免费领养",
            "周末带孩子去哪儿玩比较好",
            "谢谢王姐送的饺子",
            "刚才谁在楼下喊我？",
            "物业通知明天停电检修已经取消了",
            "大家记得投票选业委会",
            "楼下超市今天打折",
            "生日快乐🎂",
        ]
    ]
    n_chat = sum(1 for _, y in data if y == "chat")
    print(
        f"request detector: {len(data)} texts ({len(data) - n_chat} case descriptions, "
        f"{n_chat} chit-chat; {len(CHITCHAT)} of these the built-in seed), "
        f"{len(test)} held-out; {len(unseen_requests) + len(unseen_chat)} unseen"
    )

    def rules(text: str) -> bool:
        return detect(text).is_request

    def learned(text: str) -> bool:
        return detect(text, learned=model, rules_weight=weight).is_request

    def model_alone(text: str) -> bool:
        return detect(text, learned=model, rules_weight=0.0).is_request

    glass = "刚刚下班回来，经过咱们小区16号楼的时候，发现楼下掉了一地的碎玻璃渣儿，大家经过那里的时候，一定要小心一些，千万别被玻璃伤到。"  # noqa: E501
    print(f"  {'':34} {'held-out acc':>12} {'unseen acc':>10} {'µs/message':>10}  seed glass")
    for name, fn in [
        ("rules", rules),
        ("learned model alone", model_alone),
        (f"learned + rules (weight {weight})", learned),
    ]:
        h = sum(fn(t) == (y == "request") for t, y in test) / len(test)
        u_pairs = unseen_requests + unseen_chat
        u = sum(fn(t) == (y == "request") for t, y in u_pairs) / len(u_pairs)
        us = timed(fn, [t for t, _ in test][:500])
        print(f"  {name:34} {h:12.1%} {u:10.1%} {us:10.0f}  {'request' if fn(glass) else 'chat'}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--algorithm", choices=["logreg", "svm", "both"], default="both")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--rules-weight", type=float, default=1.0)
    args = ap.parse_args()
    if not Case.objects.exists():
        t = time.perf_counter()
        call_command("demo_load", stdout=io.StringIO())
        print(f"demo county loaded in {time.perf_counter() - t:.0f} s")
    categories_bench(args.algorithm, args.threshold)
    requests_bench(args.rules_weight)


if __name__ == "__main__":
    main()
