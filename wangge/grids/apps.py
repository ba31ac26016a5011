from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "wangge.grids"
    label = "grids"
    verbose_name = _("网格与单位")

    def ready(self) -> None:
        from wangge.core.config import config_follows
        from wangge.grids.locator import locator

        # The settings snapshot holds grids (routing targets): rebuilt when the grid tree moves.
        config_follows(locator.version)
