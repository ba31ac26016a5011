from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "wangge.community"
    label = "community"
    verbose_name = _("社区服务")

    def ready(self) -> None:
        from wangge.attachments.access import register_access
        from wangge.community.selectors import order_event_visible_to

        # Photos of what was done are linked to the order event that carried them.
        register_access("community.serviceorderevent", order_event_visible_to)
