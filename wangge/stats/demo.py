"""Demo step: the example assessment scheme, then a full roll-up of the demo history so the
cockpit has figures. Kept last in DEMO_STEPS."""

from __future__ import annotations

from wangge.stats.rollup import stats_rollup
from wangge.stats.services import assessment_scheme_seed


def load(*, stdout) -> None:
    assessment_scheme_seed()
    r = stats_rollup(full=True)
    stdout.write(f"统计汇总：{r.days} 天，{r.cases} 件事件，{r.rows} 行\n")
