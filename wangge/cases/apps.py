from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "wangge.cases"
    label = "cases"
    verbose_name = _("事件诉求")

    def ready(self) -> None:
        from wangge.attachments.access import register_access
        from wangge.cases.models import Category, RoutingRule
        from wangge.cases.selectors import case_event_visible_to
        from wangge.core.config import watch
        from wangge.grids.models import Department

        # The intake keeps these in memory (wangge.cases.reference).
        watch(Category, RoutingRule, Department)

        # Photos are linked to the case event that carried them (report, result, patrol).
        register_access("cases.caseevent", case_event_visible_to)
        post_migrate.connect(_state_trigger_ensure, sender=self)


def _state_trigger_ensure(using: str = "default", **kwargs: Any) -> None:
    """SQLite drops a table's triggers when a later migration rebuilds the table: put the
    state guard of migration cases.0003 back after every migrate (PostgreSQL keeps it)."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    import importlib

    migration = importlib.import_module("wangge.cases.migrations.0003_case_state_needs_event")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cases_case'")
        if cursor.fetchone() is None:
            return
        cursor.execute(
            migration.SQLITE_UP.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS")
        )
