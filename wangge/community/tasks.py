"""Background tasks of community life: interfaces that call one service."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from wangge.community.services import orders_remind_overdue


@task()
def remind_overdue_orders() -> dict[str, int]:
    """Overdue service orders: one reminder each to the taker and the community staff."""
    return asdict(orders_remind_overdue())
