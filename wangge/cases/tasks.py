"""Background tasks of the cases app: interfaces that fetch and call one service."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from wangge.cases.sweep import cases_sweep


@task()
def sweep_cases() -> dict[str, int]:
    """The SLA sweep, run every minute by the periodic scheduler (wangge.core.periodic)."""
    return asdict(cases_sweep())


@task()
def sweep_follow_ups() -> dict[str, int]:
    """Auto-close unconfirmed resolved cases and create 回访 tasks (wangge.cases.followup)."""
    from wangge.cases.followup import followup_sweep

    return asdict(followup_sweep())
