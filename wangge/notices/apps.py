from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "wangge.notices"
    label = "notices"
    verbose_name = _("通知公告")

    def ready(self) -> None:
        from wangge.attachments.access import register_access
        from wangge.notices.selectors import notice_visible_to

        register_access("notices.notice", notice_visible_to)
