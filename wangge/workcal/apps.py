from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkcalConfig(AppConfig):
    name = "wangge.workcal"
    label = "workcal"
    verbose_name = _("工作日历")
