from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "wangge.open311"
    label = "open311"
    verbose_name = _("Open311 接口")

    def ready(self) -> None:
        from wangge.core.config import watch
        from wangge.open311.models import ApiClient, ServiceAttribute

        # Read by every intake of this channel from the per-process copy (wangge.core.config).
        watch(ApiClient, ServiceAttribute)
