from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "wangge.notify"
    label = "notify"
    verbose_name = _("通知与外发")

    def ready(self) -> None:
        from wangge.core.config import watch
        from wangge.notify.models import WebhookEndpoint

        # Every notification matches the endpoints kept in memory (notify.services).
        watch(WebhookEndpoint)
