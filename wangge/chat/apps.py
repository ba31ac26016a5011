from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "wangge.chat"
    label = "chat"
    verbose_name = _("网格群")

    def ready(self) -> None:
        from wangge.chat.models import ChatGroup, ChatStaff
        from wangge.core.config import watch

        # Read by every intake of this channel from the per-process copy (wangge.core.config).
        watch(ChatGroup, ChatStaff)
