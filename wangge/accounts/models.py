"""Users, their roles on units, and hence their data scope.

A role is held on a unit: a grid (grid worker of micro-grid X, community staff of community Y,
centre operator of the district) or a department (handler of 城管). A user's data scope is the
union of the subtrees of the grids of their roles (see `selectors.scope_for_user`).
The three system roles — administrator, security officer, auditor — are held on no unit and
are mutually exclusive, as 等保 separation of duties expects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wangge.core.config import StampQuerySet
from wangge.core.models import VersionStamp

if TYPE_CHECKING:
    from wangge.core.scope import Scope


class AuthQuerySet(StampQuerySet):
    """Users, role assignments and API tokens decide who a token is (wangge.accounts.tokencache):
    bulk writes of them move `AuthVersion`, as their saves and deletes do."""

    @staticmethod
    def moved() -> None:
        from wangge.accounts.tokencache import auth_changed

        auth_changed()


class UserQuerySet(AuthQuerySet):
    volatile = frozenset({"last_login"})


class ApiTokenQuerySet(AuthQuerySet):
    volatile = frozenset({"last_used_at"})


class AccountManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    # The mobile number, encrypted and hashed like residents' (accounts/phones.py).
    phone_cipher = models.TextField(blank=True, default="", editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    objects: ClassVar[AccountManager] = AccountManager()

    # The user's data scope, cached for the rest of the request by `scope_for_user` (not a field).
    _wangge_scope: Scope

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员")
    MICRO_GRID_HEAD = "micro_grid_head", _("微网格长")
    BUILDING_HEAD = "building_head", _("楼栋长")
    GRID_HEAD = "grid_head", _("网格长")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    STREET_STAFF = "street_staff", _("街道工作人员")
    DISTRICT_STAFF = "district_staff", _("区级工作人员")
    OPERATOR = "operator", _("指挥中心调度员")
    DEPARTMENT_HANDLER = "department_handler", _("部门处置人员")
    LEADER = "leader", _("领导")
    ADMINISTRATOR = "administrator", _("系统管理员")
    SECURITY_OFFICER = "security_officer", _("安全管理员")
    AUDITOR = "auditor", _("审计管理员")


GRID_ROLES = frozenset(
    {
        Role.GRID_WORKER,
        Role.MICRO_GRID_HEAD,
        Role.BUILDING_HEAD,
        Role.GRID_HEAD,
        Role.COMMUNITY_STAFF,
        Role.STREET_STAFF,
        Role.DISTRICT_STAFF,
        Role.OPERATOR,
        Role.LEADER,
    }
)
DEPARTMENT_ROLES = frozenset({Role.DEPARTMENT_HANDLER})
SYSTEM_ROLES = frozenset({Role.ADMINISTRATOR, Role.SECURITY_OFFICER, Role.AUDITOR})
# Roles that only read: never offered write actions on cases or base data.
READ_ONLY_ROLES = frozenset({Role.LEADER})


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    grid = models.ForeignKey(
        "grids.Grid",
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    department = models.ForeignKey(
        "grids.Department",
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    created_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    objects = AuthQuerySet.as_manager()

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.CheckConstraint(
                name="role_unit_fits_role",
                condition=(
                    Q(
                        role__in=sorted(GRID_ROLES),
                        grid__isnull=False,
                        department__isnull=True,
                    )
                    | Q(
                        role__in=sorted(DEPARTMENT_ROLES),
                        grid__isnull=True,
                        department__isnull=False,
                    )
                    | Q(
                        role__in=sorted(SYSTEM_ROLES),
                        grid__isnull=True,
                        department__isnull=True,
                    )
                ),
            ),
            # One row per (user, role, unit); three partial constraints so NULL units compare
            # equal on every database.
            models.UniqueConstraint(
                fields=["user", "role", "grid"],
                condition=Q(grid__isnull=False),
                name="role_unique_on_grid",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "department"],
                condition=Q(department__isnull=False),
                name="role_unique_on_department",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(grid__isnull=True, department__isnull=True),
                name="role_unique_system",
            ),
        ]

    def __str__(self) -> str:
        unit = self.grid or self.department or ""
        return f"{self.user} · {self.get_role_display()} · {unit}"


class ApiToken(models.Model):
    """A bearer token for the API (mobile apps, integrations), stored as a hash only.

    The key is shown once, when it is issued; the database holds its SHA-256, so neither the
    admin nor a database dump yields a usable key. A token is valid while it is not revoked,
    not past `expires_at` (absolute lifetime), used within the idle limit, and the user's
    password is the one it was issued under (`password_stamp`).
    """

    class RevokeReason(models.TextChoices):
        LOGOUT = "logout", _("退出登录")
        PASSWORD = "password", _("修改密码")
        LOCKED = "locked", _("账户锁定")
        REFRESHED = "refreshed", _("已续期换发")
        ADMIN = "admin", _("管理员吊销")

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True)
    # The first characters of the key, enough to tell tokens apart, useless to act with.
    prefix = models.CharField(_("令牌前缀"), max_length=8)
    password_stamp = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("签发时间"))
    last_used_at = models.DateTimeField(_("最近使用"))
    expires_at = models.DateTimeField(_("最迟失效"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_reason = models.CharField(
        _("吊销原因"), max_length=16, choices=RevokeReason.choices, blank=True
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="apitoken_user_live")]
        constraints = [
            models.CheckConstraint(
                name="apitoken_revoked_has_reason",
                condition=Q(revoked_at__isnull=True, revoked_reason="")
                | Q(revoked_at__isnull=False) & ~Q(revoked_reason=""),
            ),
            models.CheckConstraint(
                name="apitoken_expires_after_issue", condition=Q(expires_at__gt=F("created_at"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.prefix}…"


class AuthVersion(VersionStamp):
    """One row per deployment: moved in the same transaction as any change to a user, a role
    assignment or an API token other than its last use. Every process keeps the tokens it read
    (wangge.accounts.tokencache) while this stamp, read with each token, stays where it was."""

    class Meta:
        verbose_name = _("身份版本")
        verbose_name_plural = _("身份版本")
        constraints = [models.CheckConstraint(name="auth_version_singleton", condition=Q(id=1))]
