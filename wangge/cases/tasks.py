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


@task()
def anchor_chains() -> dict[str, int]:
    """Checkpoint the case-event chains and the audit log's head outside the chained tables
    (wangge.cases.chain, wangge.core.auditchain); run every WANGGE_CHAIN_ANCHOR_SECONDS."""
    from django.utils import timezone

    from wangge.cases.chain import anchor_cases
    from wangge.core.auditchain import anchor_audit

    now = timezone.now()
    cases = anchor_cases(now=now)
    audit = anchor_audit(now=now)
    return {"cases": cases.entries if cases else 0, "audit": audit.entries if audit else 0}
