from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "wangge.stats"
    label = "stats"
    verbose_name = _("统计评价")
