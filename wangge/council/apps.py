from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilConfig(AppConfig):
    name = "wangge.council"
    label = "council"
    verbose_name = _("周二说事（议事）")
