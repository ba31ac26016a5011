"""The demo step: last in DEMO_STEPS, idempotent."""

from __future__ import annotations

import io

from tests.stats.conftest import at
from tests.stats.test_rollup import snapshot
from wangge.demo.steps import DEMO_STEPS
from wangge.stats.demo import load
from wangge.stats.models import AssessmentRule, AssessmentScheme


def test_demo_step_is_last_and_idempotent(report):
    assert DEMO_STEPS[-1] == "wangge.stats.demo.load"
    report(at(2, 10))
    out = io.StringIO()
    load(stdout=out)
    first = snapshot()
    load(stdout=out)
    assert snapshot() == first and first[0]
    assert AssessmentScheme.objects.count() == 1 and AssessmentRule.objects.count() == 3
    assert "统计汇总" in out.getvalue()
