"""Deployment checks of our own, run by `manage.py check --deploy`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def chain_anchor_log(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """Without an anchor file outside the database, deleting the newest anchors together with
    the events they pinned goes unnoticed (docs/hardening.md, "Tamper-evident chains")."""
    if settings.WANGGE_CHAIN_ANCHOR_LOG:
        return []
    return [
        Warning(
            "WANGGE_CHAIN_ANCHOR_LOG is not set: the chain anchors are kept only in the "
            "database and the wangge.chain log.",
            hint="Point it at an append-only file (chattr +a) or a mounted log volume.",
            id="wangge.W001",
        )
    ]
