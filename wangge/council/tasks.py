"""Background tasks of the council app."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from wangge.council.services import decisions_sweep


@task()
def sweep_decisions() -> dict[str, int]:
    """Flag council decisions past their due date (run by the periodic scheduler)."""
    return asdict(decisions_sweep())
