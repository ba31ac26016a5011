from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "wangge.accounts"
    label = "accounts"
    verbose_name = _("用户与权限")

    def ready(self) -> None:
        from wangge.accounts import receivers, schema, tokencache  # noqa: F401
        from wangge.accounts.selectors import scope_for_user
        from wangge.core.scope import register_scope_resolver

        # The apps below accounts (grids) ask wangge.core.scope for a user's scope.
        register_scope_resolver(scope_for_user)
        tokencache.watch()
