from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "wangge.people"
    label = "people"
    verbose_name = _("人口与房屋")

    def ready(self) -> None:
        from wangge.attachments.access import register_access
        from wangge.people.selectors import visit_visible_to

        # Photos of a visit are seen by whoever may see the visit: its grid's people.
        register_access("people.visit", visit_visible_to)
