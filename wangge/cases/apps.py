from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "wangge.cases"
    label = "cases"
    verbose_name = _("事件诉求")

    def ready(self) -> None:
        from wangge.attachments.access import register_access
        from wangge.cases.selectors import case_event_visible_to

        # Photos are linked to the case event that carried them (report, result, patrol).
        register_access("cases.caseevent", case_event_visible_to)
