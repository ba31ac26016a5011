"""Background work of the statistics app (registered in `wangge.core.periodic`)."""

from __future__ import annotations

from django_tasks import task

from wangge.stats.rollup import stats_rollup


@task()
def rollup_cases() -> dict:
    """Incremental roll-up of the case summary tables (days touched since the watermark)."""
    r = stats_rollup()
    return {"days": r.days, "cases": r.cases, "rows": r.rows}
