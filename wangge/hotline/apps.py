from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "wangge.hotline"
    label = "hotline"
    verbose_name = _("12345 热线")

    def ready(self) -> None:
        from wangge.core.config import watch
        from wangge.hotline.models import HotlineSource

        # Read by every intake of this channel from the per-process copy (wangge.core.config).
        watch(HotlineSource)
