"""Third-party apps whose admin section titles are English (an app's name is no translatable
string there): the same apps, named in Chinese. Labels, models and behaviour are unchanged.

Kept out of `wangge.core.apps`, where Django looks for the core app's one configuration.
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class AxesConfig(AxesAppConfig):
    verbose_name = _("登录安全")


class TasksDatabaseConfig(TasksAppConfig):
    verbose_name = _("后台任务")  # type: ignore[assignment]
